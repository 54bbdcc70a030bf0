"""Tokenizer encode/decode round trips through the Python binding."""
import unittest

from support import emopiano, scale_tokens, temp_dir


class TokenizerTest(unittest.TestCase):
    def setUp(self):
        self.tokenizer = emopiano.Tokenizer()
        self.addCleanup(self.tokenizer.close)

    def test_vocabulary_names_round_trip(self):
        size = self.tokenizer.vocab_size
        self.assertGreater(size, 100)
        for token_id in range(size):
            name = self.tokenizer.token_to_string(token_id)
            self.assertEqual(self.tokenizer.token_from_string(name), token_id)
        self.assertEqual(self.tokenizer.token_to_string(size), f"<invalid:{size}>")
        self.assertEqual(self.tokenizer.config["scheme"], "remi")

    def test_bytes_round_trip(self):
        tokens = scale_tokens(self.tokenizer)
        midi = self.tokenizer.decode(tokens)
        emopiano.validate(midi)
        notes = emopiano.read_notes(midi)
        self.assertEqual([n.pitch for n in notes], [60, 62, 64, 65])
        self.assertEqual(len({n.start_tick for n in notes}), 4)
        again = self.tokenizer.encode(midi)
        self.assertEqual(emopiano.read_notes(self.tokenizer.decode(again)), notes)
        # Re-encoding what was decoded keeps every note token in order.
        pitch = [t for t in again if self.tokenizer.token_to_string(t).startswith("Pitch_")]
        self.assertEqual(pitch, [t for t in tokens
                                 if self.tokenizer.token_to_string(t).startswith("Pitch_")])

    def test_file_round_trip_with_emotion(self):
        path = temp_dir(self) / "scale.mid"
        self.tokenizer.decode_to_file(scale_tokens(self.tokenizer), path)
        tokens = self.tokenizer.encode(path, quadrant=emopiano.Quadrant.Q3)
        self.assertEqual(tokens[0], self.tokenizer.special_id(emopiano.SpecialToken.BOS))
        self.assertEqual(tokens[1], self.tokenizer.special_id(emopiano.SpecialToken.EMOTION_Q3))
        self.assertEqual(tokens[-1], self.tokenizer.special_id(emopiano.SpecialToken.EOS))
        self.assertEqual(len(emopiano.read_notes(path)), 4)

    def test_normalize_and_metrics(self):
        midi = self.tokenizer.decode(scale_tokens(self.tokenizer))
        normal = emopiano.normalize(midi)
        self.assertEqual(emopiano.read_notes(normal), emopiano.read_notes(midi))
        self.assertEqual(emopiano.metrics(midi)["notes"], 4)


if __name__ == "__main__":
    unittest.main()
