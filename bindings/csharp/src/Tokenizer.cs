// MIDI notes and the REMI tokenizer.
using System;
using System.Runtime.InteropServices;

namespace Emopiano
{
    public struct Note
    {
        public int Pitch, Velocity, Channel;
        public long StartTick, EndTick;
        public double StartSeconds, EndSeconds;

        internal static Note From(NoteStruct n)
        {
            return new Note { Pitch = n.Pitch, Velocity = n.Velocity, Channel = n.Channel,
                              StartTick = n.StartTick, EndTick = n.EndTick,
                              StartSeconds = n.StartSeconds, EndSeconds = n.EndSeconds };
        }

        internal static Note Read(IntPtr note)
        {
            return From((NoteStruct)Marshal.PtrToStructure(note, typeof(NoteStruct)));
        }

        public override string ToString()
        {
            return string.Format("Note(pitch {0}, velocity {1}, {2:F3}..{3:F3} s)", Pitch, Velocity,
                                 StartSeconds, EndSeconds);
        }
    }

    /// Copies library-owned buffers into managed arrays, then frees them with
    /// emopiano_free (never a managed or other C runtime's allocator).
    internal static class Buffers
    {
        public static byte[] TakeBytes(IntPtr data, UIntPtr size)
        {
            try
            {
                byte[] bytes = new byte[(int)size];
                if (bytes.Length > 0) Marshal.Copy(data, bytes, 0, bytes.Length);
                return bytes;
            }
            finally { Native.emopiano_free(data); }
        }

        public static int[] TakeInts(IntPtr data, UIntPtr count)
        {
            try { return CopyInts(data, count); }
            finally { Native.emopiano_free(data); }
        }

        public static int[] CopyInts(IntPtr data, UIntPtr count)
        {
            int[] ints = new int[(int)count];
            if (ints.Length > 0) Marshal.Copy(data, ints, 0, ints.Length);
            return ints;
        }

        public static Note[] TakeNotes(IntPtr notes, UIntPtr count)
        {
            try
            {
                var result = new Note[(int)count];
                int stride = Marshal.SizeOf(typeof(NoteStruct));
                for (int i = 0; i < result.Length; ++i)
                    result[i] = Note.Read(new IntPtr(notes.ToInt64() + (long)i * stride));
                return result;
            }
            finally { Native.emopiano_free(notes); }
        }
    }

    public static class Midi
    {
        /// Throws DataFormatException with the reason unless data is a well-formed Standard MIDI File.
        public static void Validate(byte[] data)
        {
            Check.Status(Native.emopiano_midi_validate(data, (UIntPtr)data.Length));
        }

        /// The notes of MIDI bytes, sorted by (start, pitch).
        public static Note[] ReadNotes(byte[] data)
        {
            IntPtr notes;
            UIntPtr count;
            Check.Status(Native.emopiano_midi_read_notes_bytes(out notes, out count, data, (UIntPtr)data.Length, IntPtr.Zero));
            return Buffers.TakeNotes(notes, count);
        }

        /// The notes of a MIDI file, sorted by (start, pitch).
        public static Note[] ReadNotesFile(string path)
        {
            IntPtr notes;
            UIntPtr count;
            Check.Status(Native.emopiano_midi_read_notes_file(out notes, out count, Utf8.Encode(path), IntPtr.Zero));
            return Buffers.TakeNotes(notes, count);
        }
    }

    public enum SpecialToken { Pad = 0, Bos = 1, Eos = 2, EmotionQ1 = 3, EmotionQ2 = 4, EmotionQ3 = 5, EmotionQ4 = 6 }

    /// Immutable: one tokenizer may be used by many threads at once.
    public sealed class Tokenizer : IDisposable
    {
        internal readonly TokenizerHandle Handle;

        /// configJson: a TokenizerConfig JSON object; null for the defaults.
        public Tokenizer(string configJson = null)
        {
            Check.Status(Native.emopiano_tokenizer_create(out Handle, Utf8.Encode(configJson)));
        }

        internal Tokenizer(TokenizerHandle handle) { Handle = handle; }

        public int VocabSize
        {
            get { int size; Check.Status(Native.emopiano_tokenizer_vocab_size(out size, Handle)); return size; }
        }

        public int SpecialId(SpecialToken which)
        {
            int id;
            Check.Status(Native.emopiano_tokenizer_special_id(out id, Handle, (int)which));
            return id;
        }

        public string TokenToString(int id)
        {
            byte[] buffer = new byte[32];
            UIntPtr needed;
            int status = Native.emopiano_tokenizer_token_to_string(buffer, (UIntPtr)buffer.Length, out needed, Handle, id);
            if (status == (int)Status.BufferTooSmall)
            {
                buffer = new byte[(int)needed];
                status = Native.emopiano_tokenizer_token_to_string(buffer, (UIntPtr)buffer.Length, out needed, Handle, id);
            }
            Check.Status(status);
            return Utf8.FromBuffer(buffer);
        }

        /// NotFoundException for an unknown token name.
        public int TokenFromString(string text)
        {
            int id;
            Check.Status(Native.emopiano_tokenizer_token_from_string(out id, Handle, Utf8.Encode(text)));
            return id;
        }

        /// BOS, [emotion], the piece, EOS.
        public int[] Encode(byte[] midi, Quadrant? quadrant = null)
        {
            var p = new EncodeParams();
            Check.Status(Native.emopiano_encode_params_init(ref p, (uint)Marshal.SizeOf(typeof(EncodeParams))));
            p.Quadrant = quadrant.HasValue ? (int)quadrant.Value : 0;
            IntPtr tokens;
            UIntPtr count;
            Check.Status(Native.emopiano_tokenizer_encode_bytes(out tokens, out count, Handle, midi, (UIntPtr)midi.Length, ref p));
            return Buffers.TakeInts(tokens, count);
        }

        /// A Standard MIDI File; ill-formed runs are skipped.
        public byte[] Decode(int[] tokens)
        {
            IntPtr bytes;
            UIntPtr size;
            Check.Status(Native.emopiano_tokenizer_decode_to_bytes(out bytes, out size, Handle, tokens, (UIntPtr)tokens.Length));
            return Buffers.TakeBytes(bytes, size);
        }

        public void Dispose() { Handle.Dispose(); }
    }
}
