// SafeHandle types: each C handle is released exactly once by its *_free,
// even when Dispose is called twice or the object is only finalized, and a
// handle in use by a P/Invoke call cannot be released under it.
using System;
using System.Runtime.InteropServices;

namespace Emopiano
{
    public abstract class EmopianoHandle : SafeHandle
    {
        protected EmopianoHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
    }

    public sealed class CancelTokenHandle : EmopianoHandle
    {
        protected override bool ReleaseHandle() { Native.emopiano_cancel_token_free(handle); return true; }
    }

    public sealed class TrajectoryHandle : EmopianoHandle
    {
        protected override bool ReleaseHandle() { Native.emopiano_trajectory_free(handle); return true; }
    }

    public sealed class TokenizerHandle : EmopianoHandle
    {
        protected override bool ReleaseHandle() { Native.emopiano_tokenizer_free(handle); return true; }
    }

    public sealed class ModelHandle : EmopianoHandle
    {
        protected override bool ReleaseHandle() { Native.emopiano_model_free(handle); return true; }
    }

    public sealed class SamplerHandle : EmopianoHandle
    {
        protected override bool ReleaseHandle() { Native.emopiano_sampler_free(handle); return true; }
    }

    public sealed class SessionHandle : EmopianoHandle
    {
        protected override bool ReleaseHandle() { Native.emopiano_session_free(handle); return true; }
    }

    public sealed class DatasetHandle : EmopianoHandle
    {
        protected override bool ReleaseHandle() { Native.emopiano_dataset_free(handle); return true; }
    }

    /// A trainer reads its dataset and cancel token until it is freed: it
    /// holds a reference to their handles, released after the trainer's own.
    public sealed class TrainerHandle : EmopianoHandle
    {
        SafeHandle dataset, cancel;

        internal void Hold(SafeHandle datasetHandle, SafeHandle cancelHandle)
        {
            bool added = false;
            datasetHandle.DangerousAddRef(ref added);
            dataset = datasetHandle;
            if (cancelHandle == null) return;
            added = false;
            cancelHandle.DangerousAddRef(ref added);
            cancel = cancelHandle;
        }

        protected override bool ReleaseHandle()
        {
            Native.emopiano_trainer_free(handle);
            if (dataset != null) dataset.DangerousRelease();
            if (cancel != null) cancel.DangerousRelease();
            return true;
        }
    }

    public sealed class ClassifierHandle : EmopianoHandle
    {
        protected override bool ReleaseHandle() { Native.emopiano_classifier_free(handle); return true; }
    }

    public sealed class VaeHandle : EmopianoHandle
    {
        protected override bool ReleaseHandle() { Native.emopiano_vae_free(handle); return true; }
    }

    public sealed class GenerationHandle : EmopianoHandle
    {
        protected override bool ReleaseHandle() { Native.emopiano_generation_free(handle); return true; }
    }
}
