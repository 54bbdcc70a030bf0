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

    public sealed class GenerationHandle : EmopianoHandle
    {
        protected override bool ReleaseHandle() { Native.emopiano_generation_free(handle); return true; }
    }
}
