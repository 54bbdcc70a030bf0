// Emotions: EMOPIA quadrants, mixes of them, and trajectories over bars.
using System;

namespace Emopiano
{
    public enum Quadrant
    {
        Q1 = 1, // happy: high valence, high arousal
        Q2 = 2, // tense: low valence, high arousal
        Q3 = 3, // sad: low valence, low arousal
        Q4 = 4, // calm: high valence, low arousal
    }

    public static class Quadrants
    {
        /// "Q1".."Q4", "1".."4" or a mood word, any case.
        public static Quadrant Parse(string text)
        {
            int q;
            Check.Status(Native.emopiano_quadrant_parse(out q, Utf8.Encode(text)));
            return (Quadrant)q;
        }

        /// "happy", "tense", "sad" or "calm".
        public static string Mood(this Quadrant quadrant)
        {
            IntPtr mood;
            Check.Status(Native.emopiano_quadrant_info(IntPtr.Zero, out mood, (int)quadrant));
            return Utf8.Decode(mood);
        }
    }

    /// A probability vector over Q1..Q4 (a plain value).
    public struct Emotion
    {
        internal EmotionStruct Value;

        internal Emotion(EmotionStruct value) { Value = value; }

        /// "Q2", "sad", "0.1,0.6,0.2,0.1" or "va:0.7,-0.3".
        public static Emotion Parse(string text)
        {
            EmotionStruct e;
            Check.Status(Native.emopiano_emotion_parse(out e, Utf8.Encode(text)));
            return new Emotion(e);
        }

        public static Emotion FromQuadrant(Quadrant quadrant)
        {
            EmotionStruct e;
            Check.Status(Native.emopiano_emotion_from_quadrant(out e, (int)quadrant));
            return new Emotion(e);
        }

        public static Emotion FromWeights(float q1, float q2, float q3, float q4)
        {
            EmotionStruct e;
            Check.Status(Native.emopiano_emotion_from_weights(out e, new[] { q1, q2, q3, q4 }));
            return new Emotion(e);
        }

        public static Emotion FromValenceArousal(float valence, float arousal)
        {
            EmotionStruct e;
            Check.Status(Native.emopiano_emotion_from_valence_arousal(out e, valence, arousal));
            return new Emotion(e);
        }

        /// (1 - t) * this + t * other, t clamped to [0, 1].
        public Emotion Mix(Emotion other, float t)
        {
            EmotionStruct e;
            Check.Status(Native.emopiano_emotion_mix(out e, ref Value, ref other.Value, t));
            return new Emotion(e);
        }

        /// { p(Q1), p(Q2), p(Q3), p(Q4) }.
        public float[] Probabilities { get { return new[] { Value.Q1, Value.Q2, Value.Q3, Value.Q4 }; } }

        public Quadrant Dominant
        {
            get
            {
                int q;
                Check.Status(Native.emopiano_emotion_dominant(out q, ref Value));
                return (Quadrant)q;
            }
        }

        public void ValenceArousal(out float valence, out float arousal)
        {
            Check.Status(Native.emopiano_emotion_valence_arousal(out valence, out arousal, ref Value));
        }

        /// "Q1" for a pure quadrant, else "0.10,0.60,0.20,0.10".
        public override string ToString()
        {
            byte[] buffer = new byte[64];
            UIntPtr needed;
            int status = Native.emopiano_emotion_to_string(buffer, (UIntPtr)buffer.Length, out needed, ref Value);
            if (status == (int)Status.BufferTooSmall)
            {
                buffer = new byte[(int)needed];
                status = Native.emopiano_emotion_to_string(buffer, (UIntPtr)buffer.Length, out needed, ref Value);
            }
            Check.Status(status);
            return Utf8.FromBuffer(buffer);
        }
    }

    /// An emotion changing over a piece: keyframes at bars, linearly interpolated.
    public sealed class Trajectory : IDisposable
    {
        internal readonly TrajectoryHandle Handle;

        /// Parses "Q3@0,Q3@8,Q1@16" (emotion@bar, comma separated).
        public Trajectory(string text)
        {
            Check.Status(Native.emopiano_trajectory_parse(out Handle, Utf8.Encode(text)));
        }

        public int Count
        {
            get
            {
                UIntPtr count;
                Check.Status(Native.emopiano_trajectory_keyframe_count(out count, Handle));
                return (int)count;
            }
        }

        public Emotion At(double bar)
        {
            EmotionStruct e;
            Check.Status(Native.emopiano_trajectory_at(out e, Handle, bar));
            return new Emotion(e);
        }

        public void Dispose() { Handle.Dispose(); }
    }
}
