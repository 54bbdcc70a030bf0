// Tests of the C# binding against the real library. Exits 0 when every test
// passes, 1 otherwise, naming each failure.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Emopiano;

static class BindingTests
{
    const string TinyModel = "{\"n_layers\": 2, \"d_model\": 64, \"n_heads\": 2, \"d_ff\": 128}";
    static string tempDir;
    static Model model;

    static void Assert(bool condition, string what)
    {
        if (!condition) throw new Exception("assertion failed: " + what);
    }

    static T Throws<T>(Action action, string what) where T : Exception
    {
        try { action(); }
        catch (T e) { return e; }
        catch (Exception e) { throw new Exception(what + ": expected " + typeof(T).Name + ", got " + e.GetType().Name + ": " + e.Message); }
        throw new Exception(what + ": expected " + typeof(T).Name + ", nothing was thrown");
    }

    static GenerateOptions Fast(ulong seed)
    {
        return new GenerateOptions { MaxTokens = 160, MaxBars = 2, Seed = seed };
    }

    /// BOS, one bar with a note on each beat (C D E F), EOS.
    static int[] ScaleTokens(Tokenizer tokenizer)
    {
        string velocity = Enumerable.Range(0, tokenizer.VocabSize).Select(tokenizer.TokenToString)
            .First(n => n.StartsWith("Velocity_") && int.Parse(n.Substring(9)) >= 64);
        var tokens = new List<int> { tokenizer.SpecialId(SpecialToken.Bos), tokenizer.TokenFromString("Bar") };
        int[] pitches = { 60, 62, 64, 65 };
        for (int beat = 0; beat < 4; ++beat)
        {
            tokens.Add(tokenizer.TokenFromString("Position_" + beat * 4));
            tokens.Add(tokenizer.TokenFromString("Pitch_" + pitches[beat]));
            tokens.Add(tokenizer.TokenFromString(velocity));
            tokens.Add(tokenizer.TokenFromString("Duration_4"));
        }
        tokens.Add(tokenizer.SpecialId(SpecialToken.Eos));
        return tokens.ToArray();
    }

    static void VersionMatchesItsNumber()
    {
        var parts = Library.Version.Split('.').Select(uint.Parse).ToArray();
        Assert(Library.VersionNumber == parts[0] * 10000 + parts[1] * 100 + parts[2], "version number");
        Assert(Library.AbiVersion >= 1, "ABI version");
    }

    static void ErrorsMapToExceptions()
    {
        var bad = Throws<InvalidArgumentException>(() => Emotion.Parse("furious"), "bad emotion");
        Assert(bad.Status == Status.InvalidArgument && bad.Message.Contains("furious"), "message: " + bad.Message);
        Throws<InvalidArgumentException>(() => Quadrants.Parse("Q5"), "bad quadrant");
        var missing = Throws<EmopianoException>(() => Midi.ReadNotesFile(Path.Combine(tempDir, "no-such-piece.mid")), "missing file");
        Assert(missing.Status == Status.IO || missing.Status == Status.NotFound, "missing file status " + missing.Status);
        Assert(missing.Message.Contains("no-such-piece.mid"), "missing file message: " + missing.Message);
        Throws<FileIOException>(() => new Model(Path.Combine(tempDir, "absent.pt")), "missing model");
        using (var tokenizer = new Tokenizer())
        {
            byte[] good = tokenizer.Decode(ScaleTokens(tokenizer));
            Midi.Validate(good);
            foreach (var corrupt in new[] { System.Text.Encoding.ASCII.GetBytes("not midi at all"), good.Take(good.Length / 2).ToArray() })
            {
                var e = Throws<DataFormatException>(() => Midi.Validate(corrupt), "corrupt MIDI");
                Assert(e.Message.Length > 0, "corrupt MIDI message");
                Throws<DataFormatException>(() => Midi.ReadNotes(corrupt), "corrupt MIDI notes");
            }
            Throws<NotFoundException>(() => tokenizer.TokenFromString("Pitch_999"), "unknown token");
        }
    }

    static void EmotionsParseAndMix()
    {
        Assert(Quadrants.Parse("sad") == Quadrant.Q3, "sad is Q3");
        Assert(Quadrant.Q4.Mood() == "calm", "Q4 is calm");
        Assert(Emotion.Parse("1,1,0,2").Probabilities.SequenceEqual(new[] { 0.25f, 0.25f, 0f, 0.5f }), "weights");
        Assert(Emotion.Parse("1,1,0,2").Dominant == Quadrant.Q4, "dominant");
        Assert(Emotion.Parse("Q2").ToString() == "Q2", "pure quadrant prints as Q2");
        var half = Emotion.FromQuadrant(Quadrant.Q1).Mix(Emotion.FromQuadrant(Quadrant.Q3), 0.5f);
        Assert(half.ToString() == "0.50,0.00,0.50,0.00", "mix prints " + half);
        float v, a;
        Emotion.Parse("va:0.5,-0.25").ValenceArousal(out v, out a);
        Assert(Math.Abs(v - 0.5) < 1e-5 && Math.Abs(a + 0.25) < 1e-5, "valence/arousal");
        Throws<InvalidArgumentException>(() => Emotion.FromWeights(0, 0, 0, 0), "zero weights");
        using (var trajectory = new Trajectory("Q3@0,Q1@8"))
        {
            Assert(trajectory.Count == 2, "two keyframes");
            Assert(trajectory.At(4).Probabilities.SequenceEqual(new[] { 0.5f, 0f, 0.5f, 0f }), "halfway");
        }
    }

    static void TokenizerRoundTrip()
    {
        using (var tokenizer = new Tokenizer())
        {
            for (int id = 0; id < tokenizer.VocabSize; ++id)
                Assert(tokenizer.TokenFromString(tokenizer.TokenToString(id)) == id, "name of " + id);
            byte[] midi = tokenizer.Decode(ScaleTokens(tokenizer));
            Note[] notes = Midi.ReadNotes(midi);
            Assert(notes.Select(n => n.Pitch).SequenceEqual(new[] { 60, 62, 64, 65 }), "four notes");
            int[] again = tokenizer.Encode(midi, Quadrant.Q3);
            // After BOS: the emotion token, or (models that take the emotion only as their
            // per-position input, like the bundled one) the key.
            Assert(tokenizer.TokenToString(again[1]).StartsWith("Key_") ||
                   again[1] == tokenizer.SpecialId(SpecialToken.EmotionQ3), "emotion token");
            Assert(Midi.ReadNotes(tokenizer.Decode(again)).SequenceEqual(notes), "round trip keeps the notes");
        }
    }

    static void GenerateStreamsNotesAndWritesMidi()
    {
        using (var sampler = model.Sampler())
        {
            var streamed = new List<Note>();
            var options = Fast(5);
            options.Emotion = Emotion.Parse("sad");
            options.OnNote = (note, piece) => { streamed.Add(note); GC.Collect(); };
            using (var piece = sampler.Generate(options))
            using (var tokenizer = model.Tokenizer())
            {
                var info = piece.Info;
                Note[] notes = piece.Notes;
                Assert(info.Notes > 0 && notes.Length == info.Notes, "notes in the piece");
                Assert(streamed.Count == notes.Length, "every note streamed");
                string path = Path.Combine(tempDir, "sad.mid");
                piece.WriteMidi(path);
                // A MIDI file keeps every note's onset, pitch and velocity; a note's end
                // may come earlier where the same key is struck again before it ends.
                Note[] written = Midi.ReadNotesFile(path);
                Assert(written.Length == notes.Length, "written file has every note");
                Assert(written.Zip(notes, (w, n) => w.StartTick == n.StartTick && w.Pitch == n.Pitch &&
                                                    w.Velocity == n.Velocity && w.EndTick <= n.EndTick)
                              .All(match => match), "written file has the notes");
                Assert(Midi.ReadNotes(piece.MidiBytes()).SequenceEqual(written), "MIDI bytes hold what the file holds");
                Assert(tokenizer.TokenToString(piece.Tokens[1]).StartsWith("Key_") ||
                       piece.Tokens[1] == tokenizer.SpecialId(SpecialToken.EmotionQ3), "sad emotion token");

                var same = Fast(5);
                same.Quadrant = Quadrant.Q3;
                using (var again = sampler.Generate(same))
                    Assert(again.Tokens.SequenceEqual(piece.Tokens), "same seed, same piece");
            }
            using (var trajectory = new Trajectory("Q3@0,Q1@2"))
            {
                var o = Fast(1);
                o.Trajectory = trajectory;
                using (var piece = sampler.Generate(o)) Assert(piece.Info.Notes > 0, "trajectory piece");
            }
            var badPrimer = Fast(1);
            badPrimer.Primer = System.Text.Encoding.ASCII.GetBytes("MThd broken");
            Throws<DataFormatException>(() => sampler.Generate(badPrimer), "corrupt primer");

            // Density: four bars at one note a beat, then at six.
            var fourBars = new GenerateOptions { Quadrant = Quadrant.Q2, Seed = 5, MaxTokens = 3000, MaxBars = 4,
                                                 StopAtEos = false, Density = 1f };
            long sparse, dense;
            using (var piece = sampler.Generate(fourBars)) sparse = piece.Info.Notes;
            fourBars.Density = 6f;
            using (var piece = sampler.Generate(fourBars)) dense = piece.Info.Notes;
            Assert(sparse < 4 * 4 * 2, "about 16 notes at 1 a beat: " + sparse);
            Assert(dense > 4 * 4 * 4, "about 96 notes at 6 a beat: " + dense);
            fourBars.Density = null;
            fourBars.QuadrantDensity = new[] { 6f, 1f, 6f, 6f };  // a tense piece at Q2's value
            using (var piece = sampler.Generate(fourBars))
                Assert(piece.Info.Notes < 4 * 4 * 2, "about 16 notes at Q2's 1 a beat: " + piece.Info.Notes);
            fourBars.QuadrantDensity = new[] { 1f, 2f };
            Throws<InvalidArgumentException>(() => sampler.Generate(fourBars), "two values for four quadrants");
            fourBars.QuadrantDensity = null;
            fourBars.Density = 17f;
            var density = Throws<InvalidArgumentException>(() => sampler.Generate(fourBars), "density out of range");
            Assert(density.Message.Contains("density"), "message: " + density.Message);
        }
    }

    static void CancelFromCallbackProgressAndThread()
    {
        using (var sampler = model.Sampler())
        using (var token = new CancelToken())
        {
            var o = new GenerateOptions { MaxTokens = 2000, Cancel = token };
            o.OnNote = (note, piece) => token.Cancel();
            Throws<CancelledException>(() => sampler.Generate(o), "cancel from the note callback");
            Assert(token.IsCancelled, "token set");
            token.Reset();
            Assert(!token.IsCancelled, "token reset");

            int steps = 0;
            var p = new GenerateOptions { MaxTokens = 2000 };
            p.OnProgress = report => { Assert(report.Stage == "generate", "stage"); return ++steps < 3; };
            Throws<CancelledException>(() => sampler.Generate(p), "progress returning false");
            Assert(steps == 3, "three progress reports, got " + steps);

            var started = new ManualResetEventSlim();
            var canceller = new Thread(() => { started.Wait(10000); token.Cancel(); });
            canceller.Start();
            var t = new GenerateOptions { MaxTokens = 100000, StopAtEos = false, Cancel = token };
            t.OnProgress = report => { started.Set(); return true; };
            Throws<CancelledException>(() => sampler.Generate(t), "cancel from another thread");
            canceller.Join();

            var boom = new GenerateOptions { MaxTokens = 2000, StopAtEos = false };
            boom.OnNote = (note, piece) => { throw new ApplicationException("from the callback"); };
            var e = Throws<ApplicationException>(() => sampler.Generate(boom), "exception in a callback");
            Assert(e.Message == "from the callback", "the callback's own exception");
            using (var piece = sampler.Generate(Fast(1))) Assert(piece.Info.Notes > 0, "sampler works after");
        }
    }

    static void DisposeTwiceAndOrder()
    {
        var m = Model.Create(TinyModel, null, 1);
        string path = Path.Combine(tempDir, "tiny.pt");
        m.Save(path);
        var sampler = m.Sampler();
        m.Dispose();
        m.Dispose();
        var piece = sampler.Generate(Fast(1));
        sampler.Dispose();
        sampler.Dispose();
        Assert(piece.Notes.Length > 0, "a piece outlives its sampler");
        piece.Dispose();
        piece.Dispose();
        Throws<ObjectDisposedException>(() => { var unused = piece.Info; }, "use after dispose");
        var token = new CancelToken();
        token.Dispose();
        token.Dispose();
        using (var loaded = new Model(path)) Assert(loaded.ParameterCount > 0, "saved model loads");
    }

    static void LoadOptionsChooseHowTheModelGenerates()
    {
        string path = Path.Combine(tempDir, "options.pt");
        using (var m = Model.Create(TinyModel, null, 3)) m.Save(path);
        int[] reference;
        using (var plain = new Model(path))
        {
            Assert(plain.Precision == Precision.BF16 && plain.KvCache == KvCache.BF16, "defaults");
            using (var sampler = plain.Sampler())
            using (var piece = sampler.Generate(Fast(2))) reference = piece.Tokens;
        }
        Precision[] precisions = { Precision.BF16, Precision.F32, Precision.BF16 };
        KvCache[] caches = { KvCache.BF16, KvCache.BF16, KvCache.INT8 };
        for (int i = 0; i < precisions.Length; ++i)
        {
            Precision precision = precisions[i];
            KvCache kvCache = caches[i];
            using (var loaded = new Model(path, precision, kvCache))
            {
                Assert(loaded.Precision == precision && loaded.KvCache == kvCache, "options kept");
                using (var sampler = loaded.Sampler())
                using (var piece = sampler.Generate(Fast(2)))
                {
                    Assert(piece.Tokens.Length > 2, "a piece");
                    if (precision == Precision.BF16 && kvCache == KvCache.BF16)
                        Assert(piece.Tokens.SequenceEqual(reference), "the defaults are emopiano_model_load's");
                }
            }
        }
        var bad = Throws<InvalidArgumentException>(() => new Model(path, Precision.F32, KvCache.INT8), "int8 with f32");
        Assert(bad.Message.Contains("EMOPIANO_PRECISION_BF16"), "the message says what is needed");
    }

    static Bar[] Play(Model small, ulong seed, int changeAt, bool lookahead = false)
    {
        using (var session = new Session(small, new SessionOptions { Emotion = Emotion.Parse("calm"), Seed = seed, TopP = 1.0f, Lookahead = lookahead }))
        {
            var bars = new Bar[8];
            for (int b = 0; b < bars.Length; ++b)
            {
                if (b == changeAt) session.SetEmotion(Emotion.Parse("sad"));
                bars[b] = session.NextBar();
            }
            return bars;
        }
    }

    static bool SameNotes(Bar[] a, Bar[] b, int count)
    {
        for (int i = 0; i < count; ++i)
            if (!a[i].Notes.SequenceEqual(b[i].Notes)) return false;
        return true;
    }

    /// A live session: the emotion from the next bar on, replays, cancelling
    /// from another thread, the recording.
    static void SessionFollowsTheEmotionReplaysAndCancels()
    {
        using (var small = Model.Create("{\"n_layers\": 2, \"d_model\": 32, \"n_heads\": 2, \"d_ff\": 64, \"context_length\": 64}", null, 4))
        {
            var a = Play(small, 3, 3);
            for (int b = 0; b < a.Length; ++b) Assert(a[b].Index == b, "bar index");
            for (int b = 1; b < a.Length; ++b) Assert(a[b].StartTick == a[b - 1].EndTick, "bars follow one another");
            Assert(a[2].Emotion[3] == 1.0f && a[3].Emotion[2] == 1.0f, "the emotion changes at the next bar");
            Assert(a.Any(b => b.Notes.Length > 0), "some notes");
            Assert(SameNotes(a, Play(small, 3, 3), 8), "a replay gives the same bars");
            Assert(SameNotes(a, Play(small, 3, 3, true), 8), "lookahead writes the same bars");
            var later = Play(small, 3, 4);
            Assert(SameNotes(a, later, 3) && !SameNotes(a, later, 8), "a later change changes only later bars");

            using (var session = new Session(small, new SessionOptions { Seed = 1, Record = true }))
            {
                bool stop = false;
                var canceller = new Thread(() =>
                {
                    Thread.Sleep(50);
                    while (!Volatile.Read(ref stop)) { session.Cancel(); Thread.Sleep(1); }
                });
                canceller.Start();
                bool cancelled = false;
                try
                {
                    for (int i = 0; i < 20000 && !cancelled; ++i)
                    {
                        try { session.NextBar(); }
                        catch (CancelledException) { cancelled = true; }
                    }
                }
                finally
                {
                    Volatile.Write(ref stop, true);
                    canceller.Join();
                }
                Assert(cancelled, "cancelled from another thread");
                Bar bar;
                try { bar = session.NextBar(); }
                catch (CancelledException) { bar = session.NextBar(); }  // a cancel after the first
                Assert(bar.Index >= 0, "usable after a cancel");
                string path = Path.Combine(tempDir, "live.mid");
                session.WriteMidi(path);
                Assert(Midi.ReadNotesFile(path).Length >= bar.Notes.Length, "the recording holds the bars");
                session.Reset();
                Assert(session.NextBar().Index == 0, "reset starts again");
            }
            Throws<InvalidArgumentException>(() => new Session(small, new SessionOptions { Key = "H major" }), "bad key");
            var valence = Throws<InvalidArgumentException>(
                () => new Session(small, new SessionOptions { ValenceGuidance = 25f }), "valence guidance out of range");
            Assert(valence.Message.Contains("valence_guidance"), "message: " + valence.Message);
        }
    }

    /// "struct_size" -> "StructSize": the C# name of a C field.
    static string PascalCase(string snake)
    {
        return string.Concat(snake.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w.Substring(1)));
    }

    /// Every bound struct against capi/abi/layout.def (path in
    /// $EMOPIANO_ABI_LAYOUT): the same size, every C field present at the
    /// same offset, so the binding cannot drift from the header.
    static void StructsHaveTheCLayout()
    {
        if (IntPtr.Size != 8) return;  // ABI v1 layouts are frozen for 64-bit
        var bound = new Dictionary<string, Type>
        {
            { "emopiano_emotion", typeof(EmotionStruct) },
            { "emopiano_note", typeof(NoteStruct) },
            { "emopiano_progress", typeof(ProgressStruct) },
            { "emopiano_encode_params", typeof(EncodeParams) },
            { "emopiano_generate_params", typeof(GenerateParams) },
            { "emopiano_generation_info", typeof(GenerationInfoStruct) },
            { "emopiano_session_params", typeof(SessionParams) },
            { "emopiano_session_bar", typeof(SessionBarStruct) },
            { "emopiano_render_params", typeof(RenderParams) },
            { "emopiano_dataset_params", typeof(DatasetParams) },
            { "emopiano_dataset_item", typeof(DatasetItemStruct) },
            { "emopiano_train_metrics", typeof(TrainMetricsStruct) },
            { "emopiano_trainer_params", typeof(TrainerParams) },
            { "emopiano_train_result", typeof(TrainResultStruct) },
            { "emopiano_emotion_prediction", typeof(EmotionPredictionStruct) },
            { "emopiano_vae_params", typeof(VaeParams) },
            { "emopiano_beat_params", typeof(BeatParams) },
        };
        string path = Environment.GetEnvironmentVariable("EMOPIANO_ABI_LAYOUT");
        Assert(path != null && File.Exists(path), "EMOPIANO_ABI_LAYOUT names capi/abi/layout.def");
        int checkedFields = 0;
        foreach (string line in File.ReadAllLines(path))
        {
            bool isStruct = line.StartsWith("ABI_STRUCT(");
            if (!isStruct && !line.StartsWith("ABI_FIELD(")) continue;
            string[] args = line.Substring(line.IndexOf('(') + 1).TrimEnd(')').Split(',')
                .Select(a => a.Trim()).ToArray();
            Type type;
            if (!bound.TryGetValue(args[0], out type)) continue;
            if (isStruct)
            {
                Assert(Marshal.SizeOf(type) == int.Parse(args[1]),
                       "Marshal.SizeOf(" + type.Name + ") is " + Marshal.SizeOf(type) + ", C says " + args[1]);
                continue;
            }
            // emopiano_emotion's float p[4] is bound as four named floats.
            string field = type == typeof(EmotionStruct) ? "Q1" : PascalCase(args[1]);
            int offset = Marshal.OffsetOf(type, field).ToInt32();
            Assert(offset == int.Parse(args[2]),
                   type.Name + "." + field + " is at " + offset + ", C says " + args[2]);
            ++checkedFields;
        }
        Assert(checkedFields > 100, "layout.def lists the bound structs' fields");
    }

    static readonly int[] Scale = { 60, 62, 64, 65, 67, 69, 71, 72 };
    static readonly int[] Arpeggio = { 57, 60, 64, 69, 64, 60 };

    /// BOS, `bars` bars of eighth notes walking through `pitches` (cycled), EOS.
    static int[] MelodyTokens(Tokenizer tokenizer, int[] pitches, int bars)
    {
        string velocity = Enumerable.Range(0, tokenizer.VocabSize).Select(tokenizer.TokenToString)
            .First(n => n.StartsWith("Velocity_") && int.Parse(n.Substring(9)) >= 64);
        var tokens = new List<int> { tokenizer.SpecialId(SpecialToken.Bos) };
        for (int bar = 0; bar < bars; ++bar)
        {
            tokens.Add(tokenizer.TokenFromString("Bar"));
            for (int eighth = 0; eighth < 8; ++eighth)
            {
                tokens.Add(tokenizer.TokenFromString("Position_" + eighth * 2));
                tokens.Add(tokenizer.TokenFromString("Pitch_" + pitches[(bar * 8 + eighth) % pitches.Length]));
                tokens.Add(tokenizer.TokenFromString(velocity));
                tokens.Add(tokenizer.TokenFromString("Duration_2"));
            }
        }
        tokens.Add(tokenizer.SpecialId(SpecialToken.Eos));
        return tokens.ToArray();
    }

    static byte[] WritePiece(string path, int[] pitches, int bars)
    {
        using (var tokenizer = new Tokenizer())
        {
            byte[] midi = tokenizer.Decode(MelodyTokens(tokenizer, pitches, bars));
            File.WriteAllBytes(path, midi);
            return midi;
        }
    }

    /// Four short melodies and a CSV path,label,split naming them (two to
    /// train on, one to validate, one to test); returns the CSV.
    static string WriteCorpus(string folder)
    {
        Directory.CreateDirectory(folder);
        var csv = new System.Text.StringBuilder();
        foreach (var piece in new[] { Tuple.Create("a", Scale, 6, "Q1,train"), Tuple.Create("b", Arpeggio, 5, "Q3,train"),
                                      Tuple.Create("c", Arpeggio, 3, "Q3,val"), Tuple.Create("d", Scale, 2, "Q4,test") })
        {
            WritePiece(Path.Combine(folder, piece.Item1 + ".mid"), piece.Item2, piece.Item3);
            csv.Append(piece.Item1 + ".mid," + piece.Item4 + "\n");
        }
        string path = Path.Combine(folder, "list.csv");
        File.WriteAllText(path, csv.ToString());
        return path;
    }

    static DatasetOptions NoCache() { return new DatasetOptions { CacheDir = "none", Threads = 1 }; }

    static string TinyTrainConfig(int steps, string checkpointDir)
    {
        return "{\"max_steps\": " + steps + ", \"batch_size\": 2, \"learning_rate\": 3e-3, \"warmup_steps\": 1, " +
               "\"transpose_min\": 0, \"transpose_max\": 0, \"bf16\": \"off\", \"seed\": 5, \"threads\": 1, " +
               "\"checkpoint_dir\": \"" + checkpointDir + "\"}";
    }

    static void DatasetLoadsCountsAndItems()
    {
        string csv = WriteCorpus(Path.Combine(tempDir, "dataset"));
        var stages = new List<string>();
        using (var data = new Dataset(csv, new DatasetOptions { CacheDir = "none", Threads = 1,
                                                                OnProgress = p => { stages.Add(p.Stage); return true; } }))
        {
            Assert(stages.Contains("tokenize"), "tokenize progress");
            Assert(data.Count() == 4 && data.Count(Split.Train) == 2 && data.Count(Split.Validation) == 1 &&
                   data.Count(Split.Test) == 1, "counts per split");
            Assert(data.SkippedCount == 0, "nothing skipped");
            var items = Enumerable.Range(0, 4).Select(i => data.Item(i)).ToArray();
            var c = items.Single(i => i.Name == "c");
            Assert(c.Quadrant == Quadrant.Q3 && c.Split == Split.Validation, "piece c's label and split");
            Assert(c.Path.EndsWith("c.mid"), "piece c's path " + c.Path);
            using (var tokenizer = new Tokenizer())
                Assert(c.Tokens.SequenceEqual(tokenizer.Encode(File.ReadAllBytes(c.Path), Quadrant.Q3)), "piece c's tokens");
            Throws<InvalidArgumentException>(() => data.Item(4), "index out of range");
        }
        string empty = Path.Combine(tempDir, "dataset-empty");
        Directory.CreateDirectory(empty);
        Throws<NotFoundException>(() => new Dataset(empty, NoCache()), "no layout");
        Throws<DataFormatException>(() => new Dataset(csv, new DatasetOptions { CacheDir = "none", TokenizerConfigJson = "{bad" }), "bad tokenizer config");
        using (var token = new CancelToken())
        {
            token.Cancel();
            Throws<CancelledException>(() => new Dataset(csv, new DatasetOptions { CacheDir = "none", Cancel = token }), "cancelled load");
        }
        Throws<TimeoutException>(() => new Dataset(csv, new DatasetOptions { CacheDir = "none", Threads = 1,
                                                                             OnProgress = p => { throw new TimeoutException("from the callback"); } }),
                                 "callback exception");
    }

    static void TrainerTrainsItsOwnCopyCancelsAndResumes()
    {
        string folder = Path.Combine(tempDir, "train");
        using (var data = new Dataset(WriteCorpus(folder), NoCache()))
        // One small layer and a short context: a training step takes milliseconds.
        using (var fresh = Model.Create("{\"n_layers\": 1, \"d_model\": 32, \"n_heads\": 2, \"d_ff\": 64, " +
                                        "\"context_length\": 64, \"max_bars\": 32, \"dropout\": 0}", null, 3))
        {
            var stages = new List<string>();
            var reports = new List<TrainMetrics>();
            TrainResult result;
            using (var trainer = new Trainer(fresh, data, new TrainerOptions {
                       ConfigJson = TinyTrainConfig(4, Path.Combine(folder, "ckpt")),
                       OnProgress = p => { stages.Add(p.Stage); return true; },
                       OnMetrics = reports.Add }))
            {
                TrainMetrics before = trainer.Evaluate();
                Assert(before.ValidationTokens > 0 && !double.IsNaN(before.ValidationLoss), "validation before training");
                result = trainer.Run();
                Assert(result.Steps == 4 && result.TokensSeen > 0 && !result.Bf16, "four steps");
                Assert(result.ValidationLoss < before.ValidationLoss, "the loss went down");
                Assert(trainer.Step == 4 && trainer.TotalSteps == 4, "progress");
                Assert(stages.Contains("train"), "train progress");
                Assert(reports.Count > 0 && reports.Last().Step == 4 && reports.Last().ValidationLoss == result.ValidationLoss,
                       "metrics reports");
                TrainMetrics best = reports.OrderBy(m => m.ValidationLoss).First();
                Assert(result.BestValidationStep == best.Step && result.BestValidationLoss == best.ValidationLoss,
                       "the best validation's step");
                Assert(File.Exists(Path.Combine(folder, "ckpt", "best_model.pt")), "the best model's file");
                using (var trained = trainer.Model())
                {
                    Assert(trained.MetadataJson.Contains("\"training\""), "trained model's metadata");
                    Assert(trained.ParameterCount == fresh.ParameterCount, "same shape");
                    using (var sampler = trained.Sampler())
                    using (sampler.Generate(new GenerateOptions { MaxTokens = 64, MaxBars = 1, Quadrant = Quadrant.Q4 })) { }
                }
            }
            Assert(fresh.MetadataJson == "{}", "the model given is untouched");

            // Cancelled from its callback: a checkpoint, and resume finishes the run.
            string checkpoints = Path.Combine(folder, "ckpt-resume");
            string config = TinyTrainConfig(6, checkpoints);
            int calls = 0;
            long stoppedAt;
            using (var trainer = new Trainer(fresh, data, new TrainerOptions { ConfigJson = config, OnProgress = p => ++calls < 3 }))
            {
                Throws<CancelledException>(() => trainer.Run(), "cancelled run");
                stoppedAt = trainer.Step;
            }
            Assert(stoppedAt > 0 && stoppedAt < 6, "stopped at " + stoppedAt);
            using (var resumed = Trainer.Resume(checkpoints, data, new TrainerOptions { ConfigJson = config }))
            {
                Assert(resumed.Step == stoppedAt, "resumed at the checkpoint");
                Assert(resumed.Run().Steps == 6, "resume finishes the run");
            }

            // A callback's exception comes back out of Run; a bad config is an error.
            using (var trainer = new Trainer(fresh, data, new TrainerOptions {
                       ConfigJson = TinyTrainConfig(2, Path.Combine(folder, "ckpt-throw")),
                       OnMetrics = m => { throw new TimeoutException("from the metrics callback"); } }))
                Throws<TimeoutException>(() => trainer.Run(), "metrics callback exception");
            Throws<InvalidArgumentException>(() => new Trainer(fresh, data, new TrainerOptions { ConfigJson = "{\"batch_size\": 0}" }), "bad config");
            Throws<DataFormatException>(() => new Trainer(fresh, data, new TrainerOptions { ConfigJson = "{not json" }), "malformed config");
        }
    }

    static void ClassifierClassifiesFilesAndBytes()
    {
        Throws<FileIOException>(() => new Classifier(Path.Combine(tempDir, "absent.pt")), "missing classifier");
        string bundled = null;
        try { bundled = Classifier.BundledPath(); } catch (NotFoundException) { }
        if (bundled == null) return;
        string path = Path.Combine(tempDir, "classify.mid");
        byte[] midi = WritePiece(path, Scale, 4);
        using (var classifier = Classifier.Bundled())
        {
            EmotionPrediction fromFile = classifier.ClassifyFile(path), fromBytes = classifier.Classify(midi);
            Assert(fromFile.Quadrant == fromBytes.Quadrant && fromFile.Probabilities.SequenceEqual(fromBytes.Probabilities),
                   "file and bytes agree");
            double[] p = fromFile.Probabilities;
            Assert(Math.Abs(p.Sum() - 1) < 1e-6, "probabilities sum to 1");
            Assert((int)fromFile.Quadrant == Array.IndexOf(p, p.Max()) + 1, "the most probable quadrant");
            Assert(Math.Abs(fromFile.Arousal - (p[0] + p[1])) < 1e-9 && Math.Abs(fromFile.Valence - (p[0] + p[3])) < 1e-9,
                   "arousal and valence");
            Assert(fromFile.Windows >= 1, "windows");
            Throws<DataFormatException>(() => classifier.Classify(System.Text.Encoding.ASCII.GetBytes("not midi")), "not MIDI");
        }
    }

    static void VaeSamplesDecodesEncodesAndTransforms()
    {
        string bundled = null;
        try { bundled = Vae.BundledPath(); } catch (NotFoundException) { }
        if (bundled == null) return;
        using (var vae = Vae.Bundled())
        {
            Assert(vae.LatentDim > 0 && vae.SegmentBars > 0, "latent size and segment bars");
            float[] z = vae.SampleLatent(1f, 3);
            Assert(z.Length == vae.LatentDim && z.SequenceEqual(vae.SampleLatent(1f, 3)) && !z.SequenceEqual(vae.SampleLatent(1f, 4)),
                   "seeded prior draws");
            var greedy = new VaeOptions { Temperature = 0f };
            byte[] midi = vae.Decode(z, Emotion.FromQuadrant(Quadrant.Q4), greedy);
            Midi.Validate(midi);
            Assert(midi.SequenceEqual(vae.Decode(z, Emotion.FromQuadrant(Quadrant.Q4), greedy)), "greedy decoding repeats");
            string segment = Path.Combine(tempDir, "segment.mid");
            vae.DecodeToFile(z, segment, Emotion.FromQuadrant(Quadrant.Q4), greedy);
            Assert(Midi.ReadNotesFile(segment).SequenceEqual(Midi.ReadNotes(midi)), "decoded to a file");
            Throws<InvalidArgumentException>(() => vae.Decode(z.Skip(1).ToArray()), "short latent");
            var beams = new VaeOptions { Temperature = 0f, Beams = 4 };
            byte[] searched = vae.Decode(z, Emotion.FromQuadrant(Quadrant.Q4), beams);
            Midi.Validate(searched);
            Assert(searched.SequenceEqual(vae.Decode(z, Emotion.FromQuadrant(Quadrant.Q4), beams)), "beam search repeats");
            Throws<InvalidArgumentException>(() => vae.Decode(z, null, new VaeOptions { Temperature = 0.8f, Beams = 4 }),
                                             "beams with sampling");

            string a = Path.Combine(tempDir, "vae-a.mid"), b = Path.Combine(tempDir, "vae-b.mid");
            WritePiece(a, Scale, vae.SegmentBars);
            WritePiece(b, Arpeggio, vae.SegmentBars);
            float[] meanA, logVarA, meanB, logVarB;
            vae.Encode(a, Emotion.FromQuadrant(Quadrant.Q1), out meanA, out logVarA);
            vae.Encode(b, Emotion.FromQuadrant(Quadrant.Q1), out meanB, out logVarB);
            Assert(meanA.Length == vae.LatentDim && meanA.Concat(logVarA).All(x => !float.IsNaN(x) && !float.IsInfinity(x)),
                   "a finite posterior");
            Assert(!meanA.SequenceEqual(meanB), "different pieces, different latents");
            float[][] path = Vae.InterpolateLatents(meanA, meanB, 5, false);
            Assert(path.Length == 5, "five steps");
            for (int d = 0; d < vae.LatentDim; ++d)
                Assert(Math.Abs(path[0][d] - meanA[d]) < 1e-5 && Math.Abs(path[4][d] - meanB[d]) < 1e-5 &&
                       Math.Abs(path[2][d] - (meanA[d] + meanB[d]) / 2) < 1e-5, "a straight line from a to b");
            Throws<InvalidArgumentException>(() => Vae.InterpolateLatents(meanA, meanB.Skip(1).ToArray(), 3, true), "sizes differ");
            float[] shift = vae.AttributeVector(Quadrant.Q1, Quadrant.Q3), back = vae.AttributeVector(Quadrant.Q3, Quadrant.Q1);
            for (int d = 0; d < vae.LatentDim; ++d) Assert(Math.Abs(shift[d] + back[d]) < 1e-5, "opposite vectors");
            string sad = Path.Combine(tempDir, "vae-sad.mid");
            vae.Transform(a, sad, Quadrant.Q1, Quadrant.Q3, 1f, greedy);
            Assert(Midi.ReadNotesFile(sad).Length > 0, "a transformed piece");
            float[] dense = vae.MusicalAttributeVector(VaeAttribute.Density), synco = vae.MusicalAttributeVector(VaeAttribute.Syncopation);
            Assert(dense.Length == vae.LatentDim && !dense.SequenceEqual(synco), "one vector per attribute");
            string denser = Path.Combine(tempDir, "vae-denser.mid");
            vae.TransformBy(a, denser, Quadrant.Q1, Quadrant.Q1, dense.Zip(synco, (x, y) => x - y).ToArray(), greedy);
            Assert(Midi.ReadNotesFile(denser).Length > 0, "a piece moved by attribute vectors");
            Throws<InvalidArgumentException>(() => vae.MusicalAttributeVector((VaeAttribute)7), "no such attribute");
        }
    }

    static void AudioRendersAWavOrSaysItCannot()
    {
        string midiPath = Path.Combine(tempDir, "audio.mid"), wav = Path.Combine(tempDir, "audio.wav");
        byte[] midi = WritePiece(midiPath, Scale, 1);
        var options = new RenderOptions { SampleRate = 22050, TailSeconds = 0.25 };
        if (!Audio.Available)
        {
            Throws<UnsupportedException>(() => Audio.RenderWav(midi, wav, options), "no FluidSynth");
            return;
        }
        try { Audio.RenderWav(midi, wav, options); }
        catch (NotFoundException) { return; }  // no SoundFont installed
        byte[] data = File.ReadAllBytes(wav);
        Assert(System.Text.Encoding.ASCII.GetString(data, 0, 4) == "RIFF" && System.Text.Encoding.ASCII.GetString(data, 8, 4) == "WAVE",
               "a RIFF WAVE file");
        Assert(BitConverter.ToUInt16(data, 22) == 2 && BitConverter.ToUInt32(data, 24) == 22050, "stereo at 22050 Hz");
        Assert(data.Length > 22050 * 4 * 2, "two seconds of 16-bit stereo");
        string fromFile = Path.Combine(tempDir, "audio-file.wav");
        Audio.RenderWavFile(midiPath, fromFile, options);
        Assert(File.ReadAllBytes(fromFile).SequenceEqual(data), "file and bytes render the same");
        Throws<InvalidArgumentException>(() => Audio.RenderWav(midi, wav, new RenderOptions { SampleRate = 100 }), "bad sample rate");
        Throws<DataFormatException>(() => Audio.RenderWav(System.Text.Encoding.ASCII.GetBytes("not midi"), wav, options), "not MIDI");
    }

    static byte[] Vlq(int value)
    {
        var bytes = new List<byte> { (byte)(value & 0x7f) };
        for (value >>= 7; value > 0; value >>= 7) bytes.Insert(0, (byte)(0x80 | (value & 0x7f)));
        return bytes.ToArray();
    }

    /// A format-0 file at one nominal tempo (120 BPM, 480 ticks a beat) whose
    /// onsets are 1.618 beats apart: no grid of the nominal beat holds them, as
    /// in a performance transcribed without a click.
    static byte[] PerformanceMidi(int count)
    {
        var track = new List<byte> { 0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20 };  // 500000 us a beat
        int last = 0;
        for (int i = 0; i < count; ++i)
        {
            int start = (int)Math.Round(i * 1.618034 * 480), pitch = 60 + i * 5 % 12;
            track.AddRange(Vlq(start - last));
            track.AddRange(new byte[] { 0x90, (byte)pitch, 80 });
            track.AddRange(Vlq(200));
            track.AddRange(new byte[] { 0x80, (byte)pitch, 0 });
            last = start + 200;
        }
        track.AddRange(new byte[] { 0x00, 0xff, 0x2f, 0x00 });
        var midi = new List<byte>(System.Text.Encoding.ASCII.GetBytes("MThd"));
        midi.AddRange(new byte[] { 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xe0 });
        midi.AddRange(System.Text.Encoding.ASCII.GetBytes("MTrk"));
        int n = track.Count;
        midi.AddRange(new byte[] { (byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n });
        midi.AddRange(track);
        return midi.ToArray();
    }

    /// The numbers of the flat array "key":[...] of a beat map's JSON.
    static double[] JsonNumbers(string json, string key)
    {
        string open = "\"" + key + "\":[";
        int start = json.IndexOf(open, StringComparison.Ordinal);
        Assert(start >= 0, key + " in " + json);
        start += open.Length;
        return json.Substring(start, json.IndexOf(']', start) - start)
            .Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries)
            .Select(number => double.Parse(number, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// The integer "key":N of a beat map's JSON.
    static int JsonInteger(string json, string key)
    {
        string open = "\"" + key + "\":";
        int start = json.IndexOf(open, StringComparison.Ordinal);
        Assert(start >= 0, key + " in " + json);
        return int.Parse(new string(json.Skip(start + open.Length).TakeWhile(char.IsDigit).ToArray()));
    }

    static double Median(double[] values)
    {
        double[] sorted = values.OrderBy(v => v).ToArray();
        return sorted[sorted.Length / 2];
    }

    static void BeatsOfSteadyEighthsAre120Bpm()
    {
        // Four bars of steady eighth notes at 120 BPM: a beat every 0.5 s.
        string path = Path.Combine(tempDir, "eighths.mid");
        byte[] midi = WritePiece(path, Scale, 4);
        var defaults = BeatOptions.Defaults();
        Assert(defaults.Metre == 0 && defaults.MinBpm == 40 && defaults.MaxBpm == 240 && defaults.Tightness == 100 &&
               defaults.PriorBpm > 0 && defaults.PriorOctaves > 0, "the library's defaults");
        BeatTimes times = Beats.TimesFile(path);
        string all = string.Join(", ", times.Beats);
        Assert(times.Beats.Length >= 14 && times.Beats.Length < 18, "about 16 beats: " + all);
        for (int i = 1; i < times.Beats.Length; ++i)
            Assert(Math.Abs(times.Beats[i] - times.Beats[i - 1] - 0.5) < 0.03, "a beat every 0.5 s: " + all);
        Assert(times.Metre == 3 || times.Metre == 4, "metre " + times.Metre);

        string json = Beats.JsonFile(path);
        Assert(Beats.Json(midi) == json, "file and bytes agree");
        double[] beats = JsonNumbers(json, "beats"), bpm = JsonNumbers(json, "bpm"), downbeats = JsonNumbers(json, "downbeats");
        Assert(beats.Length == times.Beats.Length && beats.Zip(times.Beats, (a, b) => Math.Abs(a - b) < 1e-9).All(same => same),
               "the JSON has the array's beats: " + json);
        Assert(JsonInteger(json, "metre") == times.Metre, "the JSON has the array's metre");
        Assert(bpm.Length == beats.Length && Math.Abs(Median(bpm) - 120) < 3, "120 BPM: " + json);
        Assert(downbeats.Length > 0 && downbeats.All(i => i >= 0 && i < beats.Length), "downbeats: " + json);
        Assert(JsonInteger(json, "pickup_beats") < times.Metre, "pickup beats: " + json);

        var waltz = new BeatOptions { Metre = 3 };
        Assert(Beats.TimesFile(path, waltz).Metre == 3 && JsonInteger(Beats.JsonFile(path, waltz), "metre") == 3 &&
               JsonInteger(Beats.Json(midi, new BeatOptions { Metre = 5 }), "metre") == 5, "options reach the tracker");
        string single = Path.Combine(tempDir, "single.mid");
        File.WriteAllBytes(single, PerformanceMidi(1));
        Assert(Beats.TimesFile(single).Beats.Length == 0 && JsonNumbers(Beats.Json(PerformanceMidi(1)), "beats").Length == 0,
               "no beats for a single onset");
    }

    static void RetimeKeepsTheNotesAndWritesTheFile()
    {
        string path = Path.Combine(tempDir, "eighths-retime.mid"), output = Path.Combine(tempDir, "retimed.mid");
        byte[] midi = WritePiece(path, Scale, 4);
        byte[] retimed = Beats.Retime(midi);
        Midi.Validate(retimed);
        Note[] before = Midi.ReadNotes(midi), after = Midi.ReadNotes(retimed);
        Assert(after.Length == before.Length &&
               after.Zip(before, (a, b) => a.Pitch == b.Pitch && Math.Abs(a.StartSeconds - b.StartSeconds) < 0.002).All(same => same),
               "every note sounds where it did");
        Assert(Math.Abs(Median(JsonNumbers(Beats.Json(retimed), "bpm")) - 120) < 3, "the retimed piece is at 120 BPM");
        Beats.RetimeFile(path, output);
        Assert(File.ReadAllBytes(output).SequenceEqual(retimed), "the file holds the retimed bytes");
        Assert(Beats.TimesFile(output).Beats.Length >= 14, "beats of the retimed file");
        var waltz = new BeatOptions { Metre = 3 };
        Beats.RetimeFile(path, output, waltz);
        Assert(File.ReadAllBytes(output).SequenceEqual(Beats.Retime(midi, waltz)) && !File.ReadAllBytes(output).SequenceEqual(retimed),
               "options reach the retimed file");
    }

    static void IsUnalignedTellsAPerformanceFromAScore()
    {
        byte[] score = WritePiece(Path.Combine(tempDir, "score.mid"), Scale, 4);
        Assert(!Beats.IsUnaligned(score), "a score is aligned");
        byte[] performance = PerformanceMidi(24);
        Assert(Beats.IsUnaligned(performance), "a performance at one nominal tempo is unaligned");
        Assert(!Beats.IsUnaligned(Beats.Retime(performance)), "retimed, it is aligned");
    }

    static void BeatErrorsAreExceptionsWithAMessage()
    {
        string path = Path.Combine(tempDir, "eighths-errors.mid");
        byte[] midi = WritePiece(path, Scale, 4);
        byte[] garbage = System.Text.Encoding.ASCII.GetBytes("not midi at all");
        foreach (var call in new Action[] { () => Beats.Json(garbage), () => Beats.Retime(garbage), () => Beats.IsUnaligned(garbage) })
            Assert(Throws<DataFormatException>(call, "garbage bytes").Message.Contains("MThd"), "the format error says why");
        string missing = Path.Combine(tempDir, "no-such-piece.mid"), output = Path.Combine(tempDir, "out.mid");
        foreach (var call in new Action[] { () => Beats.JsonFile(missing), () => Beats.TimesFile(missing), () => Beats.RetimeFile(missing, output) })
            Assert(Throws<FileIOException>(call, "missing file").Message.Contains("no-such-piece.mid"), "the I/O error names the file");
        Throws<FileIOException>(() => Beats.RetimeFile(path, Path.Combine(tempDir, "no-such-folder", "out.mid")), "unwritable output");
        var bad = new[] { Tuple.Create(new BeatOptions { Metre = 99 }, "metre"),
                          Tuple.Create(new BeatOptions { MinBpm = 200, MaxBpm = 100 }, "tempo range"),
                          Tuple.Create(new BeatOptions { Tightness = -1 }, "tightness") };
        foreach (var b in bad)
            foreach (var call in new Action[] { () => Beats.Json(midi, b.Item1), () => Beats.TimesFile(path, b.Item1),
                                                () => Beats.Retime(midi, b.Item1) })
            {
                var e = Throws<InvalidArgumentException>(call, b.Item2);
                Assert(e.Status == Status.InvalidArgument && e.Message.Contains(b.Item2), "message: " + e.Message);
            }
    }

    static int Main()
    {
        tempDir = Path.Combine(Path.GetTempPath(), "emopiano-cs-" + System.Diagnostics.Process.GetCurrentProcess().Id);
        Directory.CreateDirectory(tempDir);
        var tests = new List<KeyValuePair<string, Action>>
        {
            new KeyValuePair<string, Action>("VersionMatchesItsNumber", VersionMatchesItsNumber),
            new KeyValuePair<string, Action>("StructsHaveTheCLayout", StructsHaveTheCLayout),
            new KeyValuePair<string, Action>("ErrorsMapToExceptions", ErrorsMapToExceptions),
            new KeyValuePair<string, Action>("EmotionsParseAndMix", EmotionsParseAndMix),
            new KeyValuePair<string, Action>("TokenizerRoundTrip", TokenizerRoundTrip),
            new KeyValuePair<string, Action>("DatasetLoadsCountsAndItems", DatasetLoadsCountsAndItems),
            new KeyValuePair<string, Action>("AudioRendersAWavOrSaysItCannot", AudioRendersAWavOrSaysItCannot),
            new KeyValuePair<string, Action>("BeatsOfSteadyEighthsAre120Bpm", BeatsOfSteadyEighthsAre120Bpm),
            new KeyValuePair<string, Action>("RetimeKeepsTheNotesAndWritesTheFile", RetimeKeepsTheNotesAndWritesTheFile),
            new KeyValuePair<string, Action>("IsUnalignedTellsAPerformanceFromAScore", IsUnalignedTellsAPerformanceFromAScore),
            new KeyValuePair<string, Action>("BeatErrorsAreExceptionsWithAMessage", BeatErrorsAreExceptionsWithAMessage),
        };
        if (Library.HasModelSupport)
        {
            string bundled = null;
            try { bundled = Library.BundledModelPath(); } catch (NotFoundException) { }
            model = bundled != null ? new Model(bundled) : Model.Create(TinyModel, null, 1);
            tests.Add(new KeyValuePair<string, Action>("GenerateStreamsNotesAndWritesMidi", GenerateStreamsNotesAndWritesMidi));
            tests.Add(new KeyValuePair<string, Action>("CancelFromCallbackProgressAndThread", CancelFromCallbackProgressAndThread));
            tests.Add(new KeyValuePair<string, Action>("DisposeTwiceAndOrder", DisposeTwiceAndOrder));
            tests.Add(new KeyValuePair<string, Action>("LoadOptionsChooseHowTheModelGenerates", LoadOptionsChooseHowTheModelGenerates));
            tests.Add(new KeyValuePair<string, Action>("SessionFollowsTheEmotionReplaysAndCancels", SessionFollowsTheEmotionReplaysAndCancels));
            tests.Add(new KeyValuePair<string, Action>("TrainerTrainsItsOwnCopyCancelsAndResumes", TrainerTrainsItsOwnCopyCancelsAndResumes));
            tests.Add(new KeyValuePair<string, Action>("ClassifierClassifiesFilesAndBytes", ClassifierClassifiesFilesAndBytes));
            tests.Add(new KeyValuePair<string, Action>("VaeSamplesDecodesEncodesAndTransforms", VaeSamplesDecodesEncodesAndTransforms));
        }
        int failed = 0;
        foreach (var test in tests)
        {
            try
            {
                test.Value();
                Console.WriteLine("[ OK ] " + test.Key);
            }
            catch (Exception e)
            {
                ++failed;
                Console.WriteLine("[FAIL] " + test.Key + ": " + e);
            }
        }
        if (model != null) model.Dispose();
        Directory.Delete(tempDir, true);
        Console.WriteLine("{0} of {1} tests passed", tests.Count - failed, tests.Count);
        return failed == 0 ? 0 : 1;
    }
}
