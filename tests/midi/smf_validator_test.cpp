#include <gtest/gtest.h>

#include <glib.h>  // before smf.h, which includes it inside extern "C"
#include <smf.h>

#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "midi/libsmf_log.hpp"
#include "midi/smf_bytes.hpp"
#include "midi/smf_validator.hpp"

namespace emopiano {
namespace {

using test::smf_bytes;
using test::TrackBytes;

// Expects validate_smf to throw `code` with every fragment in the message.
void expect_rejected(const std::vector<uint8_t>& bytes, std::initializer_list<const char*> fragments,
                     ErrorCode code = ErrorCode::format) {
  try {
    validate_smf(bytes.data(), bytes.size(), "song.mid");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("song.mid: ", 0), 0u) << what;
    for (const char* f : fragments) EXPECT_NE(what.find(f), std::string::npos) << "'" << f << "' not in: " << what;
  }
  // And the reader never gets past the validator with them.
  EXPECT_THROW(read_midi_bytes(bytes.data(), bytes.size()), Error);
}

TrackBytes simple_track() {
  TrackBytes t;
  t.on(0, 60).off(10, 60).end();
  return t;
}

TEST(SmfValidator, AcceptsWellFormedFile) {
  const auto bytes = smf_bytes(1, 480, {simple_track(), simple_track()});
  EXPECT_NO_THROW(validate_smf(bytes.data(), bytes.size(), "song.mid"));
}

TEST(SmfValidator, RejectsFormat2AsUnsupported) {
  expect_rejected(smf_bytes(2, 480, {simple_track()}), {"format 2"}, ErrorCode::unsupported);
}

TEST(SmfValidator, RejectsUnknownFormat) { expect_rejected(smf_bytes(7, 480, {simple_track()}), {"format 7"}); }

TEST(SmfValidator, RejectsSmpteDivisionAsUnsupported) {
  expect_rejected(smf_bytes(0, 0xE728, {simple_track()}), {"SMPTE"}, ErrorCode::unsupported);
}

TEST(SmfValidator, RejectsZeroTicksPerBeat) {
  expect_rejected(smf_bytes(0, 0, {simple_track()}), {"0 ticks per beat"});
}

TEST(SmfValidator, RejectsNoTracksDeclared) { expect_rejected(smf_bytes(1, 480, {}, 0), {"no tracks"}); }

TEST(SmfValidator, RejectsFewerTracksThanDeclared) {
  expect_rejected(smf_bytes(1, 480, {simple_track()}, 3), {"declares 3 tracks but the file holds 1"});
}

TEST(SmfValidator, RejectsFormat0WithTwoTracks) {
  expect_rejected(smf_bytes(0, 480, {simple_track(), simple_track()}), {"format 0 file declares 2 tracks"});
}

TEST(SmfValidator, RejectsShortHeaderLength) {
  auto bytes = smf_bytes(0, 480, {simple_track()});
  bytes[7] = 5;
  expect_rejected(bytes, {"MThd length 5"});
}

TEST(SmfValidator, AcceptsLongerHeaderAndSkipsForeignChunks) {
  // MThd of 8 bytes (2 reserved), then an unknown chunk, then the track.
  auto bytes = smf_bytes(0, 96, {simple_track()});
  bytes[7] = 8;
  bytes.insert(bytes.begin() + 14, {0, 0});
  const std::vector<uint8_t> alien{'X', 'F', 'I', 'H', 0, 0, 0, 3, 1, 2, 3};
  bytes.insert(bytes.begin() + 16, alien.begin(), alien.end());
  EXPECT_NO_THROW(validate_smf(bytes.data(), bytes.size(), "song.mid"));
  Score s = read_midi_bytes(bytes.data(), bytes.size());
  EXPECT_EQ(s.notes.size(), 1u);
  EXPECT_EQ(s.ticks_per_beat, 96);
}

TEST(SmfValidator, RejectsChunkLengthPastEndOfFile) {
  auto bytes = smf_bytes(0, 480, {simple_track()});
  bytes[21] = 0x7F;  // low byte of the MTrk length
  expect_rejected(bytes, {"at byte 14", "chunk length", "runs past the end of the file"});
}

TEST(SmfValidator, RejectsVlqLongerThanFourBytes) {
  TrackBytes t;
  t.on(0, 60).raw({0x81, 0x82, 0x83, 0x84, 0x05, 0x80, 60, 0}).end();
  // Track 1 starts at byte 22; the bad delta follows the 4-byte note-on.
  expect_rejected(smf_bytes(0, 480, {t}), {"track 1 at byte 26", "longer than 4 bytes"});
}

TEST(SmfValidator, RejectsMissingEndOfTrack) {
  TrackBytes t;
  t.on(0, 60).off(10, 60);
  expect_rejected(smf_bytes(0, 480, {t}), {"no end-of-track"});
}

TEST(SmfValidator, ToleratesBytesAfterEndOfTrack) {
  TrackBytes t = simple_track();
  t.raw({0x00, 0x90, 0x3C});  // cut-off garbage, ignored like libsmf does
  const auto bytes = smf_bytes(0, 480, {t});
  EXPECT_NO_THROW(validate_smf(bytes.data(), bytes.size(), "song.mid"));
  EXPECT_EQ(read_midi_bytes(bytes.data(), bytes.size()).notes.size(), 1u);
}

TEST(SmfValidator, RejectsRunningStatusAfterMeta) {
  TrackBytes t;
  t.event(0, {0x90, 60, 80}).event(0, {0xFF, 0x01, 1, 'a'}).raw({0x05, 60, 0}).end();
  expect_rejected(smf_bytes(0, 480, {t}), {"without a running status"});
}

TEST(SmfValidator, RejectsDataByteWithoutAnyStatus) {
  TrackBytes t;
  t.raw({0x00, 60, 80}).end();
  expect_rejected(smf_bytes(0, 480, {t}), {"data byte 0x3C without a running status"});
}

TEST(SmfValidator, RejectsDataByteWithTopBitSet) {
  TrackBytes t;
  t.event(0, {0x90, 60, 0xC0}).end();
  expect_rejected(smf_bytes(0, 480, {t}), {"top bit set"});
}

TEST(SmfValidator, RejectsChannelMessageCutShort) {
  TrackBytes t;
  t.event(0, {0x90, 60});
  expect_rejected(smf_bytes(0, 480, {t}), {"cut short"});
}

TEST(SmfValidator, RejectsMetaPastEndOfTrack) {
  TrackBytes t;
  t.event(0, {0xFF, 0x03, 20, 'a', 'b'});
  expect_rejected(smf_bytes(0, 480, {t}), {"meta event 0x03 of 20 bytes runs past the end of the track"});
}

TEST(SmfValidator, RejectsLongMetaLibsmfMisreads) {
  TrackBytes t;
  t.event(0, {0xFF, 0x01, 0x81, 0x00});
  for (int i = 0; i < 128; ++i) t.raw({'x'});
  t.end();
  expect_rejected(smf_bytes(0, 480, {t}), {"128 bytes or more"});
}

TEST(SmfValidator, RejectsBadTempoAndTimeSignatureLengths) {
  TrackBytes tempo;
  tempo.event(0, {0xFF, 0x51, 2, 7, 0xA1}).end();
  expect_rejected(smf_bytes(0, 480, {tempo}), {"tempo event with length 2"});
  TrackBytes zero_tempo;
  zero_tempo.event(0, {0xFF, 0x51, 3, 0, 0, 0}).end();
  expect_rejected(smf_bytes(0, 480, {zero_tempo}), {"tempo of 0"});
  TrackBytes sig;
  sig.event(0, {0xFF, 0x58, 3, 4, 2, 24}).end();
  expect_rejected(smf_bytes(0, 480, {sig}), {"time signature event with length 3"});
  TrackBytes eot;
  eot.event(0, {0xFF, 0x2F, 1, 0});
  expect_rejected(smf_bytes(0, 480, {eot}), {"end-of-track event with length 1"});
}

TEST(SmfValidator, SysexLengthsChecked) {
  TrackBytes ok;
  ok.event(0, {0xF0, 3, 0x43, 0x12, 0xF7}).on(0, 60).off(5, 60).end();
  const auto good = smf_bytes(0, 480, {ok});
  EXPECT_NO_THROW(validate_smf(good.data(), good.size(), "song.mid"));
  EXPECT_EQ(read_midi_bytes(good.data(), good.size()).notes.size(), 1u);
  TrackBytes bad;
  bad.event(0, {0xF0, 0x40, 0x43});
  expect_rejected(smf_bytes(0, 480, {bad}), {"sysex of 64 bytes runs past"});
}

TEST(SmfValidator, RejectsEscapedAndSystemEvents) {
  TrackBytes escaped;
  escaped.event(0, {0xF7, 0}).end();  // libsmf asserts on this one
  expect_rejected(smf_bytes(0, 480, {escaped}), {"escaped (0xF7)"});
  TrackBytes clock;
  clock.event(0, {0xF8}).end();
  expect_rejected(smf_bytes(0, 480, {clock}), {"system message 0xF8"});
}

TEST(SmfValidator, RejectsTracksLongerThanLibsmfCanCount) {
  TrackBytes t;
  // 0x0FFFFFFF is the largest delta; nine of them overflow libsmf's int ticks,
  // and two already make a track that could not be written again.
  for (int i = 0; i < 9; ++i) t.event(0x0FFFFFFF, {0x90, 60, 0});
  t.end();
  expect_rejected(smf_bytes(0, 480, {t}), {"track longer than"});
  TrackBytes longest;
  longest.on(0, 60).event(midi::kMaxTrackTicks, {0xFF, 0x2F, 0});  // unreleased: ends one tick later
  const auto bytes = smf_bytes(0, 480, {longest});
  const Score s = read_midi_bytes(bytes.data(), bytes.size());
  ASSERT_EQ(s.notes.size(), 1u);
  const auto again = write_midi_bytes(s);
  EXPECT_EQ(read_midi_bytes(again.data(), again.size()).notes.at(0).end_tick, midi::kMaxTrackTicks);
  TrackBytes too_long;
  too_long.on(0, 60).event(midi::kMaxTrackTicks + 1, {0xFF, 0x2F, 0});
  expect_rejected(smf_bytes(0, 480, {too_long}), {"track longer than"});
}

TEST(SmfValidator, CanonicalBytesDropForeignChunksAndTrailingData) {
  auto bytes = smf_bytes(1, 480, {simple_track(), simple_track()});
  const std::vector<uint8_t> junk{'J', 'U', 'N', 'K', 0, 0, 0, 1, 9, 0xde, 0xad};
  bytes.insert(bytes.end(), junk.begin(), junk.end());
  const auto layout = midi::check_smf_layout(bytes.data(), bytes.size(), "x");
  ASSERT_EQ(layout.tracks.size(), 2u);
  const auto canonical = midi::canonical_smf(bytes.data(), layout);
  EXPECT_EQ(canonical, smf_bytes(1, 480, {simple_track(), simple_track()}));
}

TEST(SmfValidator, LibsmfMessagesAreCapturedNotPrinted) {
  midi::begin_libsmf_capture();
  // Format 0 with two tracks: libsmf logs a critical message and refuses.
  smf_t* smf = smf_new();
  ASSERT_NE(smf, nullptr);
  smf_add_track(smf, smf_track_new());
  smf_add_track(smf, smf_track_new());
  EXPECT_NE(smf_set_format(smf, 0), 0);
  smf_delete(smf);
  EXPECT_NE(midi::libsmf_messages().find("more than one track"), std::string::npos) << midi::libsmf_messages();
}

}  // namespace
}  // namespace emopiano
