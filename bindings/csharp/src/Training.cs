// Datasets of labelled MIDI and training a generator on them.
using System;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Emopiano
{
    public enum Split { All = -1, Train = 0, Validation = 1, Test = 2 }

    /// One piece of a dataset, copied out of it.
    public struct DatasetItem
    {
        /// File name without extension, unique in the dataset.
        public string Name, Path;
        public Quadrant Quadrant;
        public Split Split;
        /// BOS, emotion, piece, EOS.
        public int[] Tokens;
    }

    /// Dataset loading settings; null keeps the library's default.
    public sealed class DatasetOptions
    {
        /// TokenizerConfig JSON (default: the default tokenizer).
        public string TokenizerConfigJson;
        /// Token cache folder (default ~/.cache/emopiano); "none" for no cache.
        public string CacheDir;
        /// 0 for all cores.
        public int Threads;
        public bool ApplySustainPedal;
        /// Default true.
        public bool? ExcludeDrums;
        /// For layouts without a split (default 0.1 each).
        public double? ValidationFraction, TestFraction;
        /// Told of stage "tokenize"; return false to stop.
        public Func<Progress, bool> OnProgress;
        public CancelToken Cancel;
    }

    /// Runs Progress and metrics callbacks for native code: no exception
    /// unwinds into it; the first one stops the work at its next progress
    /// report and is rethrown once the native call has returned.
    internal sealed class CallbackRelay
    {
        readonly Func<Progress, bool> onProgress;
        readonly Action<TrainMetrics> onMetrics;
        Exception pending;
        // Native code holds bare function pointers to these: they live as long as the relay.
        internal readonly ProgressCallback Progress;
        internal readonly MetricsCallback Metrics;

        internal CallbackRelay(Func<Progress, bool> onProgress, Action<TrainMetrics> onMetrics)
        {
            this.onProgress = onProgress;
            this.onMetrics = onMetrics;
            Progress = OnProgress;
            Metrics = OnMetrics;
        }

        int OnProgress(IntPtr report, IntPtr user)
        {
            if (pending != null) return 0;
            if (onProgress == null) return 1;
            try
            {
                var r = (ProgressStruct)Marshal.PtrToStructure(report, typeof(ProgressStruct));
                return onProgress(new Progress { Stage = Utf8.Decode(r.Stage), Detail = Utf8.Decode(r.Detail),
                                                 Done = r.Done, Total = r.Total,
                                                 ElapsedSeconds = r.ElapsedSeconds }) ? 1 : 0;
            }
            catch (Exception e) { pending = e; return 0; }
        }

        void OnMetrics(IntPtr metrics, IntPtr user)
        {
            if (pending != null || onMetrics == null) return;
            try { onMetrics(TrainMetrics.From((TrainMetricsStruct)Marshal.PtrToStructure(metrics, typeof(TrainMetricsStruct)))); }
            catch (Exception e) { pending = e; }
        }

        /// Check.Status, but a callback's exception comes first (it caused the CANCELLED).
        internal void Finish(int status)
        {
            if (pending != null)
            {
                Exception e = pending;
                pending = null;
                ExceptionDispatchInfo.Capture(e).Throw();
            }
            Check.Status(status);
        }
    }

    /// A labelled MIDI collection (EMOPIA, Q1..Q4 folders, or a CSV of
    /// path,label[,split]), read and tokenized. Read-only: share it between threads.
    public sealed class Dataset : IDisposable
    {
        internal readonly DatasetHandle Handle;

        /// Scans, reads and tokenizes. Unreadable files are skipped and counted.
        public Dataset(string root, DatasetOptions options = null)
        {
            var o = options ?? new DatasetOptions();
            var p = new DatasetParams();
            Check.Status(Native.emopiano_dataset_params_init(ref p, (uint)Marshal.SizeOf(typeof(DatasetParams))));
            p.Threads = o.Threads;
            p.ApplySustainPedal = o.ApplySustainPedal ? 1 : 0;
            if (o.ExcludeDrums.HasValue) p.ExcludeDrums = o.ExcludeDrums.Value ? 1 : 0;
            if (o.ValidationFraction.HasValue) p.ValidationFraction = o.ValidationFraction.Value;
            if (o.TestFraction.HasValue) p.TestFraction = o.TestFraction.Value;
            var relay = new CallbackRelay(o.OnProgress, null);
            if (o.OnProgress != null) p.Progress = Marshal.GetFunctionPointerForDelegate(relay.Progress);
            bool cancelRef = false;
            using (var pins = new PinnedStrings())
            {
                try
                {
                    p.TokenizerConfigJson = pins.Add(o.TokenizerConfigJson);
                    p.CacheDir = pins.Add(o.CacheDir);
                    if (o.Cancel != null)
                    {
                        o.Cancel.Handle.DangerousAddRef(ref cancelRef);
                        p.Cancel = o.Cancel.Handle.DangerousGetHandle();
                    }
                    int status = Native.emopiano_dataset_load(out Handle, Utf8.Encode(root), ref p);
                    relay.Finish(status);
                }
                finally
                {
                    GC.KeepAlive(relay);
                    if (cancelRef) o.Cancel.Handle.DangerousRelease();
                }
            }
        }

        /// Pieces in one split, or in all of them.
        public long Count(Split split = Split.All)
        {
            UIntPtr n;
            Check.Status(Native.emopiano_dataset_count(out n, Handle, (int)split));
            return (long)n;
        }

        /// Files that could not be read or had no label.
        public long SkippedCount
        {
            get { UIntPtr n; Check.Status(Native.emopiano_dataset_skipped_count(out n, Handle)); return (long)n; }
        }

        /// The piece at index (in dataset order), copied.
        public DatasetItem Item(long index)
        {
            if (index < 0) throw new ArgumentOutOfRangeException("index");
            var item = new DatasetItemStruct { StructSize = (uint)Marshal.SizeOf(typeof(DatasetItemStruct)) };
            bool added = false;
            Handle.DangerousAddRef(ref added);  // the item's pointers borrow from the dataset
            try
            {
                Check.Status(Native.emopiano_dataset_item_at(ref item, Handle, (UIntPtr)index));
                return new DatasetItem { Name = Utf8.Decode(item.Name), Path = Utf8.Decode(item.Path),
                                         Quadrant = (Quadrant)item.Quadrant, Split = (Split)item.Split,
                                         Tokens = Buffers.CopyInts(item.Tokens, item.TokenCount) };
            }
            finally { if (added) Handle.DangerousRelease(); }
        }

        public void Dispose() { Handle.Dispose(); }
    }

    /// Reported after every validation.
    public struct TrainMetrics
    {
        /// Epochs completed.
        public int Epoch;
        public long Step;
        /// Mean since the previous report; validation loss in nats per token.
        public double TrainLoss, ValidationLoss, ValidationPerplexity, ValidationAccuracy;
        public long ValidationTokens;
        public double LearningRate, TokensPerSecond, ElapsedSeconds;

        internal static TrainMetrics From(TrainMetricsStruct m)
        {
            return new TrainMetrics { Epoch = m.Epoch, Step = m.Step, TrainLoss = m.TrainLoss,
                                      ValidationLoss = m.ValidationLoss, ValidationPerplexity = m.ValidationPerplexity,
                                      ValidationAccuracy = m.ValidationAccuracy, ValidationTokens = m.ValidationTokens,
                                      LearningRate = m.LearningRate, TokensPerSecond = m.TokensPerSecond,
                                      ElapsedSeconds = m.ElapsedSeconds };
        }
    }

    /// What a training run did.
    public struct TrainResult
    {
        /// Optimizer steps in total, resumed ones included.
        public long Steps;
        public double Epochs;
        public long TokensSeen;
        public double TrainSeconds, ValidationLoss, ValidationPerplexity, ValidationAccuracy;
        public long ValidationTokens;
        public double BestValidationLoss;
        /// The step of the best validation; its weights are best_model.pt in the checkpoint directory.
        public long BestValidationStep;
        public bool Bf16, StoppedByTime;
    }

    /// Trainer settings and callbacks.
    public sealed class TrainerOptions
    {
        /// TrainerConfig JSON (max_steps, epochs, batch_size, learning_rate, seed,
        /// checkpoint_dir, ...); null for the defaults.
        public string ConfigJson;
        /// Told of stages "train" and "validate"; return false to stop (the run
        /// then checkpoints and throws CancelledException).
        public Func<Progress, bool> OnProgress;
        /// After every validation.
        public Action<TrainMetrics> OnMetrics;
        public CancelToken Cancel;
    }

    /// Trains a generator on a dataset (AdamW, warm-up and cosine decay, atomic
    /// checkpoints, exact resume); one thread at a time. It trains its own copy
    /// of the weights: the Model it was made from never changes, so samplers may
    /// go on using it, and Model() hands out the trained weights. The trainer
    /// keeps its dataset's and cancel token's handles alive.
    public sealed class Trainer : IDisposable
    {
        internal readonly TrainerHandle Handle;
        readonly CallbackRelay relay;

        /// A trainer of a copy of the model's weights (the model may be disposed at once).
        public Trainer(Model model, Dataset dataset, TrainerOptions options = null)
            : this(model, null, dataset, options) { }

        /// Continues a run from its checkpoint directory.
        public static Trainer Resume(string checkpointDir, Dataset dataset, TrainerOptions options = null)
        {
            if (checkpointDir == null) throw new ArgumentNullException("checkpointDir");
            return new Trainer(null, checkpointDir, dataset, options);
        }

        Trainer(Model model, string checkpointDir, Dataset dataset, TrainerOptions options)
        {
            if (dataset == null) throw new ArgumentNullException("dataset");
            var o = options ?? new TrainerOptions();
            var p = new TrainerParams();
            Check.Status(Native.emopiano_trainer_params_init(ref p, (uint)Marshal.SizeOf(typeof(TrainerParams))));
            relay = new CallbackRelay(o.OnProgress, o.OnMetrics);
            // Progress goes to native code whenever a callback exists, so an exception in either stops the run.
            if (o.OnProgress != null || o.OnMetrics != null) p.Progress = Marshal.GetFunctionPointerForDelegate(relay.Progress);
            if (o.OnMetrics != null) p.OnMetrics = Marshal.GetFunctionPointerForDelegate(relay.Metrics);
            if (o.Cancel != null) p.Cancel = o.Cancel.Handle.DangerousGetHandle();
            using (var pins = new PinnedStrings())
            {
                p.ConfigJson = pins.Add(o.ConfigJson);
                int status = model != null
                    ? Native.emopiano_trainer_create(out Handle, model.Handle, dataset.Handle, ref p)
                    : Native.emopiano_trainer_resume(out Handle, Utf8.Encode(checkpointDir), dataset.Handle, ref p);
                Check.Status(status);
            }
            Handle.Hold(dataset.Handle, o.Cancel != null ? o.Cancel.Handle : null);
            GC.KeepAlive(o.Cancel);
        }

        /// Trains to the planned steps or time budget.
        public TrainResult Run()
        {
            var r = new TrainResultStruct { StructSize = (uint)Marshal.SizeOf(typeof(TrainResultStruct)) };
            relay.Finish(Native.emopiano_trainer_run(ref r, Handle));
            return new TrainResult { Steps = r.Steps, Epochs = r.Epochs, TokensSeen = r.TokensSeen,
                                     TrainSeconds = r.TrainSeconds, ValidationLoss = r.ValidationLoss,
                                     ValidationPerplexity = r.ValidationPerplexity,
                                     ValidationAccuracy = r.ValidationAccuracy, ValidationTokens = r.ValidationTokens,
                                     BestValidationLoss = r.BestValidationLoss,
                                     BestValidationStep = r.BestValidationStep, Bf16 = r.Bf16 != 0,
                                     StoppedByTime = r.StoppedByTime != 0 };
        }

        /// Validation metrics of the current weights.
        public TrainMetrics Evaluate()
        {
            var m = new TrainMetricsStruct { StructSize = (uint)Marshal.SizeOf(typeof(TrainMetricsStruct)) };
            relay.Finish(Native.emopiano_trainer_evaluate(ref m, Handle));
            return TrainMetrics.From(m);
        }

        /// Steps taken so far.
        public long Step { get { long s, t; Check.Status(Native.emopiano_trainer_progress(out s, out t, Handle)); return s; } }
        /// Steps planned in all.
        public long TotalSteps { get { long s, t; Check.Status(Native.emopiano_trainer_progress(out s, out t, Handle)); return t; } }

        /// A new Model with a copy of the weights trained so far.
        public Model Model()
        {
            ModelHandle handle;
            Check.Status(Native.emopiano_trainer_model(out handle, Handle));
            return new Model(handle);
        }

        public void Dispose() { Handle.Dispose(); }
    }
}
