// Live sessions: music one bar at a time while the emotion changes.
using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Emopiano
{
    public sealed class SessionOptions
    {
        /// The emotion of the first bar; null is Q1.
        public Emotion? Emotion;
        public ulong Seed;
        public float? Temperature, TopP, Guidance;
        /// As GenerateOptions.RhythmGuidance.
        public float? RhythmGuidance;
        /// As GenerateOptions.ValenceGuidance.
        public float? ValenceGuidance;
        /// As GenerateOptions.Density.
        public float? Density;
        /// As GenerateOptions.QuadrantDensity (each bar follows SetEmotion).
        public float[] QuadrantDensity;
        public int? TopK;
        public bool? ConstrainGrammar;
        /// "A minor", "Eb major", "F#m" for models with key tokens.
        public string Key;
        /// A MIDI file to continue.
        public string PrimerPath;
        /// Keep every bar, for WriteMidi.
        public bool Record;
        /// Write the next bar on a thread of the session's own while this
        /// one plays, so NextBar returns at once (the same bars).
        public bool Lookahead;
    }

    /// One bar: absolute times from the start of the session's music.
    public sealed class Bar
    {
        static readonly string[] Tonics = { "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B" };

        public long Index, StartTick, EndTick, Tokens;
        public int TicksPerBeat;
        public double StartSeconds, EndSeconds, Bpm;
        public float[] Emotion;
        /// "D minor"; null for models without key tokens.
        public string Key;
        public Note[] Notes;

        internal static Bar From(SessionBarStruct b, Note[] notes)
        {
            return new Bar
            {
                Index = b.Index, StartTick = b.StartTick, EndTick = b.EndTick, Tokens = b.Tokens,
                TicksPerBeat = b.TicksPerBeat, StartSeconds = b.StartSeconds, EndSeconds = b.EndSeconds,
                Bpm = b.Bpm, Emotion = new[] { b.Emotion.Q1, b.Emotion.Q2, b.Emotion.Q3, b.Emotion.Q4 },
                Key = b.KeyTonic < 0 ? null : Tonics[b.KeyTonic % 12] + (b.KeyMajor != 0 ? " major" : " minor"),
                Notes = notes,
            };
        }
    }

    /// Music that follows an emotion set between bars (docs/live.md). One
    /// thread at a time, except Cancel, which any thread may call. Many
    /// sessions may share one Model; the session keeps the network alive, so
    /// the Model may be disposed first.
    public sealed class Session : IDisposable
    {
        internal readonly SessionHandle Handle;
        readonly object busy = new object();

        public Session(Model model, SessionOptions options = null)
        {
            var o = options ?? new SessionOptions();
            var p = new SessionParams();
            Check.Status(Native.emopiano_session_params_init(ref p, (uint)Marshal.SizeOf(typeof(SessionParams))));
            p.Seed = o.Seed;
            if (o.Temperature.HasValue) p.Temperature = o.Temperature.Value;
            if (o.TopP.HasValue) p.TopP = o.TopP.Value;
            if (o.TopK.HasValue) p.TopK = o.TopK.Value;
            if (o.Guidance.HasValue) p.Guidance = o.Guidance.Value;
            if (o.RhythmGuidance.HasValue) p.RhythmGuidance = o.RhythmGuidance.Value;
            if (o.ValenceGuidance.HasValue) p.ValenceGuidance = o.ValenceGuidance.Value;
            if (o.Density.HasValue) p.Density = o.Density.Value;
            if (o.QuadrantDensity != null) p.QuadrantDensity = Native.FourValues(o.QuadrantDensity, "QuadrantDensity");
            if (o.ConstrainGrammar.HasValue) p.ConstrainGrammar = o.ConstrainGrammar.Value ? 1 : 0;
            p.Record = o.Record ? 1 : 0;
            p.Lookahead = o.Lookahead ? 1 : 0;
            IntPtr emotion = IntPtr.Zero;
            byte[] key = Utf8.Encode(o.Key), primerPath = Utf8.Encode(o.PrimerPath);
            GCHandle keyPin = default(GCHandle), primerPin = default(GCHandle);
            try
            {
                if (o.Emotion.HasValue)
                {
                    emotion = Marshal.AllocHGlobal(Marshal.SizeOf(typeof(EmotionStruct)));
                    Marshal.StructureToPtr(o.Emotion.Value.Value, emotion, false);
                    p.Emotion = emotion;
                }
                if (key != null)
                {
                    keyPin = GCHandle.Alloc(key, GCHandleType.Pinned);
                    p.Key = keyPin.AddrOfPinnedObject();
                }
                if (primerPath != null)
                {
                    primerPin = GCHandle.Alloc(primerPath, GCHandleType.Pinned);
                    p.PrimerPath = primerPin.AddrOfPinnedObject();
                }
                Check.Status(Native.emopiano_session_create(out Handle, model.Handle, ref p));
            }
            finally
            {
                if (emotion != IntPtr.Zero) Marshal.FreeHGlobal(emotion);
                if (keyPin.IsAllocated) keyPin.Free();
                if (primerPin.IsAllocated) primerPin.Free();
            }
        }

        /// The next bar. CancelledException when Cancel stopped it: the
        /// session is as it was, and the next call writes that bar afresh.
        public Bar NextBar()
        {
            lock (busy)
            {
                var b = new SessionBarStruct { StructSize = (uint)Marshal.SizeOf(typeof(SessionBarStruct)) };
                IntPtr notes;
                UIntPtr count;
                Check.Status(Native.emopiano_session_next_bar(ref b, out notes, out count, Handle));
                return Bar.From(b, Buffers.TakeNotes(notes, count));
            }
        }

        /// The emotion of the bars from the next one on.
        public void SetEmotion(Emotion emotion)
        {
            lock (busy)
            {
                var e = emotion.Value;
                Check.Status(Native.emopiano_session_set_emotion(Handle, ref e));
            }
        }

        /// Stops the bar in progress; callable from any thread.
        public void Cancel() { Check.Status(Native.emopiano_session_cancel(Handle)); }

        /// Back to the opening: the same bars again from bar 0.
        public void Reset()
        {
            lock (busy) Check.Status(Native.emopiano_session_reset(Handle));
        }

        /// The bars so far as a MIDI file, written atomically (needs Record).
        public void WriteMidi(string path)
        {
            lock (busy) Check.Status(Native.emopiano_session_write_midi(Handle, Utf8.Encode(path)));
        }

        public void Dispose() { Handle.Dispose(); }
    }
}
