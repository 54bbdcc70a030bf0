// Beats, downbeats and metre of a performance, and the performance retimed
// onto them (docs/beats.md). MIDI is read with the default read params.
// The binding parses no JSON: the full beat map (metre, pickup beats, beat
// times, tempo per beat, downbeat indices) comes as the library's JSON text;
// Beats.TimesFile gives the beat times and metre of a file as values.
using System;
using System.Runtime.InteropServices;

namespace Emopiano
{
    /// Beat tracking settings; null keeps the library's default.
    public sealed class BeatOptions
    {
        /// Beats per bar: 0 detects 3 or 4 (default), 2..12 forces it.
        public int? Metre;
        /// The tempo range searched (default 40..240 BPM).
        public double? MinBpm, MaxBpm;
        /// Centre (BPM) and width (octaves) of the log-normal tempo prior.
        public double? PriorBpm, PriorOctaves;
        /// How closely beats keep to the local tempo (default 100).
        public double? Tightness;

        /// Every setting at the library's default (emopiano_beat_params_init).
        public static BeatOptions Defaults()
        {
            var p = Init();
            return new BeatOptions { Metre = p.Metre, MinBpm = p.MinBpm, MaxBpm = p.MaxBpm, PriorBpm = p.PriorBpm,
                                     PriorOctaves = p.PriorOctaves, Tightness = p.Tightness };
        }

        static BeatParams Init()
        {
            var p = new BeatParams();
            Check.Status(Native.emopiano_beat_params_init(ref p, (uint)Marshal.SizeOf(typeof(BeatParams))));
            return p;
        }

        /// null (NULL: the library's defaults) for null options, else one initialised struct.
        internal static BeatParams[] Params(BeatOptions o)
        {
            if (o == null) return null;
            var p = Init();
            if (o.Metre.HasValue) p.Metre = o.Metre.Value;
            if (o.MinBpm.HasValue) p.MinBpm = o.MinBpm.Value;
            if (o.MaxBpm.HasValue) p.MaxBpm = o.MaxBpm.Value;
            if (o.PriorBpm.HasValue) p.PriorBpm = o.PriorBpm.Value;
            if (o.PriorOctaves.HasValue) p.PriorOctaves = o.PriorOctaves.Value;
            if (o.Tightness.HasValue) p.Tightness = o.Tightness.Value;
            return new[] { p };
        }
    }

    /// The beat times and metre of a piece.
    public struct BeatTimes
    {
        /// Beat times in seconds, increasing; empty for fewer than two onsets.
        public double[] Beats;
        /// Beats per bar.
        public int Metre;
    }

    public static class Beats
    {
        /// The beat map of MIDI bytes as JSON:
        /// {"metre":4,"pickup_beats":1,"beats":[seconds...],"bpm":[per beat...],"downbeats":[indices...]};
        /// empty arrays for a piece with fewer than two onsets.
        public static string Json(byte[] midi, BeatOptions options = null)
        {
            if (midi == null) throw new ArgumentNullException("midi");
            IntPtr json;
            Check.Status(Native.emopiano_beats_bytes_json(out json, midi, (UIntPtr)midi.Length, BeatOptions.Params(options)));
            try { return Utf8.Decode(json); }
            finally { Native.emopiano_free(json); }
        }

        /// The beat map of a MIDI file as JSON (as Json).
        public static string JsonFile(string midiPath, BeatOptions options = null)
        {
            IntPtr json;
            Check.Status(Native.emopiano_beats_file_json(out json, Utf8.Encode(midiPath), BeatOptions.Params(options)));
            try { return Utf8.Decode(json); }
            finally { Native.emopiano_free(json); }
        }

        /// The beat times and metre of a MIDI file.
        public static BeatTimes TimesFile(string midiPath, BeatOptions options = null)
        {
            byte[] path = Utf8.Encode(midiPath);
            BeatParams[] p = BeatOptions.Params(options);
            UIntPtr count;
            int metre;
            // The first call, with no array (NULL, capacity 0), asks for the count.
            double[] beats = new double[0];
            int status = Native.emopiano_beats_file(null, UIntPtr.Zero, out count, out metre, path, p);
            if (status == (int)Status.BufferTooSmall)
            {
                beats = new double[(int)count];
                status = Native.emopiano_beats_file(beats, (UIntPtr)beats.Length, out count, out metre, path, p);
            }
            Check.Status(status);
            return new BeatTimes { Beats = beats, Metre = metre };
        }

        /// MIDI bytes written onto their tracked beats (a quarter note per beat, a
        /// tempo change at each, the metre as time signature, bar lines on the
        /// downbeats, every note sounding when it did), as MIDI bytes.
        public static byte[] Retime(byte[] midi, BeatOptions options = null)
        {
            if (midi == null) throw new ArgumentNullException("midi");
            IntPtr bytes;
            UIntPtr size;
            Check.Status(Native.emopiano_retime_bytes(out bytes, out size, midi, (UIntPtr)midi.Length, BeatOptions.Params(options)));
            return Buffers.TakeBytes(bytes, size);
        }

        /// A MIDI file retimed (as Retime), written atomically.
        public static void RetimeFile(string inPath, string outPath, BeatOptions options = null)
        {
            Check.Status(Native.emopiano_retime_file(Utf8.Encode(inPath), Utf8.Encode(outPath), BeatOptions.Params(options)));
        }

        /// True when MIDI bytes look like a performance stored at one nominal
        /// tempo (what the tokenizer's "auto" grid retimes).
        public static bool IsUnaligned(byte[] midi)
        {
            if (midi == null) throw new ArgumentNullException("midi");
            int unaligned;
            Check.Status(Native.emopiano_midi_is_unaligned(out unaligned, midi, (UIntPtr)midi.Length));
            return unaligned != 0;
        }
    }
}
