"""Beat tracking, retiming and the unaligned check through the Python binding."""
import statistics
import unittest

from support import SCALE, emopiano, melody_tokens, temp_dir


def vlq(value):
    """A MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def performance_midi(count):
    """A format-0 file at one nominal tempo (120 BPM, 480 ticks a beat) whose
    onsets are 1.618 beats apart: no grid of the nominal beat holds them, as
    in a performance transcribed without a click."""
    track = vlq(0) + b"\xff\x51\x03\x07\xa1\x20"  # 500000 us a beat
    last = 0
    for i in range(count):
        start, pitch = round(i * 1.618034 * 480), 60 + i * 5 % 12
        track += vlq(start - last) + bytes([0x90, pitch, 80]) + vlq(200) + bytes([0x80, pitch, 0])
        last = start + 200
    track += vlq(0) + b"\xff\x2f\x00"
    header = b"MThd" + (6).to_bytes(4, "big") + bytes([0, 0, 0, 1]) + (480).to_bytes(2, "big")
    return header + b"MTrk" + len(track).to_bytes(4, "big") + track


class BeatTrackingTest(unittest.TestCase):
    def setUp(self):
        # Four bars of steady eighth notes at 120 BPM: a beat every 0.5 s.
        with emopiano.Tokenizer() as tokenizer:
            tokens = melody_tokens(tokenizer, SCALE, 4)
            self.midi = tokenizer.decode(tokens)
            self.path = temp_dir(self) / "eighths.mid"
            tokenizer.decode_to_file(tokens, self.path)

    def test_params_default_to_the_library_values(self):
        params = emopiano.BeatParams()
        self.assertEqual((params.metre, params.min_bpm, params.max_bpm, params.tightness),
                         (0, 40.0, 240.0, 100.0))
        self.assertGreater(params.prior_bpm, 0)
        self.assertGreater(params.prior_octaves, 0)
        forced = emopiano.BeatParams(metre=3, max_bpm=200)
        self.assertEqual((forced.metre, forced.max_bpm, forced.min_bpm), (3, 200, 40.0))

    def test_steady_eighths_are_120_bpm_from_file_and_bytes(self):
        beat_map = emopiano.beats(self.path)
        self.assertEqual(emopiano.beats(self.midi), beat_map)
        self.assertIn(len(beat_map.beats), range(14, 18))
        for earlier, later in zip(beat_map.beats, beat_map.beats[1:]):
            self.assertAlmostEqual(later - earlier, 0.5, delta=0.03)
        self.assertEqual(len(beat_map.bpm), len(beat_map.beats))
        self.assertAlmostEqual(statistics.median(beat_map.bpm), 120, delta=3)
        self.assertIn(beat_map.metre, (3, 4))
        self.assertIn(beat_map.pickup_beats, range(beat_map.metre))
        self.assertEqual(beat_map.downbeats, sorted(beat_map.downbeats))
        self.assertTrue(beat_map.downbeats)
        self.assertTrue(all(0 <= i < len(beat_map.beats) for i in beat_map.downbeats))

    def test_beat_times_match_the_beat_map(self):
        beat_map = emopiano.beats(self.path)
        times = emopiano.beat_times(self.path)
        self.assertEqual(len(times.beats), len(beat_map.beats))
        for a, b in zip(times.beats, beat_map.beats):
            self.assertAlmostEqual(a, b, places=9)
        self.assertEqual(times.metre, beat_map.metre)

    def test_params_reach_the_tracker(self):
        waltz = emopiano.BeatParams(metre=3)
        self.assertEqual(emopiano.beats(self.midi, waltz).metre, 3)
        self.assertEqual(emopiano.beats(self.path, emopiano.BeatParams(metre=5)).metre, 5)
        self.assertEqual(emopiano.beat_times(self.path, waltz).metre, 3)

    def test_fewer_than_two_onsets_give_no_beats(self):
        single = temp_dir(self) / "single.mid"
        single.write_bytes(performance_midi(1))
        self.assertEqual(emopiano.beat_times(single).beats, [])
        beat_map = emopiano.beats(performance_midi(1))
        self.assertEqual((beat_map.beats, beat_map.bpm, beat_map.downbeats), ([], [], []))

    def test_retimed_bytes_keep_every_note_where_it_sounded(self):
        retimed = emopiano.retime_bytes(self.midi)
        emopiano.validate(retimed)
        before, after = emopiano.read_notes(self.midi), emopiano.read_notes(retimed)
        self.assertEqual([n.pitch for n in after], [n.pitch for n in before])
        for a, b in zip(after, before):
            self.assertAlmostEqual(a.start_seconds, b.start_seconds, delta=0.002)
        again = emopiano.beats(retimed)
        self.assertAlmostEqual(statistics.median(again.bpm), 120, delta=3)

    def test_retime_writes_the_file(self):
        out = temp_dir(self) / "retimed.mid"
        emopiano.retime(self.path, out)
        self.assertEqual(out.read_bytes(), emopiano.retime_bytes(self.midi))
        emopiano.retime(self.path, out, emopiano.BeatParams(metre=3))
        self.assertEqual(out.read_bytes(), emopiano.retime_bytes(self.midi, emopiano.BeatParams(metre=3)))
        self.assertNotEqual(out.read_bytes(), emopiano.retime_bytes(self.midi))

    def test_is_unaligned(self):
        self.assertIs(emopiano.is_unaligned(self.midi), False)
        performance = performance_midi(24)
        self.assertIs(emopiano.is_unaligned(performance), True)
        self.assertIs(emopiano.is_unaligned(emopiano.retime_bytes(performance)), False)

    def test_bad_input_raises_with_a_message(self):
        for call in (emopiano.beats, emopiano.retime_bytes, emopiano.is_unaligned):
            with self.subTest(call=call.__name__), self.assertRaises(emopiano.FormatError) as caught:
                call(b"not midi at all")
            self.assertIn("MThd", str(caught.exception))
        missing = temp_dir(self) / "no-such-piece.mid"
        for call in (emopiano.beats, emopiano.beat_times,
                     lambda path: emopiano.retime(path, temp_dir(self) / "out.mid")):
            with self.assertRaises(emopiano.FileIOError) as caught:
                call(missing)
            self.assertIn("no-such-piece.mid", str(caught.exception))
        with self.assertRaises(emopiano.FileIOError):
            emopiano.retime(self.path, temp_dir(self) / "no-such-folder" / "out.mid")

    def test_out_of_range_params_are_invalid_arguments(self):
        for params, word in ((emopiano.BeatParams(metre=99), "metre"),
                             (emopiano.BeatParams(min_bpm=200, max_bpm=100), "tempo range"),
                             (emopiano.BeatParams(tightness=-1), "tightness")):
            for call in (lambda: emopiano.beats(self.midi, params),
                         lambda: emopiano.beat_times(self.path, params),
                         lambda: emopiano.retime_bytes(self.midi, params)):
                with self.subTest(word=word), self.assertRaises(emopiano.InvalidArgumentError) as caught:
                    call()
                self.assertIn(word, str(caught.exception))
                self.assertEqual(caught.exception.status, -1)


if __name__ == "__main__":
    unittest.main()
