// Metrics as JSON and WAV rendering through the C ABI.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "capi/capi_fixtures.hpp"
#include "emopiano/audio.hpp"
#include "emopiano/error.hpp"
#include "emopiano/metrics.hpp"
#include "support/test_support.hpp"

namespace {

using emopiano::capi_test::Owned;
using emopiano::capi_test::small_piece_bytes;

TEST(CapiMetrics, JsonMatchesTheCppMetrics) {
  const auto bytes = small_piece_bytes();
  char* json = nullptr;
  ASSERT_C_OK(emopiano_metrics_bytes_json(&json, bytes.data(), bytes.size(), nullptr));
  Owned<char> owned(json);
  const auto expected = emopiano::compute_metrics(emopiano::read_midi_bytes(bytes.data(), bytes.size())).to_json();
  EXPECT_EQ(std::string(json), expected);
  const auto parsed = nlohmann::json::parse(json);
  EXPECT_EQ(parsed.at("notes").get<int>(), 24);

  const auto dir = emopiano::test::temp_dir("capi-metrics");
  const auto path = dir / "piece.mid";
  emopiano::capi_test::write_bytes(path, bytes);
  char* from_file = nullptr;
  ASSERT_C_OK(emopiano_metrics_file_json(&from_file, path.c_str(), nullptr));
  Owned<char> owned_file(from_file);
  EXPECT_STREQ(from_file, json);
}

TEST(CapiMetrics, Errors) {
  char* json = reinterpret_cast<char*>(0x1);
  const uint8_t corrupt[] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1, 0, 1};
  EXPECT_EQ(emopiano_metrics_bytes_json(&json, corrupt, sizeof corrupt, nullptr), EMOPIANO_ERROR_FORMAT);
  EXPECT_EQ(json, nullptr);
  EXPECT_C_ERROR(emopiano_metrics_file_json(&json, "/nonexistent/a.mid", nullptr), EMOPIANO_ERROR_IO,
                 "/nonexistent/a.mid");
  EXPECT_C_ERROR(emopiano_metrics_file_json(nullptr, "/nonexistent/a.mid", nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT,
                 "out_json");
  EXPECT_C_ERROR(emopiano_metrics_bytes_json(&json, nullptr, 4, nullptr), EMOPIANO_ERROR_INVALID_ARGUMENT, "midi_data");
}

TEST(CapiAudio, ParamsDefaultsAndChecks) {
  emopiano_render_params params;
  ASSERT_C_OK(emopiano_render_params_init(&params, sizeof params));
  const emopiano::RenderOptions defaults;
  EXPECT_EQ(params.sample_rate, defaults.sample_rate);
  EXPECT_DOUBLE_EQ(params.gain, defaults.gain);
  EXPECT_EQ(params.soundfont, nullptr);

  const auto bytes = small_piece_bytes();
  const auto dir = emopiano::test::temp_dir("capi-audio");
  const auto wav = (dir / "out.wav").string();
  params.program = 128;
  EXPECT_C_ERROR(emopiano_render_wav_bytes(bytes.data(), bytes.size(), wav.c_str(), &params),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "program");
  ASSERT_C_OK(emopiano_render_params_init(&params, sizeof params));
  params.tail_seconds = -1;
  EXPECT_C_ERROR(emopiano_render_wav_bytes(bytes.data(), bytes.size(), wav.c_str(), &params),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "tail_seconds");
  ASSERT_C_OK(emopiano_render_params_init(&params, sizeof params));
  params.soundfont = "/nonexistent/piano.sf2";
  EXPECT_NE(emopiano_render_wav_bytes(bytes.data(), bytes.size(), wav.c_str(), &params), EMOPIANO_OK);
  EXPECT_C_ERROR(emopiano_render_wav_bytes(bytes.data(), bytes.size(), nullptr, nullptr),
                 EMOPIANO_ERROR_INVALID_ARGUMENT, "wav_path");
  EXPECT_FALSE(std::filesystem::exists(wav));
}

TEST(CapiAudio, RendersAWavFile) {
  if (!emopiano_audio_available()) EMOPIANO_MISSING("FluidSynth (this build has no audio)");
  bool have_soundfont = true;
  try {
    emopiano::find_soundfont();
  } catch (const emopiano::Error&) {
    have_soundfont = false;
  }
  if (!have_soundfont) EMOPIANO_MISSING("a General MIDI SoundFont");
  const auto bytes = small_piece_bytes();
  const auto dir = emopiano::test::temp_dir("capi-audio");
  const auto midi = dir / "piece.mid";
  emopiano::capi_test::write_bytes(midi, bytes);
  emopiano_render_params params;
  ASSERT_C_OK(emopiano_render_params_init(&params, sizeof params));
  params.sample_rate = 22050;
  const auto wav = (dir / "piece.wav").string();
  ASSERT_C_OK(emopiano_render_wav_file(midi.c_str(), wav.c_str(), &params));
  const auto data = emopiano::capi_test::read_bytes(wav);
  ASSERT_GT(data.size(), 44u);
  EXPECT_EQ(std::string(data.begin(), data.begin() + 4), "RIFF");
  // The last note ends at 3.75 s, then the 1.5 s tail; stereo 16-bit at 22050 Hz.
  const double seconds = static_cast<double>(data.size() - 44) / (22050 * 2 * 2);
  EXPECT_NEAR(seconds, 5.25, 0.05);
}

}  // namespace
