// Models, samplers, generated pieces and cancel tokens.
using System;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace Emopiano
{
    public static class Library
    {
        /// Version of the loaded library, e.g. "0.1.0".
        public static string Version { get { return Utf8.Decode(Native.emopiano_version_string()); } }
        /// major * 10000 + minor * 100 + patch.
        public static uint VersionNumber { get { return Native.emopiano_version_number(); } }
        public static uint AbiVersion { get { return Native.emopiano_abi_version(); } }
        public static bool HasModelSupport { get { return Native.emopiano_has_model_support() != 0; } }

        /// The model that ships with emopiano ($EMOPIANO_MODEL first); NotFoundException lists where it looked.
        public static string BundledModelPath()
        {
            IntPtr path;
            Check.Status(Native.emopiano_bundled_model_path(out path));
            try { return Utf8.Decode(path); }
            finally { Native.emopiano_free(path); }
        }
    }

    /// A flag another thread may set to stop a generation. Dispose it only
    /// after the calls it was given to have returned.
    public sealed class CancelToken : IDisposable
    {
        internal readonly CancelTokenHandle Handle;

        public CancelToken() { Check.Status(Native.emopiano_cancel_token_new(out Handle)); }
        public void Cancel() { Check.Status(Native.emopiano_cancel_token_cancel(Handle)); }
        public void Reset() { Check.Status(Native.emopiano_cancel_token_reset(Handle)); }

        public bool IsCancelled
        {
            get { int c; Check.Status(Native.emopiano_cancel_token_is_cancelled(out c, Handle)); return c != 0; }
        }

        public void Dispose() { Handle.Dispose(); }
    }

    public enum WeightStorage { F32 = 0, F16 = 1, BF16 = 2 }

    /// How generation computes each new token: BF16 (packed bf16 weights, sums
    /// in float32, the default) or F32 (the tokens of earlier versions).
    public enum Precision { BF16 = 0, F32 = 1 }

    /// How the bf16 step keeps past keys and values: BF16 (the default) or
    /// INT8 (half the bytes: faster at long positions and with guidance).
    public enum KvCache { BF16 = 0, INT8 = 1 }

    /// A Transformer with its tokenizer. Read-only: share one model between
    /// threads and give each thread its own Sampler.
    public sealed class Model : IDisposable
    {
        internal readonly ModelHandle Handle;

        public Model(string path) { Check.Status(Native.emopiano_model_load(out Handle, Utf8.Encode(path))); }

        /// Loads a model choosing how it generates; KvCache.INT8 needs Precision.BF16.
        public Model(string path, Precision precision, KvCache kvCache)
        {
            Check.Status(Native.emopiano_model_load_with_options(out Handle, Utf8.Encode(path), (int)precision, (int)kvCache));
        }

        public Precision Precision
        {
            get { int p, k; Check.Status(Native.emopiano_model_load_options(out p, out k, Handle)); return (Emopiano.Precision)p; }
        }

        public KvCache KvCache
        {
            get { int p, k; Check.Status(Native.emopiano_model_load_options(out p, out k, Handle)); return (Emopiano.KvCache)k; }
        }

        internal Model(ModelHandle handle) { Handle = handle; }

        public static Model Bundled() { return new Model(Library.BundledModelPath()); }

        /// An untrained model from ModelConfig / TokenizerConfig JSON (null for the defaults).
        public static Model Create(string modelConfigJson, string tokenizerConfigJson, ulong seed)
        {
            ModelHandle handle;
            Check.Status(Native.emopiano_model_create(out handle, Utf8.Encode(modelConfigJson),
                                                      Utf8.Encode(tokenizerConfigJson), seed));
            return new Model(handle);
        }

        /// Written atomically.
        public void Save(string path, WeightStorage storage = WeightStorage.F32)
        {
            Check.Status(Native.emopiano_model_save(Handle, Utf8.Encode(path), (int)storage));
        }

        /// The metadata JSON (training run, dataset, version); "{}" for a fresh model.
        public string MetadataJson
        {
            get
            {
                IntPtr json;
                Check.Status(Native.emopiano_model_metadata_json(out json, Handle));
                try { return Utf8.Decode(json); }
                finally { Native.emopiano_free(json); }
            }
        }

        public long ParameterCount
        {
            get { long n; Check.Status(Native.emopiano_model_parameter_count(out n, Handle)); return n; }
        }

        public Tokenizer Tokenizer()
        {
            TokenizerHandle handle;
            Check.Status(Native.emopiano_model_tokenizer(out handle, Handle));
            return new Tokenizer(handle);
        }

        /// The sampler keeps the network alive: the model may be disposed first.
        public Sampler Sampler() { return new Sampler(this); }

        public void Dispose() { Handle.Dispose(); }
    }

    public struct Progress
    {
        public string Stage, Detail;
        public long Done, Total;
        public double ElapsedSeconds;
    }

    /// Generation settings; null keeps the library's default.
    public sealed class GenerateOptions
    {
        public Quadrant? Quadrant;
        public Emotion? Emotion;
        public Trajectory Trajectory;
        public float? Temperature, TopP;
        /// Classifier-free guidance weight: 1 = the conditional model alone, larger = the
        /// emotion more strongly heard; null = the model's default.
        public float? Guidance;
        /// Guidance weight for the rhythm (when notes come); what is played keeps Guidance.
        /// null = the smaller of the guidance and 2.
        public float? RhythmGuidance;
        /// How far pitch and harmony move away from the emotion with its valence mirrored
        /// (happy/tense, sad/calm), so valence is heard after a change too; 0 = off,
        /// null = the model's default.
        public float? ValenceGuidance;
        /// Hold the music near this many notes per beat by when notes come; 0 or null =
        /// the model's own density (at most 16).
        public float? Density;
        /// Density that follows the emotion: notes per beat for Q1..Q4, which each bar mixes by
        /// its emotion; null = off. Set this or Density, not both.
        public float[] QuadrantDensity;
        /// "A minor", "Eb major", "F#m" for models with key tokens; null = drawn from the emotion.
        public string Key;
        public int? TopK, MaxTokens, MaxBars;
        public bool? StopAtEos, ConstrainGrammar;
        public ulong Seed;
        public byte[] Primer;
        public string PrimerPath;
        /// Every note as soon as it is complete, with the piece index (on the generating thread).
        public Action<Note, int> OnNote;
        /// After every step; return false to stop.
        public Func<Progress, bool> OnProgress;
        public CancelToken Cancel;
    }

    public enum StopReason { Eos = 0, MaxTokens = 1, DeadEnd = 2 }

    public struct GenerationInfo
    {
        public StopReason StopReason;
        public long PromptTokens, GeneratedTokens, Notes;
        public int Bars;
        public ulong Seed;
        public double Seconds, DurationSeconds;
    }

    /// One generated piece. Read-only; independent of its sampler.
    public sealed class Generation : IDisposable
    {
        internal readonly GenerationHandle Handle;

        internal Generation(GenerationHandle handle) { Handle = handle; }

        public GenerationInfo Info
        {
            get
            {
                var i = new GenerationInfoStruct();
                i.StructSize = (uint)Marshal.SizeOf(typeof(GenerationInfoStruct));
                Check.Status(Native.emopiano_generation_info_get(ref i, Handle));
                return new GenerationInfo { StopReason = (StopReason)i.StopReason, PromptTokens = i.PromptTokens,
                                            GeneratedTokens = i.GeneratedTokens, Notes = i.Notes, Bars = i.Bars,
                                            Seed = i.Seed, Seconds = i.Seconds, DurationSeconds = i.DurationSeconds };
            }
        }

        /// The whole sequence: BOS, emotion, primer and generated tokens.
        public int[] Tokens
        {
            get
            {
                IntPtr tokens;
                UIntPtr count;
                Check.Status(Native.emopiano_generation_tokens(out tokens, out count, Handle));
                return Buffers.CopyInts(tokens, count); // borrowed from the piece: copied, not freed
            }
        }

        public Note[] Notes
        {
            get
            {
                IntPtr notes;
                UIntPtr count;
                Check.Status(Native.emopiano_generation_notes(out notes, out count, Handle));
                return Buffers.TakeNotes(notes, count);
            }
        }

        public byte[] MidiBytes()
        {
            IntPtr bytes;
            UIntPtr size;
            Check.Status(Native.emopiano_generation_midi_bytes(out bytes, out size, Handle));
            return Buffers.TakeBytes(bytes, size);
        }

        /// Writes a Standard MIDI File atomically.
        public void WriteMidi(string path) { Check.Status(Native.emopiano_generation_write_midi(Handle, Utf8.Encode(path))); }

        public void Dispose() { Handle.Dispose(); }
    }

    /// Generates pieces from a model; one thread at a time (a second concurrent
    /// call throws InvalidOperationException). Make one sampler per thread.
    public sealed class Sampler : IDisposable
    {
        internal readonly SamplerHandle Handle;
        readonly object busy = new object();
        // The delegates of the call in progress: native code holds bare function
        // pointers to them, so they must not be collected before it returns.
        NoteCallback noteCallback;
        ProgressCallback progressCallback;

        internal Sampler(Model model) { Check.Status(Native.emopiano_sampler_create(out Handle, model.Handle)); }

        public Generation Generate(GenerateOptions options)
        {
            if (!Monitor.TryEnter(busy))
                throw new InvalidOperationException("this Sampler is already generating; use one sampler per thread");
            try { return GenerateLocked(options ?? new GenerateOptions()); }
            finally
            {
                noteCallback = null;
                progressCallback = null;
                Monitor.Exit(busy);
            }
        }

        Generation GenerateLocked(GenerateOptions o)
        {
            var p = new GenerateParams();
            Check.Status(Native.emopiano_generate_params_init(ref p, (uint)Marshal.SizeOf(typeof(GenerateParams))));
            if (o.Temperature.HasValue) p.Temperature = o.Temperature.Value;
            if (o.TopK.HasValue) p.TopK = o.TopK.Value;
            if (o.TopP.HasValue) p.TopP = o.TopP.Value;
            if (o.Guidance.HasValue) p.Guidance = o.Guidance.Value;
            if (o.RhythmGuidance.HasValue) p.RhythmGuidance = o.RhythmGuidance.Value;
            if (o.ValenceGuidance.HasValue) p.ValenceGuidance = o.ValenceGuidance.Value;
            if (o.Density.HasValue) p.Density = o.Density.Value;
            if (o.QuadrantDensity != null) p.QuadrantDensity = Native.FourValues(o.QuadrantDensity, "QuadrantDensity");
            if (o.MaxTokens.HasValue) p.MaxTokens = o.MaxTokens.Value;
            if (o.MaxBars.HasValue) p.MaxBars = o.MaxBars.Value;
            if (o.StopAtEos.HasValue) p.StopAtEos = o.StopAtEos.Value ? 1 : 0;
            if (o.ConstrainGrammar.HasValue) p.ConstrainGrammar = o.ConstrainGrammar.Value ? 1 : 0;
            p.Seed = o.Seed;
            if (o.Quadrant.HasValue) p.Quadrant = (int)o.Quadrant.Value;

            Exception pending = null;
            if (o.OnNote != null)
            {
                noteCallback = (note, piece, user) =>
                {
                    if (pending != null) return;
                    // No exception may unwind into native code: keep it, stop, rethrow later.
                    try { o.OnNote(Note.Read(note), piece); }
                    catch (Exception e) { pending = e; }
                };
                p.OnNote = Marshal.GetFunctionPointerForDelegate(noteCallback);
            }
            if (o.OnNote != null || o.OnProgress != null)
            {
                progressCallback = (report, user) =>
                {
                    if (pending != null) return 0;
                    if (o.OnProgress == null) return 1;
                    try
                    {
                        var r = (ProgressStruct)Marshal.PtrToStructure(report, typeof(ProgressStruct));
                        return o.OnProgress(new Progress { Stage = Utf8.Decode(r.Stage), Detail = Utf8.Decode(r.Detail),
                                                           Done = r.Done, Total = r.Total,
                                                           ElapsedSeconds = r.ElapsedSeconds }) ? 1 : 0;
                    }
                    catch (Exception e) { pending = e; return 0; }
                };
                p.Progress = Marshal.GetFunctionPointerForDelegate(progressCallback);
            }

            IntPtr emotion = IntPtr.Zero, primer = IntPtr.Zero;
            byte[] primerPath = Utf8.Encode(o.PrimerPath);
            GCHandle primerPathPin = default(GCHandle);
            byte[] key = Utf8.Encode(o.Key);
            GCHandle keyPin = default(GCHandle);
            bool trajectoryRef = false, cancelRef = false;
            try
            {
                if (o.Emotion.HasValue)
                {
                    emotion = Marshal.AllocHGlobal(Marshal.SizeOf(typeof(EmotionStruct)));
                    Marshal.StructureToPtr(o.Emotion.Value.Value, emotion, false);
                    p.Emotion = emotion;
                }
                if (o.Primer != null)
                {
                    primer = Marshal.AllocHGlobal(Math.Max(1, o.Primer.Length));
                    Marshal.Copy(o.Primer, 0, primer, o.Primer.Length);
                    p.PrimerData = primer;
                    p.PrimerSize = (UIntPtr)o.Primer.Length;
                }
                if (primerPath != null)
                {
                    primerPathPin = GCHandle.Alloc(primerPath, GCHandleType.Pinned);
                    p.PrimerPath = primerPathPin.AddrOfPinnedObject();
                }
                if (key != null)
                {
                    keyPin = GCHandle.Alloc(key, GCHandleType.Pinned);
                    p.Key = keyPin.AddrOfPinnedObject();
                }
                // Handles referenced from the struct must stay alive for the whole call.
                if (o.Trajectory != null)
                {
                    o.Trajectory.Handle.DangerousAddRef(ref trajectoryRef);
                    p.Trajectory = o.Trajectory.Handle.DangerousGetHandle();
                }
                if (o.Cancel != null)
                {
                    o.Cancel.Handle.DangerousAddRef(ref cancelRef);
                    p.Cancel = o.Cancel.Handle.DangerousGetHandle();
                }
                GenerationHandle piece;
                int status = Native.emopiano_sampler_generate(out piece, Handle, ref p);
                if (pending != null)
                {
                    piece.Dispose();
                    ExceptionDispatchInfo.Capture(pending).Throw();
                }
                Check.Status(status);
                return new Generation(piece);
            }
            finally
            {
                GC.KeepAlive(noteCallback);
                GC.KeepAlive(progressCallback);
                if (emotion != IntPtr.Zero) Marshal.FreeHGlobal(emotion);
                if (primer != IntPtr.Zero) Marshal.FreeHGlobal(primer);
                if (primerPathPin.IsAllocated) primerPathPin.Free();
                if (keyPin.IsAllocated) keyPin.Free();
                if (trajectoryRef) o.Trajectory.Handle.DangerousRelease();
                if (cancelRef) o.Cancel.Handle.DangerousRelease();
            }
        }

        public void Dispose() { Handle.Dispose(); }
    }
}
