"""Generation through the Python binding: models, streaming, cancellation, lifetimes."""
import gc
import threading
import unittest

from support import TINY_MODEL, emopiano, model_path, temp_dir, tiny_model

FAST = {"max_tokens": 160, "max_bars": 2}


@unittest.skipUnless(emopiano.has_model_support, "libemopiano built without model support")
class GenerateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        bundled = model_path()
        cls.model = emopiano.Model(bundled) if bundled else tiny_model()

    @classmethod
    def tearDownClass(cls):
        cls.model.close()

    def test_model_create_save_load(self):
        path = temp_dir(self) / "tiny.pt"
        with tiny_model(seed=3) as model:
            model.save(path)
            self.assertEqual(model.config["d_model"], TINY_MODEL["d_model"])
            count = model.parameter_count
        with emopiano.Model(path) as loaded:
            self.assertEqual(loaded.parameter_count, count)
            with loaded.tokenizer() as tokenizer:
                self.assertEqual(tokenizer.vocab_size, loaded.vocab_size)

    def test_load_options_choose_how_the_model_generates(self):
        path = temp_dir(self) / "tiny.pt"
        with tiny_model(seed=3) as model:
            model.save(path)
        pieces = {}
        for precision, kv_cache in [(emopiano.Precision.BF16, emopiano.KvCache.BF16),
                                    (emopiano.Precision.F32, emopiano.KvCache.BF16),
                                    (emopiano.Precision.BF16, emopiano.KvCache.INT8)]:
            with emopiano.Model(path, precision=precision, kv_cache=kv_cache) as loaded:
                self.assertEqual((loaded.precision, loaded.kv_cache), (precision, kv_cache))
                with loaded.sampler() as sampler, sampler.generate("calm", seed=2, **FAST) as piece:
                    pieces[precision, kv_cache] = piece.tokens
        with emopiano.Model(path) as plain:
            self.assertEqual((plain.precision, plain.kv_cache), (emopiano.Precision.BF16, emopiano.KvCache.BF16))
            with plain.sampler() as sampler, sampler.generate("calm", seed=2, **FAST) as piece:
                self.assertEqual(piece.tokens, pieces[emopiano.Precision.BF16, emopiano.KvCache.BF16])
        self.assertTrue(all(len(tokens) > 2 for tokens in pieces.values()))
        with self.assertRaises(emopiano.InvalidArgumentError) as caught:
            emopiano.Model(path, precision=emopiano.Precision.F32, kv_cache=emopiano.KvCache.INT8)
        self.assertIn("EMOPIANO_PRECISION_BF16", str(caught.exception))
        with self.assertRaises(emopiano.InvalidArgumentError):
            emopiano.Model(path, kv_cache=7)
        with emopiano.Model(path, precision="f32") as by_name:
            self.assertEqual(by_name.precision, emopiano.Precision.F32)
        with self.assertRaises(emopiano.InvalidArgumentError) as caught:
            emopiano.Model(path, kv_cache="int4")
        self.assertIn("int4", str(caught.exception))

    def test_missing_model_file(self):
        with self.assertRaises(emopiano.EmopianoError) as caught:
            emopiano.Model(temp_dir(self) / "absent.pt")
        self.assertEqual(caught.exception.status, -3)
        self.assertIn("absent.pt", str(caught.exception))

    def test_generate_writes_a_midi_file_with_the_streamed_notes(self):
        streamed = []
        with self.model.sampler() as sampler:
            with sampler.generate("sad", seed=5, on_note=lambda note, piece: streamed.append(note),
                                  **FAST) as piece:
                info = piece.info
                notes = piece.notes
                path = temp_dir(self) / "sad.mid"
                piece.write_midi(path)
                tokens = piece.tokens
        self.assertGreater(info.notes, 0)
        self.assertEqual(len(notes), info.notes)
        # A streamed note's end in seconds assumes no later tempo change (the
        # decoded piece has the whole tempo map): compare everything else.
        key = lambda n: (n.start_tick, n.pitch, n.end_tick, n.velocity, round(n.start_seconds, 9))
        self.assertEqual(sorted(map(key, streamed)), sorted(map(key, notes)))
        # A MIDI file keeps every note's onset, pitch and velocity; a note's end
        # may come earlier where the same key is struck again before it ends.
        onsets = lambda ns: [(n.start_tick, n.pitch, n.velocity) for n in ns]
        written = emopiano.read_notes(path)
        self.assertEqual(onsets(written), onsets(notes))
        for w, n in zip(written, notes):
            self.assertLessEqual(w.end_tick, n.end_tick)
        with self.model.tokenizer() as tokenizer:
            # After BOS: the emotion token, or (models that take the emotion only as
            # their per-position input, like the bundled one) the key.
            second = tokenizer.token_to_string(tokens[1])
            if not second.startswith("Key_"):
                self.assertEqual(tokens[1], tokenizer.special_id(emopiano.SpecialToken.EMOTION_Q3))

    def test_same_seed_same_piece(self):
        with self.model.sampler() as sampler:
            with sampler.generate("Q2", seed=9, **FAST) as a, \
                    sampler.generate(emopiano.Quadrant.Q2, seed=9, **FAST) as b, \
                    sampler.generate("Q2", seed=10, **FAST) as c:
                self.assertEqual(a.tokens, b.tokens)
                self.assertEqual(a.midi_bytes(), b.midi_bytes())
                self.assertNotEqual(a.tokens, c.tokens)

    def test_valence_guidance_is_passed_through(self):
        with self.model.sampler() as sampler:
            # It engages once the valence has changed: tense for a bar, then calm.
            options = {"seed": 4, "max_tokens": 400, "stop_at_eos": False}
            with emopiano.Trajectory("Q2@0,Q2@1,Q4@1") as tense_to_calm, \
                    sampler.generate(tense_to_calm, valence_guidance=0, **options) as off, \
                    sampler.generate(tense_to_calm, valence_guidance=3, **options) as on:
                self.assertNotEqual(off.tokens, on.tokens)
            with self.assertRaises(emopiano.InvalidArgumentError) as caught:
                sampler.generate("calm", valence_guidance=25, **FAST)
            self.assertIn("valence_guidance", str(caught.exception))

    def test_density_is_passed_through(self):
        with self.model.sampler() as sampler:
            options = {"seed": 5, "max_tokens": 3000, "max_bars": 4, "stop_at_eos": False}
            with sampler.generate("tense", density=1, **options) as sparse, \
                    sampler.generate("tense", density=6, **options) as dense:
                self.assertEqual(sparse.info.bars, 4)
                self.assertLess(sparse.info.notes, 4 * 4 * 2)  # near 16
                self.assertGreater(dense.info.notes, 4 * 4 * 4)  # near 96
            with self.assertRaises(emopiano.InvalidArgumentError) as caught:
                sampler.generate("calm", density=-2, **FAST)
            self.assertIn("density", str(caught.exception))
            # Four values follow the emotion: tense for two bars, then sad.
            options["max_bars"] = 6
            with emopiano.Trajectory("Q2@0,Q2@2,Q3@2") as tense_to_sad, \
                    sampler.generate(tense_to_sad, density=(3, 6, 1, 2), **options) as piece:
                ticks_per_bar = 4 * 480
                notes = piece.notes
                bars = [sum(1 for n in notes if n.start_tick // ticks_per_bar == b) for b in range(6)]
                self.assertGreater(bars[1], 2 * bars[5], bars)
                with sampler.generate(tense_to_sad, density="3,6,1,2", **options) as again:
                    self.assertEqual(again.tokens, piece.tokens)
            with self.assertRaises(emopiano.InvalidArgumentError):
                sampler.generate("calm", density=(1, 2, 3), **FAST)
            with self.assertRaises(emopiano.InvalidArgumentError):
                sampler.generate("calm", density="a,b", **FAST)

    def test_batch_mix_trajectory_and_primer(self):
        with self.model.sampler() as sampler:
            pieces = sampler.generate_batch(2, emopiano.Emotion.parse("0.5,0,0,0.5"), seed=4, **FAST)
            self.assertEqual([p.info.seed for p in pieces], [4, 5])
            primer = pieces[0].midi_bytes()
            for p in pieces:
                p.close()
            with emopiano.Trajectory("Q3@0,Q1@2") as trajectory, \
                    sampler.generate(trajectory, seed=1, **FAST) as piece:
                self.assertGreater(piece.info.notes, 0)
            with sampler.generate("calm", primer=primer, seed=2, **FAST) as piece:
                self.assertGreaterEqual(piece.info.notes, len(emopiano.read_notes(primer)))

    def test_cancel_from_a_callback_and_another_thread(self):
        with self.model.sampler() as sampler, emopiano.CancelToken() as token:
            def stop(note, piece):
                token.cancel()
            with self.assertRaises(emopiano.CancelledError) as caught:
                sampler.generate("happy", on_note=stop, cancel=token, max_tokens=2000)
            self.assertTrue(caught.exception.args[0])
            self.assertTrue(token.cancelled)
            token.reset()
            self.assertFalse(token.cancelled)

            # A progress callback returning False stops too.
            steps = []
            with self.assertRaises(emopiano.CancelledError):
                sampler.generate("happy", progress=lambda p: steps.append(p) or len(steps) < 3,
                                 max_tokens=2000)
            self.assertEqual(len(steps), 3)
            self.assertEqual(steps[0].stage, "generate")

            # Another thread cancels while this one generates (ctypes drops the GIL).
            started = threading.Event()
            timer = threading.Thread(target=lambda: (started.wait(10), token.cancel()))
            timer.start()
            with self.assertRaises(emopiano.CancelledError):
                sampler.generate("happy", progress=lambda p: started.set(), cancel=token,
                                 stop_at_eos=False, max_tokens=100000)
            timer.join()

    def test_exception_in_callback_stops_and_propagates(self):
        class Boom(Exception):
            pass

        def explode(note, piece):
            raise Boom("from the callback")

        with self.model.sampler() as sampler:
            with self.assertRaises(Boom):
                sampler.generate("sad", on_note=explode, stop_at_eos=False, max_tokens=2000)
            # The sampler still works afterwards.
            with sampler.generate("sad", seed=1, **FAST) as piece:
                self.assertGreater(piece.info.notes, 0)

    def test_callbacks_survive_garbage_collection(self):
        # The CFUNCTYPE objects must stay alive while C may call them.
        seen = []

        def on_note(note, piece):
            gc.collect()
            seen.append(note.pitch)

        with self.model.sampler() as sampler, sampler.generate("Q4", seed=3, on_note=on_note,
                                                               **FAST) as piece:
            self.assertEqual(len(seen), piece.info.notes)

    def test_close_twice_and_free_order(self):
        model = tiny_model()
        sampler = model.sampler()
        model.close()  # the sampler keeps the network alive
        piece = sampler.generate("Q1", seed=1, **FAST)
        sampler.close()
        sampler.close()
        self.assertGreater(len(piece.notes), 0)  # a piece outlives its sampler
        piece.close()
        piece.close()
        model.close()
        with self.assertRaises(emopiano.InvalidArgumentError):
            sampler.generate("Q1")

    def test_bad_arguments(self):
        with self.model.sampler() as sampler:
            with self.assertRaises(emopiano.InvalidArgumentError):
                sampler.generate("Q1", temperature=-1.0)
            with self.assertRaises(emopiano.InvalidArgumentError):
                sampler.generate("sideways")
            with self.assertRaises(emopiano.FormatError):
                sampler.generate("Q1", primer=b"MThd broken", **FAST)


if __name__ == "__main__":
    unittest.main()
