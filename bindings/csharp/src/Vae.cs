// The conditional VAE: a latent space of short segments of piano music,
// conditioned on emotion. Latents are float[LatentDim]; a null emotion is Q1.
using System;
using System.Runtime.InteropServices;

namespace Emopiano
{
    /// Decoding settings; null keeps the library's default.
    /// A musical attribute with a latent vector of its own (MusicVAE).
    public enum VaeAttribute
    {
        Density = 0,      // notes per bar
        PitchRange = 1,   // highest minus lowest pitch
        Syncopation = 2,  // share of onsets off the beat
        Mode = 3          // major against minor
    }

    public sealed class VaeOptions
    {
        /// 0 decodes greedily (default 0.8); top-p 1 is off (default 0.95).
        public float? Temperature, TopP;
        /// 0 is off (default 0).
        public int? TopK;
        /// Decoding and noise draws (default 0).
        public ulong? Seed;
        /// Beam search width for greedy decoding, Temperature 0 (default 1).
        public int? Beams;
    }

    /// A loaded VAE. Read-only: share one between threads.
    public sealed class Vae : IDisposable
    {
        internal readonly VaeHandle Handle;
        /// Values in a latent; bars in a segment.
        public readonly int LatentDim, SegmentBars;

        public Vae(string path)
        {
            Check.Status(Native.emopiano_vae_load(out Handle, Utf8.Encode(path)));
            Check.Status(Native.emopiano_vae_info(out LatentDim, out SegmentBars, Handle));
        }

        /// The VAE that ships with emopiano ($EMOPIANO_VAE first).
        public static string BundledPath()
        {
            IntPtr path;
            Check.Status(Native.emopiano_bundled_vae_path(out path));
            try { return Utf8.Decode(path); }
            finally { Native.emopiano_free(path); }
        }

        public static Vae Bundled() { return new Vae(BundledPath()); }

        /// steps latents from a to b, ends included: along the great circle with
        /// the norm interpolated (spherical) or on a straight line.
        public static float[][] InterpolateLatents(float[] a, float[] b, int steps, bool spherical)
        {
            if (a == null || b == null) throw new ArgumentNullException(a == null ? "a" : "b");
            if (a.Length != b.Length)
                throw new InvalidArgumentException("latents of different sizes: " + a.Length + " and " + b.Length);
            var flat = new float[a.Length * Math.Max(steps, 0)];
            Check.Status(Native.emopiano_vae_interpolate_latents(flat, a, b, (UIntPtr)a.Length, steps, spherical ? 1 : 0));
            var path = new float[steps][];
            for (int i = 0; i < steps; ++i)
            {
                path[i] = new float[a.Length];
                Array.Copy(flat, i * a.Length, path[i], 0, a.Length);
            }
            return path;
        }

        /// The posterior of the first segment of a MIDI file.
        public void Encode(string midiPath, Emotion? emotion, out float[] mean, out float[] logVariance)
        {
            mean = new float[LatentDim];
            logVariance = new float[LatentDim];
            Check.Status(Native.emopiano_vae_encode_file(mean, logVariance, (UIntPtr)LatentDim, Handle,
                                                         Utf8.Encode(midiPath), EmotionArg(emotion)));
        }

        /// z drawn from the prior N(0, temperature^2 I).
        public float[] SampleLatent(float temperature, ulong seed)
        {
            var z = new float[LatentDim];
            Check.Status(Native.emopiano_vae_sample_latent(z, (UIntPtr)LatentDim, Handle, temperature, seed));
            return z;
        }

        /// One segment decoded from z, as Standard MIDI File bytes.
        public byte[] Decode(float[] z, Emotion? emotion = null, VaeOptions options = null)
        {
            CheckLatent(z);
            var p = Params(options);
            IntPtr bytes;
            UIntPtr size;
            Check.Status(Native.emopiano_vae_decode_midi(out bytes, out size, Handle, z, (UIntPtr)z.Length,
                                                         EmotionArg(emotion), ref p));
            return Buffers.TakeBytes(bytes, size);
        }

        /// Decode, written atomically to a MIDI file.
        public void DecodeToFile(float[] z, string path, Emotion? emotion = null, VaeOptions options = null)
        {
            CheckLatent(z);
            var p = Params(options);
            Check.Status(Native.emopiano_vae_decode_file(Handle, z, (UIntPtr)z.Length, EmotionArg(emotion), ref p,
                                                         Utf8.Encode(path)));
        }

        /// Mean latent of the training segments of `to` minus that of `from`.
        public float[] AttributeVector(Quadrant from, Quadrant to)
        {
            var v = new float[LatentDim];
            Check.Status(Native.emopiano_vae_attribute_vector(v, (UIntPtr)LatentDim, Handle, (int)from, (int)to));
            return v;
        }

        /// Every segment of a MIDI file moved from one quadrant to another
        /// (strength times the attribute vector), written atomically.
        public void Transform(string inPath, string outPath, Quadrant from, Quadrant to, float strength = 1f,
                              VaeOptions options = null)
        {
            var p = Params(options);
            Check.Status(Native.emopiano_vae_transform_file(Handle, Utf8.Encode(inPath), (int)from, (int)to, strength,
                                                            ref p, Utf8.Encode(outPath)));
        }

        /// The attribute's vector: the mean latent of the training segments in its top quartile
        /// minus that of its bottom quartile (UnsupportedException when the file has none).
        public float[] MusicalAttributeVector(VaeAttribute attribute)
        {
            var v = new float[LatentDim];
            Check.Status(Native.emopiano_vae_musical_attribute_vector(v, (UIntPtr)LatentDim, Handle, (int)attribute));
            return v;
        }

        /// Every segment of a MIDI file encoded with `from`, `shift` (e.g. a sum of attribute
        /// vectors) added, decoded with `to`, written atomically.
        public void TransformBy(string inPath, string outPath, Quadrant from, Quadrant to, float[] shift,
                                VaeOptions options = null)
        {
            CheckLatent(shift);
            var p = Params(options);
            Check.Status(Native.emopiano_vae_transform_by_file(Handle, Utf8.Encode(inPath), (int)from, (int)to, shift,
                                                               (UIntPtr)shift.Length, ref p, Utf8.Encode(outPath)));
        }

        void CheckLatent(float[] z)
        {
            if (z == null) throw new ArgumentNullException("z");
            if (z.Length != LatentDim)
                throw new InvalidArgumentException("a latent of this VAE has " + LatentDim + " values, got " + z.Length);
        }

        static EmotionStruct[] EmotionArg(Emotion? emotion)
        {
            return emotion.HasValue ? new[] { emotion.Value.Value } : null;
        }

        static VaeParams Params(VaeOptions o)
        {
            var p = new VaeParams();
            Check.Status(Native.emopiano_vae_params_init(ref p, (uint)Marshal.SizeOf(typeof(VaeParams))));
            if (o == null) return p;
            if (o.Temperature.HasValue) p.Temperature = o.Temperature.Value;
            if (o.TopK.HasValue) p.TopK = o.TopK.Value;
            if (o.TopP.HasValue) p.TopP = o.TopP.Value;
            if (o.Seed.HasValue) p.Seed = o.Seed.Value;
            if (o.Beams.HasValue) p.Beams = o.Beams.Value;
            return p;
        }

        public void Dispose() { Handle.Dispose(); }
    }
}
