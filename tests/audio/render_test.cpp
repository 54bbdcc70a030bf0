// Rendering through FluidSynth: audible, the right length, and clear errors.
#include <cmath>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "emopiano/audio.hpp"
#include "emopiano/error.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

Score two_chords() {
  Score s;
  s.ticks_per_beat = 480;
  s.tempos = {TempoChange{0, 0.0, 120.0}};
  s.time_signatures = {TimeSignature{0, 4, 4}};
  for (int p : {60, 64, 67}) s.notes.push_back(Note{p, 90, 0, 960, 0, 0, 0});     // 1 s
  for (int p : {57, 60, 64}) s.notes.push_back(Note{p, 70, 960, 1920, 0, 0, 0});  // 1 s
  s.normalize();
  s.update_seconds();
  return s;
}

double rms(const std::vector<float>& x, size_t from, size_t to) {
  double acc = 0;
  for (size_t i = from; i < to; ++i) acc += static_cast<double>(x[i]) * x[i];
  return std::sqrt(acc / std::max<size_t>(1, to - from));
}

class Render : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!audio_rendering_available()) EMOPIANO_MISSING("FluidSynth (this build has no audio)");
    try {
      find_soundfont();
    } catch (const Error&) {
      EMOPIANO_MISSING("a General MIDI SoundFont");
    }
  }
};

TEST_F(Render, ShortPieceIsAudibleAndHasTheRightLength) {
  RenderOptions o;
  o.sample_rate = 22050;
  o.tail_seconds = 1.0;
  AudioBuffer a = render_audio(two_chords(), o);
  EXPECT_EQ(a.channels, 2);
  EXPECT_EQ(a.sample_rate, 22050);
  EXPECT_NEAR(a.seconds(), 3.0, 1.0 / 22050 * 2);
  // Sound while the chords play, and much less at the very end of the tail.
  size_t one_second = 2 * 22050;
  double playing = rms(a.samples, 0, 2 * one_second);
  EXPECT_GT(playing, 0.01);
  double end = rms(a.samples, a.samples.size() - one_second / 10, a.samples.size());
  EXPECT_LT(end, playing / 4);
}

TEST_F(Render, SilentScoreRendersSilence) {
  Score s = two_chords();
  s.notes.clear();
  RenderOptions o;
  o.tail_seconds = 0.5;
  AudioBuffer a = render_audio(s, o);
  EXPECT_NEAR(a.seconds(), 0.5, 1e-3);
  EXPECT_LT(rms(a.samples, 0, a.samples.size()), 1e-4);
}

TEST_F(Render, WavFileHeaderAndSize) {
  auto path = test::temp_dir("render") / "two chords.wav";
  RenderOptions o;
  o.sample_rate = 16000;
  o.tail_seconds = 0.25;
  render_wav_file(two_chords(), path, o);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GE(bytes.size(), 44u);
  EXPECT_EQ(bytes.substr(0, 4), "RIFF");
  EXPECT_EQ(bytes.substr(8, 8), "WAVEfmt ");
  auto u32 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) |
           static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 8 |
           static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3])) << 24;
  };
  EXPECT_EQ(u32(24), 16000u);
  EXPECT_EQ(u32(40), bytes.size() - 44);
  EXPECT_EQ(bytes.size() - 44, static_cast<size_t>(2 * 2 * 16000 * 2.25));
  // No temporary file left beside it.
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(path.parent_path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST_F(Render, BadOptionsAndMissingSoundFontAreClearErrors) {
  RenderOptions o;
  o.sample_rate = 10;
  EXPECT_THROW(render_audio(two_chords(), o), Error);
  RenderOptions missing;
  missing.soundfont = "/nonexistent/piano.sf2";
  try {
    render_audio(two_chords(), missing);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/piano.sf2"), std::string::npos);
  }
  auto bogus = test::temp_dir("render") / "bogus.sf2";
  std::ofstream(bogus) << "not a soundfont";
  RenderOptions bad;
  bad.soundfont = bogus;
  try {
    render_audio(two_chords(), bad);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
  }
}

}  // namespace
}  // namespace emopiano
