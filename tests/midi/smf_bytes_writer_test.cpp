// The in-memory SMF writer against libsmf's smf_save, which wrote every MIDI
// file before it: the same events give the same bytes, for made-up scores and
// for every EMOPIA clip read back and written again. And neither entry point
// needs a temporary directory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include <smf.h>
#include <sys/stat.h>

#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "midi/midi_writer.hpp"
#include "support/test_support.hpp"

namespace emopiano {
namespace {

// What libsmf writes for the writer's own events.
std::vector<uint8_t> libsmf_bytes(const Score& score) {
  smf_t* smf = smf_new();
  smf_set_ppqn(smf, score.ticks_per_beat);
  for (const auto& events : midi::score_tracks(score)) {
    smf_track_t* track = smf_track_new();
    smf_add_track(smf, track);
    for (const auto& e : events) {
      smf_event_t* event =
          smf_event_new_from_pointer(const_cast<uint8_t*>(e.bytes.data()), static_cast<int>(e.bytes.size()));
      smf_track_add_event_pulses(track, event, static_cast<int>(e.tick));
    }
  }
  smf_set_format(smf, 1);
  const auto path = test::temp_dir("libsmf-reference") / "reference.mid";
  const int rc = smf_save(smf, path.c_str());
  smf_delete(smf);
  EXPECT_EQ(rc, 0);
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Score random_score(uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Score s;
  s.ticks_per_beat = pick(0, 3) == 0 ? pick(1, 0x7FFF) : 480;
  s.tempos = {{0, 0.0, 40.0 + pick(0, 160)}};
  for (int i = 0, n = pick(0, 3); i < n; ++i) s.tempos.push_back({pick(1, 200000), 0.0, 30.0 + pick(0, 200)});
  s.time_signatures = {{0, pick(1, 12), 1 << pick(0, 4)}};
  for (int i = 0, n = pick(0, 400); i < n; ++i) {
    Note note;
    note.pitch = pick(0, 127);
    note.velocity = pick(1, 127);
    note.start_tick = pick(0, 100000) * (pick(0, 20) == 0 ? 100 : 1);  // some long deltas (4-byte VLQ)
    note.end_tick = note.start_tick + pick(0, 2000);
    s.notes.push_back(note);
  }
  for (int i = 0, n = pick(0, 30); i < n; ++i) s.pedal.push_back({pick(0, 100000), 0.0, pick(0, 1) == 1, pick(0, 127)});
  s.normalize();
  return s;
}

TEST(SmfBytesWriter, SameBytesAsLibsmfForRandomScores) {
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    const Score s = random_score(seed);
    ASSERT_EQ(write_midi_bytes(s), libsmf_bytes(s)) << "seed " << seed;
  }
  Score empty;  // no notes at all: only the header and two short tracks
  EXPECT_EQ(write_midi_bytes(empty), libsmf_bytes(empty));
}

TEST(SmfBytesWriter, SameBytesAsLibsmfForEveryEmopiaClip) {
  EMOPIANO_NEED_EMOPIA();
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::emopia_midis())) {
    if (entry.path().extension() != ".mid") continue;
    const Score s = read_midi_file(entry.path());
    ASSERT_EQ(write_midi_bytes(s), libsmf_bytes(s)) << entry.path();
    ++files;
  }
  EXPECT_GE(files, 1000);
}

TEST(SmfBytesWriter, FileHoldsExactlyTheBytes) {
  const Score s = random_score(7);
  const auto path = test::temp_dir("smf-file") / "piece.mid";
  write_midi_file(s, path);
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(file, write_midi_bytes(s));
}

TEST(SmfBytesWriter, BytesNeedNoTemporaryDirectory) {
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  setenv("TMPDIR", "/nonexistent/emopiano-no-such-dir", 1);
  std::vector<uint8_t> bytes;
  EXPECT_NO_THROW(bytes = write_midi_bytes(random_score(3)));
  EXPECT_NO_THROW(read_midi_bytes(bytes.data(), bytes.size()));
  if (old)
    setenv("TMPDIR", saved.c_str(), 1);
  else
    unsetenv("TMPDIR");
}

TEST(SmfBytesWriter, RejectsTicksGoingBackwards) {
  std::vector<std::vector<midi::SmfEvent>> tracks = {{{10, {0x90, 60, 64}}, {5, {0x80, 60, 64}}}};
  try {
    midi::smf_bytes(1, 480, tracks);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
}

}  // namespace
}  // namespace emopiano
