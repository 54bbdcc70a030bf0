"""Version, error mapping, emotions and MIDI reading through the Python binding."""
import gc
import os
import subprocess
import sys
import unittest
from pathlib import Path

from support import emopiano, scale_tokens, temp_dir


class VersionTest(unittest.TestCase):
    def test_version_matches_the_number(self):
        major, minor, patch = (int(x) for x in emopiano.version().split("."))
        self.assertEqual(emopiano.version_number(), major * 10000 + minor * 100 + patch)
        self.assertGreaterEqual(emopiano.abi_version(), 1)
        self.assertTrue(emopiano.library_path)


class LibraryLookupTest(unittest.TestCase):
    def test_emopiano_library_wins_and_a_wrong_one_is_named(self):
        package_dir = str(Path(__file__).resolve().parent.parent)
        code = "import emopiano; print(emopiano.library_path)"
        env = dict(os.environ, PYTHONPATH=package_dir)
        env["EMOPIANO_LIBRARY"] = emopiano.library_path
        ok = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        self.assertEqual(ok.stdout.strip(), emopiano.library_path, ok.stderr)
        env["EMOPIANO_LIBRARY"] = str(temp_dir(self) / "libnothing.so")
        bad = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("libnothing.so", bad.stderr)
        self.assertIn("EMOPIANO_LIBRARY", bad.stderr)


class ErrorMappingTest(unittest.TestCase):
    def test_bad_emotion_is_invalid_argument_with_message(self):
        with self.assertRaises(emopiano.InvalidArgumentError) as caught:
            emopiano.Emotion.parse("furious")
        self.assertEqual(caught.exception.status, -1)
        self.assertIn("furious", str(caught.exception))
        self.assertIsInstance(caught.exception, emopiano.EmopianoError)
        self.assertIsInstance(caught.exception, ValueError)

    def test_missing_file_names_the_file(self):
        missing = temp_dir(self) / "no-such-piece.mid"
        with self.assertRaises(emopiano.EmopianoError) as caught:
            emopiano.read_notes(missing)
        self.assertIn(type(caught.exception), (emopiano.FileIOError, emopiano.NotFoundError))
        self.assertIn("no-such-piece.mid", str(caught.exception))

    def test_corrupt_midi_bytes_are_a_format_error(self):
        good = emopiano.Tokenizer().decode(scale_tokens(emopiano.Tokenizer()))
        corrupt = good[:14] + b"\xff" * 9 + good[23:]
        for data in (b"MThd\x00\x00\x00\x06garbage", b"not midi at all", corrupt[: len(good) // 2]):
            with self.subTest(data=data[:16]):
                with self.assertRaises(emopiano.FormatError) as caught:
                    emopiano.validate(data)
                self.assertEqual(caught.exception.status, -4)
                self.assertTrue(str(caught.exception))
                with self.assertRaises(emopiano.FormatError):
                    emopiano.read_notes(data)
        emopiano.validate(good)  # the intact file passes

    def test_unknown_token_is_not_found(self):
        with emopiano.Tokenizer() as tokenizer, self.assertRaises(emopiano.NotFoundError) as caught:
            tokenizer.token_from_string("Pitch_999")
        self.assertIn("Pitch_999", str(caught.exception))

    def test_bad_config_json_is_reported(self):
        with self.assertRaises(emopiano.EmopianoError) as caught:
            emopiano.Tokenizer("{not json")
        self.assertIn(caught.exception.status, (-1, -4))


class EmotionTest(unittest.TestCase):
    def test_quadrants_and_moods(self):
        self.assertEqual(emopiano.Quadrant.parse("sad"), emopiano.Quadrant.Q3)
        self.assertEqual(emopiano.Quadrant.parse("q2"), emopiano.Quadrant.Q2)
        self.assertEqual(emopiano.Quadrant.Q4.mood, "calm")
        with self.assertRaises(emopiano.InvalidArgumentError):
            emopiano.Quadrant.parse("Q5")

    def test_parse_forms(self):
        self.assertEqual(emopiano.Emotion.parse("sad").probabilities, (0.0, 0.0, 1.0, 0.0))
        self.assertEqual(str(emopiano.Emotion.parse("Q2")), "Q2")
        mix = emopiano.Emotion.parse("1,1,0,2")
        self.assertEqual(mix.probabilities, (0.25, 0.25, 0.0, 0.5))
        self.assertEqual(mix.dominant, emopiano.Quadrant.Q4)
        happy_corner = emopiano.Emotion.parse("va:1,1")
        self.assertEqual(happy_corner, emopiano.Emotion.from_quadrant(emopiano.Quadrant.Q1))
        valence, arousal = emopiano.Emotion.parse("va:0.5,-0.25").valence_arousal
        self.assertAlmostEqual(valence, 0.5, places=5)
        self.assertAlmostEqual(arousal, -0.25, places=5)

    def test_mix_and_weights(self):
        half = emopiano.Emotion.parse("Q1").mix("Q3", 0.5)
        self.assertEqual(half.probabilities, (0.5, 0.0, 0.5, 0.0))
        self.assertEqual(str(half), "0.50,0.00,0.50,0.00")
        with self.assertRaises(emopiano.InvalidArgumentError):
            emopiano.Emotion.from_weights([0, 0, 0, 0])
        with self.assertRaises(emopiano.InvalidArgumentError):
            emopiano.Emotion.from_valence_arousal(2.0, 0.0)

    def test_trajectory(self):
        with emopiano.Trajectory("Q3@0,Q1@8") as trajectory:
            self.assertEqual(len(trajectory), 2)
            self.assertEqual(trajectory.at(4).probabilities, (0.5, 0.0, 0.5, 0.0))
            trajectory.add(16, "calm")
            self.assertEqual([bar for bar, _ in trajectory.keyframes()], [0.0, 8.0, 16.0])
        with self.assertRaises(emopiano.InvalidArgumentError):
            emopiano.Trajectory("Q3@minus-one")


class HandleLifetimeTest(unittest.TestCase):
    def test_close_twice_and_use_after_close(self):
        tokenizer = emopiano.Tokenizer()
        tokenizer.close()
        tokenizer.close()
        self.assertTrue(tokenizer.closed)
        with self.assertRaises(emopiano.InvalidArgumentError):
            tokenizer.vocab_size
        with emopiano.Trajectory() as trajectory:
            pass
        trajectory.close()
        with emopiano.CancelToken() as token:
            token.cancel()
        token.close()
        del tokenizer, trajectory, token
        gc.collect()


if __name__ == "__main__":
    unittest.main()
