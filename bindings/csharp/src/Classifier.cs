// The emotion classifier: which EMOPIA quadrant a piece sounds like.
using System;
using System.Runtime.InteropServices;

namespace Emopiano
{
    public struct EmotionPrediction
    {
        /// The most probable quadrant.
        public Quadrant Quadrant;
        /// Q1..Q4, summing to 1.
        public double[] Probabilities;
        /// P(Q1) + P(Q2); P(Q1) + P(Q4).
        public double Arousal, Valence;
        /// Windows of the piece that were averaged.
        public int Windows;
    }

    /// A loaded emotion classifier. Read-only: share one between threads.
    public sealed class Classifier : IDisposable
    {
        internal readonly ClassifierHandle Handle;

        public Classifier(string path) { Check.Status(Native.emopiano_classifier_load(out Handle, Utf8.Encode(path))); }

        /// The classifier that ships with emopiano ($EMOPIANO_CLASSIFIER first).
        public static string BundledPath()
        {
            IntPtr path;
            Check.Status(Native.emopiano_bundled_classifier_path(out path));
            try { return Utf8.Decode(path); }
            finally { Native.emopiano_free(path); }
        }

        public static Classifier Bundled() { return new Classifier(BundledPath()); }

        /// The emotion of MIDI bytes.
        public EmotionPrediction Classify(byte[] midi)
        {
            if (midi == null) throw new ArgumentNullException("midi");
            var p = NewPrediction();
            Check.Status(Native.emopiano_classifier_classify_midi(ref p, Handle, midi, (UIntPtr)midi.Length));
            return From(p);
        }

        /// The emotion of a MIDI file.
        public EmotionPrediction ClassifyFile(string path)
        {
            var p = NewPrediction();
            Check.Status(Native.emopiano_classifier_classify_file(ref p, Handle, Utf8.Encode(path)));
            return From(p);
        }

        static EmotionPredictionStruct NewPrediction()
        {
            return new EmotionPredictionStruct
            {
                StructSize = (uint)Marshal.SizeOf(typeof(EmotionPredictionStruct)),
                Probabilities = new double[4],
            };
        }

        static EmotionPrediction From(EmotionPredictionStruct p)
        {
            return new EmotionPrediction { Quadrant = (Quadrant)p.Quadrant, Probabilities = p.Probabilities,
                                           Arousal = p.Arousal, Valence = p.Valence, Windows = p.Windows };
        }

        public void Dispose() { Handle.Dispose(); }
    }
}
