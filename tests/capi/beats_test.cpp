// Beat tracking and retiming entry points: params versioning, JSON and
// caller-owned results, retimed MIDI, and bad input.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "beat/synthetic_performance.hpp"
#include "capi/capi_fixtures.hpp"
#include "emopiano/beats.hpp"
#include "support/test_support.hpp"

namespace {

using emopiano::capi_test::Owned;

std::vector<uint8_t> performance_bytes() {
  auto p = emopiano::test::perform(emopiano::test::steady_beats(97, 48, 0.6), 4, 1, false, 2, 0.02);
  return emopiano::write_midi_bytes(p.score);
}

TEST(CapiBeats, ParamsInitFillsDefaultsAndChecksTheSize) {
  emopiano_beat_params p;
  ASSERT_C_OK(emopiano_beat_params_init(&p, sizeof p));
  EXPECT_EQ(p.struct_size, sizeof p);
  EXPECT_EQ(p.metre, 0);
  EXPECT_EQ(p.min_bpm, emopiano::BeatTrackingOptions{}.min_bpm);
  EXPECT_EQ(p.tightness, emopiano::BeatTrackingOptions{}.tightness);
  EXPECT_C_ERROR(emopiano_beat_params_init(&p, 4), EMOPIANO_ERROR_INVALID_ARGUMENT, "");
  EXPECT_C_ERROR(emopiano_beat_params_init(nullptr, sizeof p), EMOPIANO_ERROR_INVALID_ARGUMENT, "params");
}

TEST(CapiBeats, TracksBytesAndFilesAsJson) {
  const auto bytes = performance_bytes();
  char* raw = nullptr;
  ASSERT_C_OK(emopiano_beats_bytes_json(&raw, bytes.data(), bytes.size(), nullptr));
  Owned<char> json(raw);
  const auto j = nlohmann::json::parse(json.get());
  EXPECT_EQ(j["metre"], 4);
  EXPECT_EQ(j["pickup_beats"], 1);
  EXPECT_NEAR(static_cast<double>(j["beats"].size()), 47, 2);
  ASSERT_EQ(j["bpm"].size(), j["beats"].size());
  std::vector<double> bpm = j["bpm"];
  std::sort(bpm.begin(), bpm.end());
  EXPECT_NEAR(bpm[bpm.size() / 2], 97, 3);

  const auto path = emopiano::test::temp_dir("capi-beats") / "performance.mid";
  emopiano::capi_test::write_bytes(path, bytes);
  ASSERT_C_OK(emopiano_beats_file_json(&raw, path.c_str(), nullptr));
  Owned<char> from_file(raw);
  EXPECT_STREQ(from_file.get(), json.get());

  // Caller-owned array: ask for the count, then fill.
  size_t count = 0;
  int32_t metre = 0;
  EXPECT_C_ERROR(emopiano_beats_file(nullptr, 0, &count, &metre, path.c_str(), nullptr),
                 EMOPIANO_ERROR_BUFFER_TOO_SMALL, "beats");
  ASSERT_EQ(count, j["beats"].size());
  std::vector<double> beats(count);
  ASSERT_C_OK(emopiano_beats_file(beats.data(), beats.size(), &count, &metre, path.c_str(), nullptr));
  EXPECT_EQ(metre, 4);
  EXPECT_DOUBLE_EQ(beats[3], j["beats"][3].get<double>());

  // Forced metre through the params.
  emopiano_beat_params p;
  ASSERT_C_OK(emopiano_beat_params_init(&p, sizeof p));
  p.metre = 3;
  ASSERT_C_OK(emopiano_beats_bytes_json(&raw, bytes.data(), bytes.size(), &p));
  Owned<char> waltz(raw);
  EXPECT_EQ(nlohmann::json::parse(waltz.get())["metre"], 3);
}

TEST(CapiBeats, RetimesBytesAndFiles) {
  const auto bytes = performance_bytes();
  uint8_t* out = nullptr;
  size_t size = 0;
  ASSERT_C_OK(emopiano_retime_bytes(&out, &size, bytes.data(), bytes.size(), nullptr));
  Owned<uint8_t> retimed(out);
  const emopiano::Score before = emopiano::read_midi_bytes(bytes.data(), bytes.size());
  const emopiano::Score after = emopiano::read_midi_bytes(retimed.get(), size);
  EXPECT_EQ(after.notes.size(), before.notes.size());
  EXPECT_GT(after.tempos.size(), 40u);
  EXPECT_NEAR(after.notes.back().start_seconds, before.notes.back().start_seconds, 0.002);

  int32_t unaligned = -1;
  ASSERT_C_OK(emopiano_midi_is_unaligned(&unaligned, bytes.data(), bytes.size()));
  EXPECT_EQ(unaligned, 1);
  ASSERT_C_OK(emopiano_midi_is_unaligned(&unaligned, retimed.get(), size));
  EXPECT_EQ(unaligned, 0);

  const auto dir = emopiano::test::temp_dir("capi-retime");
  emopiano::capi_test::write_bytes(dir / "in.mid", bytes);
  ASSERT_C_OK(emopiano_retime_file((dir / "in.mid").c_str(), (dir / "out.mid").c_str(), nullptr));
  EXPECT_EQ(emopiano::capi_test::read_bytes(dir / "out.mid"),
            std::vector<uint8_t>(retimed.get(), retimed.get() + size));
}

TEST(CapiBeats, BadInputIsAnErrorNeverACrash) {
  const auto bytes = performance_bytes();
  char* json = nullptr;
  EXPECT_C_ERROR(emopiano_beats_bytes_json(nullptr, bytes.data(), bytes.size(), nullptr),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "out_json");
  EXPECT_C_ERROR(emopiano_beats_bytes_json(&json, bytes.data(), 20, nullptr), EMOPIANO_ERROR_FORMAT, "");
  EXPECT_EQ(json, nullptr);
  EXPECT_C_ERROR(emopiano_beats_file_json(&json, "/nonexistent/x.mid", nullptr), EMOPIANO_ERROR_IO, "");
  emopiano_beat_params p;
  ASSERT_C_OK(emopiano_beat_params_init(&p, sizeof p));
  p.metre = 1;
  EXPECT_C_ERROR(emopiano_beats_bytes_json(&json, bytes.data(), bytes.size(), &p), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "metre");
  uint8_t* out = nullptr;
  size_t size = 0;
  EXPECT_C_ERROR(emopiano_retime_bytes(&out, nullptr, bytes.data(), bytes.size(), nullptr),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "out_size");
  EXPECT_C_ERROR(emopiano_retime_file("/nonexistent/x.mid", nullptr, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "out_path");

  // A piece with no notes: an empty map, and retiming leaves it as it is.
  emopiano::Score empty;
  empty.tempos = {{0, 0.0, 120.0}};
  const auto empty_bytes = emopiano::write_midi_bytes(empty);
  ASSERT_C_OK(emopiano_beats_bytes_json(&json, empty_bytes.data(), empty_bytes.size(), nullptr));
  Owned<char> empty_json(json);
  EXPECT_TRUE(nlohmann::json::parse(empty_json.get())["beats"].empty());
  ASSERT_C_OK(emopiano_retime_bytes(&out, &size, empty_bytes.data(), empty_bytes.size(), nullptr));
  Owned<uint8_t> same(out);
  EXPECT_TRUE(emopiano::read_midi_bytes(same.get(), size).notes.empty());
}

}  // namespace
