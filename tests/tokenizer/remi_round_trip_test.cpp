#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "emopiano/midi.hpp"
#include "emopiano/tokenizer.hpp"
#include "round_trip_check.hpp"
#include "support/test_support.hpp"
#include "tokenizer_fixtures.hpp"

namespace emopiano {
namespace {

TEST(RemiRoundTrip, RandomScoresKeepNotesOnsetsAndBins) {
  std::mt19937 rng(31337);
  std::vector<TokenizerConfig> configs;
  for (const auto& c : test::test_configs())
    if (!c.use_time_signature) configs.push_back(c);
  ASSERT_FALSE(configs.empty());
  for (const auto& config : configs) {
    auto tok = Tokenizer::create(config);
    test::RoundTripReport total;
    for (int i = 0; i < 400; ++i) {
      Score s = test::random_score(rng);
      auto r = test::check_round_trip(*tok, s);
      ASSERT_TRUE(r.problems.empty()) << r.problems;
      total.add(r);
    }
    // The generator puts notes just before bar lines and on shared cells, so
    // both special cases were exercised.
    EXPECT_GT(total.onsets_clamped, 0);
    EXPECT_GT(total.notes_in, total.notes_expected);
  }
}

// Figures for docs/tokenizer.md, and the round-trip requirement on real data:
// every EMOPIA clip decodes with the same notes (after merging same-pitch notes
// on one grid cell), onsets within half a step (within one step for the few
// in the last half step of a bar), exact pitches, velocity and duration within
// one bin, zero invalid tokens, and the grammar accepts every token.
TEST(EmopiaRoundTrip, EveryClip) {
  EMOPIANO_NEED_EMOPIA();
  TokenizerConfig file_grid;  // the files' own ticks, which the checks compare with
  file_grid.grid = "score";
  auto tok = Tokenizer::create(file_grid);
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(test::emopia_midis()))
    if (e.path().extension() == ".mid") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 1000u);

  std::map<std::string, std::vector<int64_t>> tokens;  // per quadrant and "all"
  test::RoundTripReport total;
  EncodeStats stats_total;
  int failures = 0;
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    auto q = parse_quadrant(name.substr(0, 2));
    ASSERT_TRUE(q.has_value()) << name;
    Score s = read_midi_file(path);  // pedal kept as events, notes not lengthened

    EncodeStats stats;
    auto ids = tok->encode(s, q, &stats);
    auto g = tok->grammar();
    for (size_t k = 0; k < ids.size(); ++k)
      ASSERT_TRUE(g->advance(ids[k])) << name << ": grammar refuses token " << k << " " << tok->token_to_string(ids[k]);
    ASSERT_TRUE(g->finished()) << name;
    stats_total.notes_in += stats.notes_in;
    stats_total.pitch_out_of_range += stats.pitch_out_of_range;
    stats_total.notes_merged += stats.notes_merged;
    stats_total.durations_clipped += stats.durations_clipped;
    stats_total.onsets_clamped += stats.onsets_clamped;
    stats_total.pedal_events_dropped += stats.pedal_events_dropped;
    stats_total.tempo_events_dropped += stats.tempo_events_dropped;

    auto r = test::check_round_trip(*tok, s, q);
    if (!r.problems.empty() && ++failures <= 5) ADD_FAILURE() << name << ": " << r.problems.substr(0, 500);
    EXPECT_EQ(r.notes_in - r.notes_expected, stats.notes_merged) << name;
    EXPECT_EQ(r.onsets_clamped, stats.onsets_clamped) << name;
    total.add(r);
    tokens["all"].push_back(r.tokens);
    tokens[quadrant_name(*q)].push_back(r.tokens);
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(total.invalid_tokens, 0);

  // Speed of what runs per generated token (mask, then advance), and of
  // encoding and decoding, over every clip.
  std::vector<std::vector<int32_t>> sequences;
  std::vector<Score> scores;
  for (const auto& path : files) scores.push_back(read_midi_file(path));
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& s : scores) sequences.push_back(tok->encode(s, Quadrant::Q1));
  auto t1 = std::chrono::steady_clock::now();
  size_t decoded_notes = 0;
  for (const auto& ids : sequences) decoded_notes += tok->decode(ids).notes.size();
  auto t2 = std::chrono::steady_clock::now();
  std::vector<uint8_t> mask(static_cast<size_t>(tok->vocab_size()));
  int64_t allowed_count = 0, token_count = 0;
  for (const auto& ids : sequences) {
    auto g = tok->grammar();
    for (int32_t id : ids) {
      g->allowed(mask.data());
      allowed_count += mask[static_cast<size_t>(id)];
      g->advance(id);
      ++token_count;
    }
  }
  auto t3 = std::chrono::steady_clock::now();
  EXPECT_EQ(allowed_count, token_count);
  EXPECT_EQ(static_cast<int64_t>(decoded_notes), total.notes_decoded);
  auto ns_per_token = [&](auto a, auto b) {
    return std::chrono::duration<double, std::nano>(b - a).count() / static_cast<double>(token_count);
  };

  std::string out = fmt::format("\nEMOPIA tokenizer figures (REMI, default config, vocabulary {} tokens, {} clips)\n\n",
                                tok->vocab_size(), files.size());
  out += "| clips | tokens per clip: mean | median | min | max |\n|---|---|---|---|---|\n";
  for (const char* key : {"all", "Q1", "Q2", "Q3", "Q4"}) {
    auto v = tokens[key];
    std::sort(v.begin(), v.end());
    double mean = 0;
    for (auto t : v) mean += static_cast<double>(t);
    mean /= static_cast<double>(v.size());
    double median = v.size() % 2 ? static_cast<double>(v[v.size() / 2]) : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2.0;
    out += fmt::format("| {} ({}) | {:.0f} | {:.0f} | {} | {} |\n", key, v.size(), mean, median, v.front(), v.back());
  }
  const double expected = static_cast<double>(total.notes_expected);
  out += "\n| round trip | value |\n|---|---|\n";
  out += fmt::format("| notes read (in piano range) | {} ({} out of range) |\n", total.notes_in,
                     stats_total.pitch_out_of_range);
  out += fmt::format(
      "| notes merged (same pitch, same grid cell) | {} ({:.2f}%) |\n", total.notes_in - total.notes_expected,
      100.0 * static_cast<double>(total.notes_in - total.notes_expected) / static_cast<double>(total.notes_in));
  out += fmt::format("| notes decoded / expected | {} / {} |\n", total.notes_decoded, total.notes_expected);
  out += fmt::format("| onset error, mean (steps) | {:.3f} |\n",
                     total.onset_error_sum / static_cast<double>(total.notes_in));
  out += fmt::format("| onset error, max (steps, outside the last half step of a bar) | {:.3f} |\n",
                     total.onset_error_max);
  out += fmt::format(
      "| onsets in the last half step of a bar (kept in the bar) | {} ({:.2f}%), max error {:.3f} steps |\n",
      total.onsets_clamped, 100.0 * static_cast<double>(total.onsets_clamped) / static_cast<double>(total.notes_in),
      total.clamped_error_max);
  out += fmt::format("| velocity bin error, mean / max | {:.4f} / {} |\n",
                     static_cast<double>(total.velocity_bin_error_sum) / expected, total.velocity_bin_error_max);
  out += fmt::format("| duration bin error, mean / max | {:.4f} / {} |\n",
                     static_cast<double>(total.duration_bin_error_sum) / expected, total.duration_bin_error_max);
  out += fmt::format("| durations clipped to {} steps | {} ({:.2f}%) |\n", tok->config().max_duration_steps,
                     total.durations_clipped, 100.0 * static_cast<double>(total.durations_clipped) / expected);
  out +=
      fmt::format("| pedal events dropped (no change at grid resolution) | {} |\n", stats_total.pedal_events_dropped);
  out += fmt::format("| invalid tokens when decoding | {} |\n", total.invalid_tokens);
  out += fmt::format("\nper token: encode {:.0f} ns, decode {:.0f} ns, grammar allowed() + advance() {:.0f} ns\n",
                     ns_per_token(t0, t1), ns_per_token(t1, t2), ns_per_token(t2, t3));
  std::fputs(out.c_str(), stdout);
}

// The optional families on real data: chord and metre tokens, still exact
// round trips and grammar-accepted sequences.
TEST(EmopiaRoundTrip, ChordsAndTimeSignatures) {
  EMOPIANO_NEED_EMOPIA();
  TokenizerConfig c;
  c.use_chords = true;
  c.use_time_signature = true;
  c.grid = "score";
  auto tok = Tokenizer::create(c);
  int64_t tokens = 0, chords = 0, cells = 0, clips = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::emopia_midis())) {
    if (e.path().extension() != ".mid") continue;
    Score s = read_midi_file(e.path());
    bool common_time = true;
    for (const auto& ts : s.time_signatures) common_time &= ts.numerator == 4 && ts.denominator == 4;
    auto ids = tok->encode(s);
    auto g = tok->grammar();
    for (int32_t id : ids) ASSERT_TRUE(g->advance(id)) << e.path() << " " << tok->token_to_string(id);
    if (common_time) {  // the checker lays out 4/4 bars
      auto r = test::check_round_trip(*tok, s);
      ASSERT_TRUE(r.problems.empty()) << e.path() << ": " << r.problems.substr(0, 500);
    }
    ++clips;
    tokens += static_cast<int64_t>(ids.size());
    for (int32_t id : ids) {
      std::string t = tok->token_to_string(id);
      chords += t.rfind("Chord_", 0) == 0;
      cells += t.rfind("Position_", 0) == 0;
    }
  }
  ASSERT_GT(clips, 1000);
  EXPECT_GT(chords, 0);
  std::fputs(fmt::format("\nwith Chord and TimeSig tokens: vocabulary {}, {:.0f} tokens per clip, "
                         "{:.1f}% of grid cells carry a Chord token\n",
                         tok->vocab_size(), static_cast<double>(tokens) / static_cast<double>(clips),
                         100.0 * static_cast<double>(chords) / static_cast<double>(cells))
                 .c_str(),
             stdout);
}

}  // namespace
}  // namespace emopiano
