// MIDI entry points: validation, note lists, normalising, params versioning,
// and corrupt or truncated bytes.
#include <cstddef>
#include <string>
#include <vector>

#include "capi/capi_fixtures.hpp"
#include "support/test_support.hpp"

namespace {

using emopiano::capi_test::Owned;
using emopiano::capi_test::small_piece;
using emopiano::capi_test::small_piece_bytes;

TEST(CapiMidi, ValidateAcceptsGoodAndRejectsCorruptBytes) {
  const auto bytes = small_piece_bytes();
  EXPECT_C_OK(emopiano_midi_validate(bytes.data(), bytes.size()));

  std::vector<uint8_t> not_midi = {'R', 'I', 'F', 'F', 0, 0, 0, 4, 'W', 'A', 'V', 'E'};
  EXPECT_C_ERROR(emopiano_midi_validate(not_midi.data(), not_midi.size()), EMOPIANO_ERROR_FORMAT, "");
  // Every truncation of a valid file is rejected with a format error, never a crash.
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    EXPECT_EQ(emopiano_midi_validate(bytes.data(), cut), EMOPIANO_ERROR_FORMAT) << "cut " << cut;
    EXPECT_STRNE(emopiano_last_error(), "");
  }
  EXPECT_C_ERROR(emopiano_midi_validate(nullptr, 10), EMOPIANO_ERROR_INVALID_ARGUMENT, "data");
}

TEST(CapiMidi, ReadNotesMatchesTheCppReader) {
  const auto bytes = small_piece_bytes();
  const emopiano::Score expected = emopiano::read_midi_bytes(bytes.data(), bytes.size());
  emopiano_note* notes = nullptr;
  size_t count = 0;
  ASSERT_C_OK(emopiano_midi_read_notes_bytes(&notes, &count, bytes.data(), bytes.size(), nullptr));
  Owned<emopiano_note> owned(notes);
  ASSERT_EQ(count, expected.notes.size());
  ASSERT_EQ(count, small_piece().notes.size());
  for (size_t i = 0; i < count; ++i) {
    EXPECT_EQ(notes[i].pitch, expected.notes[i].pitch);
    EXPECT_EQ(notes[i].velocity, expected.notes[i].velocity);
    EXPECT_EQ(notes[i].start_tick, expected.notes[i].start_tick);
    EXPECT_EQ(notes[i].end_tick, expected.notes[i].end_tick);
    EXPECT_DOUBLE_EQ(notes[i].end_seconds, expected.notes[i].end_seconds);
    EXPECT_EQ(notes[i].reserved, 0);
  }
  // Beat 1 of the piece: C E G at 120 BPM, half a beat long.
  EXPECT_EQ(notes[0].pitch, 60);
  EXPECT_DOUBLE_EQ(notes[0].end_seconds, 0.25);
}

TEST(CapiMidi, SustainPedalParamLengthensNotes) {
  const auto bytes = small_piece_bytes();
  emopiano_midi_read_params params;
  ASSERT_C_OK(emopiano_midi_read_params_init(&params, sizeof params));
  EXPECT_EQ(params.struct_size, sizeof params);
  EXPECT_EQ(params.apply_sustain_pedal, 0);
  EXPECT_EQ(params.exclude_drums, 1);
  params.apply_sustain_pedal = 1;
  emopiano_note* notes = nullptr;
  size_t count = 0;
  ASSERT_C_OK(emopiano_midi_read_notes_bytes(&notes, &count, bytes.data(), bytes.size(), &params));
  Owned<emopiano_note> owned(notes);
  ASSERT_GT(count, 0u);
  // The pedal is down over the first bar: the first C (released at tick 240)
  // rings on until the same key is struck again on beat 3 (tick 960).
  EXPECT_EQ(notes[0].pitch, 60);
  EXPECT_EQ(notes[0].end_tick, 960);
}

TEST(CapiMidi, ParamsStructSizeIsChecked) {
  const auto bytes = small_piece_bytes();
  emopiano_midi_read_params params;
  EXPECT_C_ERROR(emopiano_midi_read_params_init(&params, 3), EMOPIANO_ERROR_INVALID_ARGUMENT, "struct_size 3");
  EXPECT_C_ERROR(emopiano_midi_read_params_init(&params, sizeof params + 8), EMOPIANO_ERROR_UNSUPPORTED,
                 "newer emopiano.h");
  EXPECT_C_ERROR(emopiano_midi_read_params_init(nullptr, sizeof params), EMOPIANO_ERROR_INVALID_ARGUMENT, "params");
  ASSERT_C_OK(emopiano_midi_read_params_init(&params, sizeof params));
  emopiano_note* notes = nullptr;
  size_t count = 0;
  params.struct_size = 0;  // forgotten init
  EXPECT_C_ERROR(emopiano_midi_read_notes_bytes(&notes, &count, bytes.data(), bytes.size(), &params),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "struct_size 0");
  params.struct_size = sizeof params;
  params.exclude_drums = 7;
  EXPECT_C_ERROR(emopiano_midi_read_notes_bytes(&notes, &count, bytes.data(), bytes.size(), &params),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "exclude_drums must be 0 or 1");
  EXPECT_EQ(notes, nullptr);
}

TEST(CapiMidi, OlderSmallerParamsKeepDefaultsForNewFields) {
  // A program built when the struct ended after apply_sustain_pedal.
  const uint32_t old_size = offsetof(emopiano_midi_read_params, exclude_drums);
  emopiano_midi_read_params params;
  // Not accepted: the first published layout already had exclude_drums.
  EXPECT_EQ(emopiano_midi_read_params_init(&params, old_size), EMOPIANO_ERROR_INVALID_ARGUMENT);
  // init writes no more than the caller's size.
  unsigned char raw[sizeof(emopiano_midi_read_params) + 4];
  for (auto& c : raw) c = 0xAB;
  ASSERT_C_OK(emopiano_midi_read_params_init(reinterpret_cast<emopiano_midi_read_params*>(raw),
                                             sizeof(emopiano_midi_read_params)));
  for (size_t i = sizeof(emopiano_midi_read_params); i < sizeof raw; ++i) EXPECT_EQ(raw[i], 0xAB);
}

TEST(CapiMidi, FilesAndErrors) {
  const auto dir = emopiano::test::temp_dir("capi-midi");
  const auto path = dir / "piece.mid";
  emopiano::write_midi_file(small_piece(), path);
  emopiano_note* notes = nullptr;
  size_t count = 0;
  ASSERT_C_OK(emopiano_midi_read_notes_file(&notes, &count, path.c_str(), nullptr));
  emopiano_free(notes);
  EXPECT_EQ(count, small_piece().notes.size());

  const auto missing = (dir / "missing.mid").string();
  EXPECT_C_ERROR(emopiano_midi_read_notes_file(&notes, &count, missing.c_str(), nullptr), EMOPIANO_ERROR_IO,
                 "missing.mid");
  EXPECT_EQ(notes, nullptr);
  const auto garbage = dir / "garbage.mid";
  emopiano::capi_test::write_bytes(garbage, {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1});
  EXPECT_C_ERROR(emopiano_midi_read_notes_file(&notes, &count, garbage.c_str(), nullptr), EMOPIANO_ERROR_FORMAT,
                 "garbage.mid");
  EXPECT_C_ERROR(emopiano_midi_read_notes_file(&notes, &count, nullptr, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "midi_path");
  EXPECT_C_ERROR(emopiano_midi_read_notes_file(nullptr, &count, path.c_str(), nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "out_notes");
  EXPECT_C_ERROR(emopiano_midi_read_notes_file(&notes, nullptr, path.c_str(), nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "out_count");
}

TEST(CapiMidi, NormalizeRewritesAMessyFileIntoTheSameNotes) {
  const auto bytes = small_piece_bytes();
  uint8_t* out = nullptr;
  size_t size = 0;
  ASSERT_C_OK(emopiano_midi_normalize_bytes(&out, &size, bytes.data(), bytes.size(), nullptr));
  Owned<uint8_t> owned(out);
  ASSERT_GT(size, 14u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 4), "MThd");
  const auto again = emopiano::read_midi_bytes(out, size);
  const auto original = emopiano::read_midi_bytes(bytes.data(), bytes.size());
  ASSERT_EQ(again.notes.size(), original.notes.size());
  for (size_t i = 0; i < again.notes.size(); ++i) {
    EXPECT_EQ(again.notes[i].pitch, original.notes[i].pitch);
    EXPECT_EQ(again.notes[i].start_tick, original.notes[i].start_tick);
  }
  const uint8_t corrupt[] = {'M', 'T', 'h', 'd', 0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(emopiano_midi_normalize_bytes(&out, &size, corrupt, sizeof corrupt, nullptr), EMOPIANO_ERROR_FORMAT);
  EXPECT_EQ(out, nullptr);
}

}  // namespace
