// The live session with tiny untrained models: the emotion each bar is fed,
// replay, cancellation, the sliding window, keys, bounded memory.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>
#include <tuple>

#include <unistd.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/session.hpp"
#include "sample/note_keys.hpp"
#include "sample/session_impl.hpp"

namespace emopiano {
namespace {

Model tiny(int context_length, bool use_key = false, int d_model = 32) {
  ModelConfig c;
  c.n_layers = 2;
  c.d_model = d_model;
  c.n_heads = 2;
  c.d_ff = 2 * d_model;
  c.context_length = context_length;
  c.max_bars = 16;
  TokenizerConfig t;
  t.use_key = use_key;
  return Model::create(c, t, 3);
}

const Model& small_context() {
  static const Model model = tiny(64);
  return model;
}

SessionOptions options(uint64_t seed, const char* emotion = "happy") {
  SessionOptions o;
  o.emotion = EmotionMix::parse(emotion);
  o.params.seed = seed;
  o.params.top_p = 1.0f;
  return o;
}

std::vector<test::NoteKey> keys(const SessionBar& bar) { return test::note_keys(bar.notes); }

// Bars with set_emotion(change.second) called before bar change.first.
std::vector<SessionBar> play(const Model& model, const SessionOptions& o, int bars,
                             const std::vector<std::pair<int, const char*>>& changes) {
  GenerationSession session(model, o);
  std::vector<SessionBar> out;
  for (int b = 0; b < bars; ++b) {
    for (const auto& c : changes)
      if (c.first == b) session.set_emotion(EmotionMix::parse(c.second));
    out.push_back(session.next_bar());
  }
  return out;
}

TEST(GenerationSession, SetEmotionTakesEffectAtTheNextBar) {
  GenerationSession session(small_context(), options(1, "happy"));
  const int32_t bar_token = small_context().tokenizer().bar_id();
  std::vector<FedToken> fed;
  impl_of(session).observer = [&](const FedToken& t) { fed.push_back(t); };
  const auto q1 = EmotionMix::parse("happy").probabilities();
  const auto q3 = EmotionMix::parse("sad").probabilities();
  for (int b = 0; b < 6; ++b) {
    if (b == 3) session.set_emotion(EmotionMix::parse("sad"));
    fed.clear();
    const SessionBar bar = session.next_bar();
    ASSERT_FALSE(fed.empty());
    EXPECT_EQ(fed.front().token, bar_token) << "a bar's first fed token is its Bar";
    EXPECT_EQ(static_cast<int64_t>(fed.size()), bar.tokens);
    for (const auto& t : fed) EXPECT_EQ(t.emotion, b < 3 ? q1 : q3) << "bar " << b << " token " << t.index;
    EXPECT_EQ(bar.emotion.probabilities(), b < 3 ? q1 : q3);
  }
}

TEST(GenerationSession, ReplayingTheSameSeedAndCallsGivesTheSameBars) {
  const std::vector<std::pair<int, const char*>> calls = {{2, "sad"}, {5, "0.1,0.6,0.2,0.1"}, {7, "va:0.5,-0.5"}};
  const auto a = play(small_context(), options(9), 10, calls);
  const auto b = play(small_context(), options(9), 10, calls);
  ASSERT_EQ(a.size(), b.size());
  bool any_notes = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(keys(a[i]), keys(b[i])) << "bar " << i;
    EXPECT_EQ(a[i].start_tick, b[i].start_tick);
    EXPECT_EQ(a[i].tokens, b[i].tokens);
    any_notes = any_notes || !a[i].notes.empty();
  }
  EXPECT_TRUE(any_notes);
  // A different seed, or the same change at another bar, is another piece.
  const auto other_seed = play(small_context(), options(10), 10, calls);
  const auto later = play(small_context(), options(9), 10, {{3, "sad"}, {5, "0.1,0.6,0.2,0.1"}, {7, "va:0.5,-0.5"}});
  bool seed_differs = false, timing_differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    seed_differs = seed_differs || keys(a[i]) != keys(other_seed[i]);
    timing_differs = timing_differs || keys(a[i]) != keys(later[i]);
  }
  EXPECT_TRUE(seed_differs);
  EXPECT_TRUE(timing_differs);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(keys(a[static_cast<size_t>(i)]), keys(later[static_cast<size_t>(i)])) << "bars before the change";
}

TEST(GenerationSession, BarsFollowOneAnotherOnOneClock) {
  GenerationSession session(small_context(), options(4));
  SessionBar previous = session.next_bar();
  EXPECT_EQ(previous.index, 0);
  EXPECT_EQ(previous.start_tick, 0);
  EXPECT_EQ(previous.start_seconds, 0.0);
  for (int b = 1; b < 40; ++b) {
    const SessionBar bar = session.next_bar();
    EXPECT_EQ(bar.index, b);
    EXPECT_EQ(bar.start_tick, previous.end_tick);
    EXPECT_NEAR(bar.start_seconds, previous.end_seconds, 1e-9);
    EXPECT_GT(bar.end_tick, bar.start_tick);
    ASSERT_FALSE(bar.tempos.empty());
    EXPECT_EQ(bar.tempos.front().tick, bar.start_tick);
    EXPECT_EQ(bar.bpm, bar.tempos.front().bpm);
    for (const auto& n : bar.notes) {
      EXPECT_GE(n.start_tick, bar.start_tick);
      EXPECT_LT(n.start_tick, bar.end_tick);
      EXPECT_GE(n.start_seconds, bar.start_seconds - 1e-9);
    }
    previous = bar;
  }
  EXPECT_EQ(session.bars_written(), 40);
}

TEST(GenerationSession, CancellingMidBarLeavesTheSessionUsable) {
  // The twin writes the same bars without interruption.
  GenerationSession twin(small_context(), options(6));
  GenerationSession session(small_context(), options(6));
  std::vector<SessionBar> expected;
  for (int b = 0; b < 4; ++b) expected.push_back(twin.next_bar());

  EXPECT_EQ(keys(session.next_bar()), keys(expected[0]));
  int fed_in_bar = 0;
  impl_of(session).observer = [&](const FedToken&) {
    if (++fed_in_bar == 5) session.cancel();  // mid-bar, as another thread would
  };
  try {
    session.next_bar();
    FAIL() << "the bar was not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled);
  }
  EXPECT_GE(fed_in_bar, 5);
  EXPECT_EQ(session.bars_written(), 1) << "the partial bar is discarded";
  impl_of(session).observer = nullptr;
  EXPECT_FALSE(session.cancel_token().cancelled());
  // The same bar again, from where the session stood, and on from there.
  for (int b = 1; b < 4; ++b) {
    const SessionBar bar = session.next_bar();
    EXPECT_EQ(bar.index, b);
    EXPECT_EQ(keys(bar), keys(expected[static_cast<size_t>(b)])) << "bar " << b;
    EXPECT_EQ(bar.start_tick, expected[static_cast<size_t>(b)].start_tick);
  }
}

TEST(GenerationSession, CancelFromAnotherThreadStopsABarAndTheSessionGoesOn) {
  const Model model = tiny(512, false, 64);
  GenerationSession session(model, options(2));
  std::atomic<bool> stop{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    while (!stop) {
      session.cancel();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  bool cancelled = false;
  for (int i = 0; i < 5000 && !cancelled; ++i) {
    try {
      session.next_bar();
    } catch (const Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::cancelled);
      cancelled = true;
    }
  }
  stop = true;
  canceller.join();
  ASSERT_TRUE(cancelled);
  const int64_t before = session.bars_written();
  SessionBar bar;
  try {
    bar = session.next_bar();
  } catch (const Error& e) {
    // A cancel() that came after the throw, before the thread stopped,
    // cancels this call at once; the flag is cleared with it.
    ASSERT_EQ(e.code(), ErrorCode::cancelled);
    bar = session.next_bar();
  }
  EXPECT_EQ(bar.index, before);
  EXPECT_EQ(session.bars_written(), before + 1);
}

TEST(GenerationSession, ResetStartsAgainFromTheOpening) {
  GenerationSession session(small_context(), options(8));
  const SessionBar first = session.next_bar();
  session.set_emotion(EmotionMix::parse("sad"));
  for (int b = 0; b < 5; ++b) session.next_bar();
  session.reset();
  EXPECT_EQ(session.bars_written(), 0);
  EXPECT_EQ(session.emotion().probabilities(), EmotionMix::parse("happy").probabilities());
  const SessionBar again = session.next_bar();
  EXPECT_EQ(again.index, 0);
  EXPECT_EQ(keys(again), keys(first));
}

TEST(GenerationSession, ContextSlidesAndStaysBounded) {
  GenerationSession session(small_context(), options(5));
  int64_t most = 0;
  std::vector<FedToken> fed;
  impl_of(session).observer = [&](const FedToken& t) { fed.push_back(t); };
  for (int b = 0; b < 120; ++b) {
    session.next_bar();
    most = std::max(most, session.context_tokens());
  }
  EXPECT_LE(most, 64 + 1);
  // Far past the model's 16 bar embeddings, bar inputs stay re-based inside the window.
  EXPECT_LT(fed.back().bar, 16);
  EXPECT_GT(fed.back().index, 64 * 4) << "the window slid several times";
  EXPECT_LE(impl_of(session).cache.length, 64);
}

TEST(GenerationSession, TheWindowSlidesAtBarLinesKeepingWholeBars) {
  GenerationSession session(small_context(), options(7));
  const auto& impl = impl_of(session);
  const int32_t bar_token = small_context().tokenizer().bar_id();
  int at_bar_lines = 0, inside_bars = 0;
  int64_t tokens = 0, previous_tokens = 0;
  for (int b = 0; b < 150; ++b) {
    const size_t before = impl.cursor.inputs.size();
    const SessionBar bar = session.next_bar();
    tokens += bar.tokens;
    const auto& in = impl.cursor.inputs;
    if (in.size() < before + static_cast<size_t>(bar.tokens)) {  // slid during this bar
      // Less than a quarter of the 64 left before the bar: slid at its line,
      // keeping whole bars whenever the bar before fits in half the window
      // (and this bar in the other half, or it slides again inside itself).
      if (64 - static_cast<int64_t>(before) < 16) {
        ++at_bar_lines;
        if (previous_tokens <= 32 && bar.tokens <= 32)
          EXPECT_EQ(in.tokens.front(), bar_token) << "bar " << b << ": whole bars";
      } else {
        ++inside_bars;
        if (bar.tokens <= 32) EXPECT_EQ(in.tokens.front(), bar_token) << "bar " << b << ": whole bars";
      }
      EXPECT_LE(in.bars.front(), 1) << "bar " << b << ": bar inputs re-based";
    }
    EXPECT_LE(in.size(), 64u);
    EXPECT_EQ(impl.cache.length, static_cast<int64_t>(in.size())) << "bar " << b << ": the cache holds the window";
    previous_tokens = bar.tokens;
  }
  EXPECT_GT(at_bar_lines, 0);
  // Each slide keeps at most half the window, so it comes at most once per
  // quarter of it (16 tokens) written.
  EXPECT_LE(at_bar_lines + inside_bars, tokens / 16 + 1);
}

TEST(GenerationSession, AValenceSignChangeModulatesToTheParallelKey) {
  const Model model = tiny(256, /*use_key=*/true);
  const Tokenizer& tok = model.tokenizer();
  SessionOptions o = options(3, "happy");
  o.key = MusicalKey{2, true};  // D major
  GenerationSession session(model, o);
  std::vector<int32_t> tokens;
  impl_of(session).observer = [&](const FedToken& t) { tokens.push_back(t.token); };
  for (int b = 0; b < 2; ++b) EXPECT_EQ(session.next_bar().key, (MusicalKey{2, true}));
  tokens.clear();
  session.set_emotion(EmotionMix::parse("sad"));
  const SessionBar minor = session.next_bar();
  ASSERT_GE(tokens.size(), 2u);
  EXPECT_EQ(tokens[0], tok.bar_id());
  EXPECT_EQ(tokens[1], *tok.key_id(MusicalKey{2, false})) << "the bar opens in D minor";
  EXPECT_EQ(minor.key, (MusicalKey{2, false}));
  tokens.clear();
  const SessionBar still = session.next_bar();  // no change of sign: no new Key
  for (int32_t t : tokens) EXPECT_FALSE(tok.key_of(t).has_value());
  EXPECT_EQ(still.key, (MusicalKey{2, false}));
}

TEST(GenerationSession, APrimerIsContinuedAfterItsEnd) {
  Score primer;
  for (int i = 0; i < 8; ++i) {
    Note n;
    n.pitch = 60 + i;
    n.start_tick = i * 480;
    n.end_tick = n.start_tick + 240;
    primer.notes.push_back(n);
  }
  primer.normalize();
  primer.update_seconds();
  SessionOptions o = options(2);
  o.primer = primer;
  GenerationSession session(small_context(), o);
  const SessionBar bar = session.next_bar();
  EXPECT_EQ(bar.index, 0);
  EXPECT_GE(bar.start_tick, 8 * 480) << "the first bar starts after the primer's two bars";
}

int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

TEST(GenerationSession, ResidentMemoryStaysFlatOverManyBars) {
  // K/V per token here: 2 layers x 2 x 128 floats x 2 rows (guidance) = 4 KiB,
  // so a cache that grew with the ~30,000 tokens below would add ~120 MiB.
  const Model model = tiny(64, false, 128);
  SessionOptions o = options(12);
  o.params.guidance = 2.0f;
  GenerationSession session(model, o);
  for (int b = 0; b < 200; ++b) session.next_bar();  // warm: allocator pools filled
  const int64_t warm = resident_bytes();
  for (int b = 0; b < 1000; ++b) {
    if (b % 100 == 0) session.set_emotion(EmotionMix::parse(b % 200 ? "sad" : "happy"));
    session.next_bar();
  }
  const int64_t after = resident_bytes();
  EXPECT_LT(after - warm, 8 << 20) << "RSS grew from " << warm << " to " << after << " bytes";
  EXPECT_LE(session.context_tokens(), 129);
}

}  // namespace
}  // namespace emopiano
