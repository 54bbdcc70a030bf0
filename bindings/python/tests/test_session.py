"""Live sessions through the Python binding: bars, the emotion between bars,
replay, cancellation from another thread, the recording."""
import threading
import time
import unittest

from support import emopiano, temp_dir

# Context 64: long sessions slide the window.
SMALL = {"n_layers": 2, "d_model": 32, "n_heads": 2, "d_ff": 64, "context_length": 64}


@unittest.skipUnless(emopiano.has_model_support, "libemopiano built without model support")
class SessionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = emopiano.Model.create(SMALL, seed=4)

    @classmethod
    def tearDownClass(cls):
        cls.model.close()

    def play(self, seed, changes, bars=8, lookahead=False):
        with emopiano.Session(self.model, "calm", seed=seed, top_p=1.0, lookahead=lookahead) as session:
            out = []
            for b in range(bars):
                if b in changes:
                    session.set_emotion(changes[b])
                out.append(session.next_bar())
            return out

    def test_bars_follow_one_clock_and_the_emotion_changes_at_the_next_bar(self):
        bars = self.play(2, {3: "sad"})
        self.assertEqual([b.index for b in bars], list(range(8)))
        for before, after in zip(bars, bars[1:]):
            self.assertEqual(after.start_tick, before.end_tick)
        self.assertEqual(bars[2].emotion, (0.0, 0.0, 0.0, 1.0))
        self.assertEqual(bars[3].emotion, (0.0, 0.0, 1.0, 0.0))
        self.assertIsNone(bars[0].key)
        self.assertTrue(any(b.notes for b in bars))
        for b in bars:
            for n in b.notes:
                self.assertTrue(b.start_tick <= n.start_tick < b.end_tick)

    def test_the_same_seed_and_calls_give_the_same_bars(self):
        a = self.play(5, {2: "tense", 4: emopiano.Emotion.from_valence_arousal(0.5, -0.5)})
        b = self.play(5, {2: "tense", 4: emopiano.Emotion.from_valence_arousal(0.5, -0.5)})
        self.assertEqual([x.notes for x in a], [x.notes for x in b])
        c = self.play(5, {3: "tense", 4: emopiano.Emotion.from_valence_arousal(0.5, -0.5)})
        self.assertEqual([x.notes for x in a[:2]], [x.notes for x in c[:2]])
        self.assertNotEqual([x.notes for x in a], [x.notes for x in c])

    def test_lookahead_gives_the_same_bars(self):
        changes = {2: "tense", 3: "tense", 5: emopiano.Emotion.from_valence_arousal(0.5, -0.5)}
        plain = self.play(6, changes, bars=12)
        ahead = self.play(6, changes, bars=12, lookahead=True)
        self.assertEqual([x.notes for x in plain], [x.notes for x in ahead])
        self.assertEqual([x.emotion for x in plain], [x.emotion for x in ahead])

    def test_cancel_from_another_thread_leaves_the_session_usable(self):
        with emopiano.Session(self.model, seed=1) as session:
            stop = threading.Event()

            def canceller():
                time.sleep(0.05)
                while not stop.is_set():
                    session.cancel()
                    time.sleep(0.001)

            thread = threading.Thread(target=canceller)
            thread.start()
            cancelled = False
            try:
                for _ in range(20000):
                    try:
                        session.next_bar()
                    except emopiano.CancelledError:
                        cancelled = True
                        break
            finally:
                stop.set()
                thread.join()
            self.assertTrue(cancelled)
            try:
                bar = session.next_bar()
            except emopiano.CancelledError:  # a cancel that came after the first
                bar = session.next_bar()
            self.assertGreaterEqual(bar.index, 0)

    def test_record_write_midi_and_reset(self):
        path = temp_dir(self) / "live.mid"
        with emopiano.Session(self.model, "happy", seed=3, record=True) as session:
            notes = sum(len(session.next_bar().notes) for _ in range(6))
            session.write_midi(path)
            self.assertEqual(len(emopiano.read_notes(path)), notes)
            session.reset()
            self.assertEqual(session.next_bar().index, 0)
        with emopiano.Session(self.model) as session:
            with self.assertRaises(emopiano.InvalidArgumentError):
                session.write_midi(path)  # not recording

    def test_errors(self):
        with self.assertRaises(emopiano.InvalidArgumentError) as caught:
            emopiano.Session(self.model, key="H major")
        self.assertIn("H major", str(caught.exception))
        with self.assertRaises(emopiano.InvalidArgumentError) as caught:
            emopiano.Session(self.model, valence_guidance=float("nan"))
        self.assertIn("valence_guidance", str(caught.exception))
        with self.assertRaises(emopiano.InvalidArgumentError) as caught:
            emopiano.Session(self.model, density=20)
        self.assertIn("density", str(caught.exception))
        session = emopiano.Session(self.model)
        session.close()
        with self.assertRaises(emopiano.InvalidArgumentError):
            session.next_bar()


if __name__ == "__main__":
    unittest.main()
