// Listening: MIDI rendered to a WAV file with FluidSynth.
using System;
using System.Runtime.InteropServices;

namespace Emopiano
{
    /// Rendering settings; null keeps the library's default.
    public sealed class RenderOptions
    {
        /// 8000..192000 (default 44100).
        public int? SampleRate;
        /// FluidSynth's master gain (default 0.6); seconds rendered after the last note (default 1.5).
        public double? Gain, TailSeconds;
        /// General MIDI program 0..127 (default 0, grand piano).
        public int? Program;
        /// A .sf2 file (default $EMOPIANO_SOUNDFONT, then the Debian GM SoundFont).
        public string SoundFont;
    }

    public static class Audio
    {
        /// True when the loaded library can render audio (it was built with FluidSynth).
        public static bool Available { get { return Native.emopiano_audio_available() != 0; } }

        /// Renders MIDI bytes to a 16-bit stereo WAV file, written atomically.
        /// UnsupportedException without FluidSynth, NotFoundException without a SoundFont.
        public static void RenderWav(byte[] midi, string wavPath, RenderOptions options = null)
        {
            if (midi == null) throw new ArgumentNullException("midi");
            using (var pins = new PinnedStrings())
            {
                var p = Params(options, pins);
                Check.Status(Native.emopiano_render_wav_bytes(midi, (UIntPtr)midi.Length, Utf8.Encode(wavPath), ref p));
            }
        }

        /// Renders a MIDI file to a WAV file, written atomically.
        public static void RenderWavFile(string midiPath, string wavPath, RenderOptions options = null)
        {
            using (var pins = new PinnedStrings())
            {
                var p = Params(options, pins);
                Check.Status(Native.emopiano_render_wav_file(Utf8.Encode(midiPath), Utf8.Encode(wavPath), ref p));
            }
        }

        static RenderParams Params(RenderOptions o, PinnedStrings pins)
        {
            var p = new RenderParams();
            Check.Status(Native.emopiano_render_params_init(ref p, (uint)Marshal.SizeOf(typeof(RenderParams))));
            if (o == null) return p;
            if (o.SampleRate.HasValue) p.SampleRate = o.SampleRate.Value;
            if (o.Gain.HasValue) p.Gain = o.Gain.Value;
            if (o.TailSeconds.HasValue) p.TailSeconds = o.TailSeconds.Value;
            if (o.Program.HasValue) p.Program = o.Program.Value;
            p.Soundfont = pins.Add(o.SoundFont);
            return p;
        }
    }
}
