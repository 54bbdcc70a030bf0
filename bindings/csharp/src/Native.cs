// Raw P/Invoke declarations of the C ABI (capi/emopiano.h). Handles are
// SafeHandle types (Handles.cs); strings go in as NUL-terminated UTF-8 bytes
// and come back as IntPtr, decoded by Utf8.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

// The test program checks these structs against the C layouts.
[assembly: InternalsVisibleTo("EmopianoTests")]

namespace Emopiano
{
    [StructLayout(LayoutKind.Sequential)]
    public struct EmotionStruct
    {
        public float Q1, Q2, Q3, Q4;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct NoteStruct
    {
        public int Pitch, Velocity, Channel, Reserved;
        public long StartTick, EndTick;
        public double StartSeconds, EndSeconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct ProgressStruct
    {
        public uint StructSize, Reserved;
        public IntPtr Stage;
        public long Done, Total;
        public double ElapsedSeconds;
        public IntPtr Detail;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct EncodeParams
    {
        public uint StructSize;
        public int Quadrant, ApplySustainPedal, ExcludeDrums;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct GenerateParams
    {
        public uint StructSize;
        public float Temperature;
        public int TopK;
        public float TopP;
        public ulong Seed;
        public int MaxTokens, MaxBars, StopAtEos, ConstrainGrammar, Quadrant, Reserved;
        public IntPtr Emotion, Trajectory, PrimerPath, PrimerData;
        public UIntPtr PrimerSize;
        public IntPtr OnNote, NoteUserData, Progress, ProgressUserData, Cancel;
        public float Guidance;
        public int ReservedGuidance;
        public IntPtr Key;
        public float RhythmGuidance;
        public int ReservedRhythm;
        public float ValenceGuidance;
        public int ReservedValence;
        public float Density;
        public int ReservedDensity;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 4)] public float[] QuadrantDensity;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct GenerationInfoStruct
    {
        public uint StructSize;
        public int StopReason;
        public long PromptTokens, GeneratedTokens, Notes;
        public int Bars, Reserved;
        public ulong Seed;
        public double Seconds, DurationSeconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct SessionParams
    {
        public uint StructSize;
        public float Temperature;
        public int TopK;
        public float TopP;
        public ulong Seed;
        public float Guidance;
        public int ConstrainGrammar;
        public IntPtr Emotion, Key, PrimerPath, PrimerData;
        public UIntPtr PrimerSize;
        public int Record, Reserved;
        public int Lookahead, Reserved1;
        public float RhythmGuidance;
        public int Reserved2;
        public float ValenceGuidance;
        public int Reserved3;
        public float Density;
        public int Reserved4;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 4)] public float[] QuadrantDensity;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct SessionBarStruct
    {
        public uint StructSize;
        public int TicksPerBeat;
        public long Index, StartTick, EndTick;
        public double StartSeconds, EndSeconds, Bpm;
        public EmotionStruct Emotion;
        public int KeyTonic, KeyMajor;
        public long Tokens;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct RenderParams
    {
        public uint StructSize;
        public int SampleRate;
        public double Gain, TailSeconds;
        public int Program, Reserved;
        public IntPtr Soundfont;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct DatasetParams
    {
        public uint StructSize, Reserved0;
        public IntPtr TokenizerConfigJson, CacheDir;
        public int Threads, ApplySustainPedal, ExcludeDrums, Reserved1;
        public double ValidationFraction, TestFraction;
        public IntPtr Progress, ProgressUserData, Cancel;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct DatasetItemStruct
    {
        public uint StructSize;
        public int Quadrant, Split, Reserved;
        public IntPtr Name, Path, Tokens;
        public UIntPtr TokenCount;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct TrainMetricsStruct
    {
        public uint StructSize;
        public int Epoch;
        public long Step;
        public double TrainLoss, ValidationLoss, ValidationPerplexity, ValidationAccuracy;
        public long ValidationTokens;
        public double LearningRate, TokensPerSecond, ElapsedSeconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct TrainerParams
    {
        public uint StructSize, Reserved;
        public IntPtr ConfigJson, Progress, ProgressUserData, OnMetrics, MetricsUserData, Cancel;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct TrainResultStruct
    {
        public uint StructSize;
        public int Bf16;
        public long Steps;
        public double Epochs;
        public long TokensSeen;
        public double TrainSeconds, ValidationLoss, ValidationPerplexity, ValidationAccuracy;
        public long ValidationTokens;
        public double BestValidationLoss;
        public int StoppedByTime, Reserved;
        public long BestValidationStep;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct EmotionPredictionStruct
    {
        public uint StructSize;
        public int Quadrant;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 4)] public double[] Probabilities;
        public double Arousal, Valence;
        public int Windows, Reserved;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct VaeParams
    {
        public uint StructSize;
        public float Temperature;
        public int TopK;
        public float TopP;
        public ulong Seed;
        public int Beams;
        public int Reserved;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct BeatParams
    {
        public uint StructSize;
        public int Metre;
        public double MinBpm, MaxBpm, PriorBpm, PriorOctaves, Tightness;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void NoteCallback(IntPtr note, int piece, IntPtr userData);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void MetricsCallback(IntPtr metrics, IntPtr userData);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int ProgressCallback(IntPtr progress, IntPtr userData);

    internal static class Native
    {
        /// A copy of four values for a fixed array of the C params; other lengths are refused.
        internal static float[] FourValues(float[] values, string name)
        {
            if (values.Length != 4)
                throw new InvalidArgumentException(name + ": " + values.Length + " values; give four, for Q1..Q4");
            return (float[])values.Clone();
        }

        // Resolved by the runtime: libemopiano.so on LD_LIBRARY_PATH, or the
        // dllmap in Emopiano.dll.config (libemopiano.so.1).
        const string Lib = "emopiano";
        const CallingConvention C = CallingConvention.Cdecl;

        [DllImport(Lib, CallingConvention = C)] public static extern IntPtr emopiano_last_error();
        [DllImport(Lib, CallingConvention = C)] public static extern IntPtr emopiano_status_name(int status);
        [DllImport(Lib, CallingConvention = C)] public static extern IntPtr emopiano_version_string();
        [DllImport(Lib, CallingConvention = C)] public static extern uint emopiano_version_number();
        [DllImport(Lib, CallingConvention = C)] public static extern uint emopiano_abi_version();
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_has_model_support();
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_free(IntPtr buffer);

        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_cancel_token_new(out CancelTokenHandle handle);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_cancel_token_cancel(CancelTokenHandle token);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_cancel_token_reset(CancelTokenHandle token);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_cancel_token_is_cancelled(out int cancelled, CancelTokenHandle token);
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_cancel_token_free(IntPtr token);

        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_quadrant_info(IntPtr outName, out IntPtr mood, int quadrant);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_quadrant_parse(out int quadrant, byte[] text);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_emotion_from_quadrant(out EmotionStruct emotion, int quadrant);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_emotion_from_weights(out EmotionStruct emotion, float[] weights);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_emotion_from_valence_arousal(out EmotionStruct emotion, float valence, float arousal);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_emotion_parse(out EmotionStruct emotion, byte[] text);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_emotion_mix(out EmotionStruct emotion, ref EmotionStruct a, ref EmotionStruct b, float t);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_emotion_valence_arousal(out float valence, out float arousal, ref EmotionStruct emotion);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_emotion_dominant(out int quadrant, ref EmotionStruct emotion);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_emotion_to_string(byte[] buffer, UIntPtr size, out UIntPtr needed, ref EmotionStruct emotion);

        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_trajectory_parse(out TrajectoryHandle handle, byte[] text);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_trajectory_keyframe_count(out UIntPtr count, TrajectoryHandle trajectory);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_trajectory_at(out EmotionStruct emotion, TrajectoryHandle trajectory, double bar);
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_trajectory_free(IntPtr trajectory);

        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_midi_validate(byte[] data, UIntPtr size);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_midi_read_notes_file(out IntPtr notes, out UIntPtr count, byte[] path, IntPtr parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_midi_read_notes_bytes(out IntPtr notes, out UIntPtr count, byte[] data, UIntPtr size, IntPtr parameters);

        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_tokenizer_create(out TokenizerHandle handle, byte[] configJson);
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_tokenizer_free(IntPtr tokenizer);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_tokenizer_vocab_size(out int size, TokenizerHandle tokenizer);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_tokenizer_special_id(out int id, TokenizerHandle tokenizer, int which);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_tokenizer_token_to_string(byte[] buffer, UIntPtr size, out UIntPtr needed, TokenizerHandle tokenizer, int id);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_tokenizer_token_from_string(out int id, TokenizerHandle tokenizer, byte[] text);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_encode_params_init(ref EncodeParams parameters, uint structSize);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_tokenizer_encode_bytes(out IntPtr tokens, out UIntPtr count, TokenizerHandle tokenizer, byte[] data, UIntPtr size, ref EncodeParams parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_tokenizer_decode_to_bytes(out IntPtr bytes, out UIntPtr size, TokenizerHandle tokenizer, int[] tokens, UIntPtr count);

        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_model_load(out ModelHandle handle, byte[] path);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_model_load_with_options(out ModelHandle handle, byte[] path, int precision, int kvCache);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_model_load_options(out int precision, out int kvCache, ModelHandle model);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_model_create(out ModelHandle handle, byte[] modelConfigJson, byte[] tokenizerConfigJson, ulong seed);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_model_save(ModelHandle model, byte[] path, int storage);
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_model_free(IntPtr model);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_model_parameter_count(out long count, ModelHandle model);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_model_tokenizer(out TokenizerHandle handle, ModelHandle model);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_bundled_model_path(out IntPtr path);

        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_session_params_init(ref SessionParams parameters, uint structSize);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_session_create(out SessionHandle handle, ModelHandle model, ref SessionParams parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_session_free(IntPtr session);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_session_next_bar(ref SessionBarStruct bar, out IntPtr notes, out UIntPtr count, SessionHandle session);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_session_set_emotion(SessionHandle session, ref EmotionStruct emotion);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_session_cancel(SessionHandle session);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_session_reset(SessionHandle session);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_session_write_midi(SessionHandle session, byte[] path);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_generate_params_init(ref GenerateParams parameters, uint structSize);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_sampler_create(out SamplerHandle handle, ModelHandle model);
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_sampler_free(IntPtr sampler);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_sampler_generate(out GenerationHandle handle, SamplerHandle sampler, ref GenerateParams parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_generation_info_get(ref GenerationInfoStruct info, GenerationHandle piece);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_generation_tokens(out IntPtr tokens, out UIntPtr count, GenerationHandle piece);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_generation_notes(out IntPtr notes, out UIntPtr count, GenerationHandle piece);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_generation_midi_bytes(out IntPtr bytes, out UIntPtr size, GenerationHandle piece);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_generation_write_midi(GenerationHandle piece, byte[] path);
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_generation_free(IntPtr piece);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_model_metadata_json(out IntPtr json, ModelHandle model);

        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_render_params_init(ref RenderParams parameters, uint structSize);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_audio_available();
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_render_wav_file(byte[] midiPath, byte[] wavPath, ref RenderParams parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_render_wav_bytes(byte[] midi, UIntPtr size, byte[] wavPath, ref RenderParams parameters);

        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_dataset_params_init(ref DatasetParams parameters, uint structSize);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_dataset_load(out DatasetHandle handle, byte[] root, ref DatasetParams parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_dataset_free(IntPtr dataset);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_dataset_count(out UIntPtr count, DatasetHandle dataset, int split);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_dataset_skipped_count(out UIntPtr count, DatasetHandle dataset);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_dataset_item_at(ref DatasetItemStruct item, DatasetHandle dataset, UIntPtr index);

        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_trainer_params_init(ref TrainerParams parameters, uint structSize);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_trainer_create(out TrainerHandle handle, ModelHandle model, DatasetHandle dataset, ref TrainerParams parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_trainer_resume(out TrainerHandle handle, byte[] checkpointDir, DatasetHandle dataset, ref TrainerParams parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_trainer_free(IntPtr trainer);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_trainer_run(ref TrainResultStruct result, TrainerHandle trainer);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_trainer_evaluate(ref TrainMetricsStruct metrics, TrainerHandle trainer);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_trainer_progress(out long step, out long totalSteps, TrainerHandle trainer);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_trainer_model(out ModelHandle model, TrainerHandle trainer);

        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_classifier_load(out ClassifierHandle handle, byte[] path);
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_classifier_free(IntPtr classifier);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_bundled_classifier_path(out IntPtr path);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_classifier_classify_file(ref EmotionPredictionStruct prediction, ClassifierHandle classifier, byte[] path);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_classifier_classify_midi(ref EmotionPredictionStruct prediction, ClassifierHandle classifier, byte[] data, UIntPtr size);

        // A null EmotionStruct[] passes NULL (the library's Q1); z and outputs are float arrays.
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_params_init(ref VaeParams parameters, uint structSize);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_load(out VaeHandle handle, byte[] path);
        [DllImport(Lib, CallingConvention = C)] public static extern void emopiano_vae_free(IntPtr vae);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_bundled_vae_path(out IntPtr path);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_info(out int latentDim, out int segmentBars, VaeHandle vae);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_encode_file([Out] float[] mean, [Out] float[] logVariance, UIntPtr dim, VaeHandle vae, byte[] midiPath, EmotionStruct[] emotion);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_sample_latent([Out] float[] z, UIntPtr dim, VaeHandle vae, float temperature, ulong seed);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_decode_midi(out IntPtr bytes, out UIntPtr size, VaeHandle vae, float[] z, UIntPtr dim, EmotionStruct[] emotion, ref VaeParams parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_decode_file(VaeHandle vae, float[] z, UIntPtr dim, EmotionStruct[] emotion, ref VaeParams parameters, byte[] outPath);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_interpolate_latents([Out] float[] result, float[] a, float[] b, UIntPtr dim, int steps, int spherical);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_attribute_vector([Out] float[] result, UIntPtr dim, VaeHandle vae, int fromQuadrant, int toQuadrant);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_transform_file(VaeHandle vae, byte[] inPath, int fromQuadrant, int toQuadrant, float strength, ref VaeParams parameters, byte[] outPath);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_musical_attribute_vector([Out] float[] result, UIntPtr dim, VaeHandle vae, int attribute);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_vae_transform_by_file(VaeHandle vae, byte[] inPath, int fromQuadrant, int toQuadrant, float[] shift, UIntPtr dim, ref VaeParams parameters, byte[] outPath);

        // A null BeatParams[] passes NULL (the library's defaults); a null beats array with capacity 0 asks for the count.
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_beat_params_init(ref BeatParams parameters, uint structSize);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_beats_file_json(out IntPtr json, byte[] midiPath, BeatParams[] parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_beats_bytes_json(out IntPtr json, byte[] data, UIntPtr size, BeatParams[] parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_beats_file([Out] double[] beats, UIntPtr capacity, out UIntPtr count, out int metre, byte[] midiPath, BeatParams[] parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_retime_file(byte[] inPath, byte[] outPath, BeatParams[] parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_retime_bytes(out IntPtr bytes, out UIntPtr size, byte[] data, UIntPtr dataSize, BeatParams[] parameters);
        [DllImport(Lib, CallingConvention = C)] public static extern int emopiano_midi_is_unaligned(out int unaligned, byte[] data, UIntPtr size);
    }

    /// UTF-8 strings pinned for the length of one call, for struct fields
    /// that point at them.
    internal sealed class PinnedStrings : IDisposable
    {
        readonly System.Collections.Generic.List<GCHandle> pins = new System.Collections.Generic.List<GCHandle>();

        /// NULL for null, else the address of the pinned NUL-terminated UTF-8.
        public IntPtr Add(string text)
        {
            byte[] bytes = Utf8.Encode(text);
            if (bytes == null) return IntPtr.Zero;
            GCHandle pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            pins.Add(pin);
            return pin.AddrOfPinnedObject();
        }

        public void Dispose()
        {
            foreach (GCHandle pin in pins) pin.Free();
            pins.Clear();
        }
    }

    internal static class Utf8
    {
        /// NUL-terminated UTF-8 for a C string argument; null stays null.
        public static byte[] Encode(string text)
        {
            if (text == null) return null;
            if (text.IndexOf('\0') >= 0)
                throw new InvalidArgumentException("a string argument contains a NUL character");
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
            Array.Resize(ref bytes, bytes.Length + 1);
            return bytes;
        }

        public static string Decode(IntPtr text)
        {
            if (text == IntPtr.Zero) return "";
            int length = 0;
            while (Marshal.ReadByte(text, length) != 0) ++length;
            byte[] bytes = new byte[length];
            Marshal.Copy(text, bytes, 0, length);
            return System.Text.Encoding.UTF8.GetString(bytes);
        }

        /// The text before the first NUL of a caller buffer the library filled.
        public static string FromBuffer(byte[] buffer)
        {
            int end = Array.IndexOf(buffer, (byte)0);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
        }
    }
}
