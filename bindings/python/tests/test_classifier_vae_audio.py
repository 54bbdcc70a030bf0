"""The emotion classifier, the VAE and WAV rendering through the binding, with
the bundled classifier and VAE on pieces the test writes."""
import math
import struct
import unittest

from support import ARPEGGIO, SCALE, emopiano, melody_tokens, temp_dir


def write_piece(folder, name="piece", pitches=SCALE, bars=4):
    """A melody as a MIDI file; returns (path, bytes)."""
    path = folder / f"{name}.mid"
    with emopiano.Tokenizer() as tokenizer:
        tokenizer.decode_to_file(melody_tokens(tokenizer, pitches, bars), path)
    return path, path.read_bytes()


def bundled(find):
    try:
        return find()
    except (emopiano.NotFoundError, emopiano.UnsupportedError):
        return None


@unittest.skipUnless(emopiano.has_model_support, "library built without LibTorch")
class ClassifierTest(unittest.TestCase):
    def test_bundled_classifier_classifies_files_and_bytes(self):
        path = bundled(emopiano.bundled_classifier_path)
        if path is None:
            self.skipTest("no bundled classifier")
        midi_path, midi = write_piece(temp_dir(self))
        with emopiano.Classifier() as classifier:
            from_file = classifier.classify(midi_path)
            from_bytes = classifier.classify(midi)
        self.assertEqual(from_file, from_bytes)
        self.assertIn(from_file.quadrant, list(emopiano.Quadrant))
        p = from_file.probabilities
        self.assertAlmostEqual(sum(p), 1.0, places=6)
        self.assertEqual(from_file.quadrant, emopiano.Quadrant(p.index(max(p)) + 1))
        self.assertAlmostEqual(from_file.arousal, p[0] + p[1], places=9)
        self.assertAlmostEqual(from_file.valence, p[0] + p[3], places=9)
        self.assertGreaterEqual(from_file.windows, 1)

    def test_errors(self):
        folder = temp_dir(self)
        with self.assertRaises(emopiano.FileIOError):
            emopiano.Classifier(folder / "absent.pt")
        model_file = folder / "model.pt"
        with emopiano.Model.create({"n_layers": 1, "d_model": 32, "n_heads": 2, "d_ff": 64}) as m:
            m.save(model_file)
        with self.assertRaises(emopiano.FormatError):
            emopiano.Classifier(model_file)  # a generator is not a classifier
        if bundled(emopiano.bundled_classifier_path) is None:
            return
        with emopiano.Classifier() as classifier:
            with self.assertRaises(emopiano.FormatError):
                classifier.classify(b"not midi")
            classifier.close()
            with self.assertRaises(emopiano.InvalidArgumentError):
                classifier.classify(b"MThd")  # a closed handle passes NULL


@unittest.skipUnless(emopiano.has_model_support, "library built without LibTorch")
class VaeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vae = emopiano.Vae() if bundled(emopiano.bundled_vae_path) else None

    @classmethod
    def tearDownClass(cls):
        if cls.vae is not None:
            cls.vae.close()

    def setUp(self):
        if self.vae is None:
            self.skipTest("no bundled VAE")

    def test_info_sample_and_decode(self):
        vae = self.vae
        self.assertGreater(vae.latent_dim, 0)
        self.assertGreater(vae.segment_bars, 0)
        z = vae.sample_latent(temperature=1.0, seed=3)
        self.assertEqual(len(z), vae.latent_dim)
        self.assertEqual(z, vae.sample_latent(temperature=1.0, seed=3))
        self.assertNotEqual(z, vae.sample_latent(temperature=1.0, seed=4))
        self.assertEqual(vae.sample_latent(temperature=0.0, seed=3), [0.0] * vae.latent_dim)
        midi = vae.decode(z, "calm", temperature=0.0)
        emopiano.validate(midi)
        self.assertEqual(midi, vae.decode(z, "calm", temperature=0.0), "greedy decoding repeats")
        out = temp_dir(self) / "segment.mid"
        vae.decode_to_file(z, out, emopiano.Quadrant.Q4, temperature=0.0)
        self.assertEqual(emopiano.read_notes(out.read_bytes()), emopiano.read_notes(midi))
        with self.assertRaises(ValueError):
            vae.decode(z[:-1])
        beams = vae.decode(z, "calm", temperature=0.0, beams=4)
        emopiano.validate(beams)
        self.assertEqual(beams, vae.decode(z, "calm", temperature=0.0, beams=4), "beam search repeats")
        with self.assertRaises(emopiano.InvalidArgumentError):
            vae.decode(z, "calm", temperature=0.8, beams=4)  # beam search is greedy decoding

    def test_encode_interpolate_and_transform(self):
        vae = self.vae
        folder = temp_dir(self)
        a, _ = write_piece(folder, "a", SCALE, vae.segment_bars)
        b, _ = write_piece(folder, "b", ARPEGGIO, vae.segment_bars)
        mean_a, log_var_a = vae.encode(a, "happy")
        mean_b, _ = vae.encode(b, "happy")
        self.assertEqual(len(mean_a), vae.latent_dim)
        self.assertTrue(all(math.isfinite(x) for x in mean_a + log_var_a))
        self.assertNotEqual(mean_a, mean_b)
        path = emopiano.interpolate_latents(mean_a, mean_b, 5, spherical=False)
        self.assertEqual(len(path), 5)
        for d in range(vae.latent_dim):
            self.assertAlmostEqual(path[0][d], mean_a[d], places=5)
            self.assertAlmostEqual(path[-1][d], mean_b[d], places=5)
            self.assertAlmostEqual(path[2][d], (mean_a[d] + mean_b[d]) / 2, places=5)
        with self.assertRaises(ValueError):
            emopiano.interpolate_latents(mean_a, mean_b[:-1], 3)

        shift = vae.attribute_vector(emopiano.Quadrant.Q1, emopiano.Quadrant.Q3)
        back = vae.attribute_vector(emopiano.Quadrant.Q3, emopiano.Quadrant.Q1)
        for d in range(vae.latent_dim):
            self.assertAlmostEqual(shift[d], -back[d], places=5)
        out = folder / "sad.mid"
        vae.transform(a, out, emopiano.Quadrant.Q1, emopiano.Quadrant.Q3, 1.0, temperature=0.0)
        self.assertTrue(emopiano.read_notes(out))
        with self.assertRaises(emopiano.InvalidArgumentError):
            vae.attribute_vector(0, 3)

        # Musical attribute vectors: denser and less syncopated, kept in the same quadrant.
        dense = vae.musical_attribute_vector(emopiano.VaeAttribute.DENSITY)
        synco = vae.musical_attribute_vector(emopiano.VaeAttribute.SYNCOPATION)
        self.assertEqual(len(dense), vae.latent_dim)
        self.assertNotEqual(dense, synco)
        moved = folder / "denser.mid"
        vae.transform_by(a, moved, emopiano.Quadrant.Q1, emopiano.Quadrant.Q1,
                         [x - y for x, y in zip(dense, synco)], temperature=0.0)
        self.assertTrue(emopiano.read_notes(moved))
        with self.assertRaises(emopiano.InvalidArgumentError):
            vae.musical_attribute_vector(7)
        with self.assertRaises(ValueError):
            vae.transform_by(a, moved, 1, 1, dense[:-1])


class AudioTest(unittest.TestCase):
    def test_renders_a_wav_or_says_it_cannot(self):
        folder = temp_dir(self)
        midi_path, midi = write_piece(folder, bars=1)
        wav = folder / "out.wav"
        if not emopiano.audio_available():
            with self.assertRaises(emopiano.UnsupportedError):
                emopiano.render_wav(midi, wav)
            return
        try:
            emopiano.render_wav(midi, wav, sample_rate=22050, tail_seconds=0.25)
        except emopiano.NotFoundError:
            self.skipTest("no SoundFont installed")
        data = wav.read_bytes()
        self.assertEqual((data[:4], data[8:12]), (b"RIFF", b"WAVE"))
        channels, rate = struct.unpack_from("<HI", data, 22)
        self.assertEqual((channels, rate), (2, 22050))
        # Two seconds of music (one 4/4 bar at 120 BPM) and the tail, 16-bit stereo.
        self.assertGreater(len(data), 22050 * 4 * 2)
        wav_from_file = folder / "from-file.wav"
        emopiano.render_wav(midi_path, wav_from_file, sample_rate=22050, tail_seconds=0.25)
        self.assertEqual(wav_from_file.read_bytes(), data)
        with self.assertRaises(emopiano.InvalidArgumentError):
            emopiano.render_wav(midi, wav, sample_rate=100)
        with self.assertRaises(emopiano.FormatError):
            emopiano.render_wav(b"not midi", wav)


if __name__ == "__main__":
    unittest.main()
