// Bar-ahead generation (SessionOptions::lookahead) with tiny untrained models:
// the same bars as a session that writes on demand, whenever the emotion
// changes (while the bar ahead is written, or once it is finished), and
// cancel, reset and destruction while the worker writes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <tuple>
#include <vector>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/session.hpp"
#include "sample/bar_ahead.hpp"
#include "sample/note_keys.hpp"
#include "sample/session_impl.hpp"

namespace emopiano {
namespace {

using namespace std::chrono_literals;

const Model& sliding_model() {
  // Context 64: the window slides every few bars, at bar lines and inside bars.
  static const Model model = [] {
    ModelConfig c;
    c.n_layers = 2;
    c.d_model = 32;
    c.n_heads = 2;
    c.d_ff = 64;
    c.context_length = 64;
    c.max_bars = 16;
    return Model::create(c, TokenizerConfig{}, 3);
  }();
  return model;
}

SessionOptions lookahead_options(uint64_t seed, bool lookahead) {
  SessionOptions o;
  o.emotion = EmotionMix::parse("happy");
  o.params.seed = seed;
  o.params.top_p = 1.0f;
  o.params.guidance = 2.0f;  // two rows, as with the bundled model
  o.lookahead = lookahead;
  return o;
}

void expect_same(const SessionBar& a, const SessionBar& b, int index) {
  EXPECT_EQ(a.index, b.index) << "bar " << index;
  EXPECT_EQ(test::note_keys(a.notes), test::note_keys(b.notes)) << "bar " << index;
  EXPECT_EQ(a.tokens, b.tokens) << "bar " << index;
  EXPECT_EQ(a.start_tick, b.start_tick) << "bar " << index;
  EXPECT_EQ(a.end_tick, b.end_tick) << "bar " << index;
  EXPECT_EQ(a.emotion.probabilities(), b.emotion.probabilities()) << "bar " << index;
}

// Waits (up to a generous bound) for `done`; false when it never came.
template <typename F>
bool wait_for(F done) {
  for (int i = 0; i < 20000 && !done(); ++i) std::this_thread::sleep_for(1ms);
  return done();
}

// Holds the worker at the first token it feeds once armed, until the host
// stops the bar (a drop or a cancel): the host's call then lands while the
// bar ahead is being written, never after it.
struct Hold {
  std::atomic<bool> armed{false}, holding{false};

  void install(GenerationSession& session) {
    GenerationSession::Impl& impl = impl_of(session);
    impl.observer = [this, &impl](const FedToken&) {
      if (!armed.exchange(false)) return;
      holding = true;
      wait_for([&] { return impl.discard.load() || impl.cancel.cancelled(); });
      holding = false;
    };
  }
};

enum class When { right_after_the_last_bar, while_it_is_written, once_it_is_finished };

TEST(SessionLookahead, WritesTheBarsOfASessionWithoutIt) {
  // The emotion changes before bars 3, 5, 6, 9, 13 and 17, landing at each of
  // the moments a host may call; bar 11 gets the emotion it already has.
  struct Change {
    int bar;
    const char* emotion;
    When when;
  };
  const std::vector<Change> changes = {
      {3, "sad", When::while_it_is_written},          {5, "0.1,0.6,0.2,0.1", When::once_it_is_finished},
      {6, "tense", When::right_after_the_last_bar},   {9, "va:0.5,-0.5", When::while_it_is_written},
      {11, "va:0.5,-0.5", When::once_it_is_finished}, {13, "calm", When::once_it_is_finished},
      {17, "happy", When::while_it_is_written}};
  const int kBars = 24;
  for (uint64_t seed : {1u, 2u}) {
    GenerationSession plain(sliding_model(), lookahead_options(seed, false));
    GenerationSession ahead(sliding_model(), lookahead_options(seed, true));
    Hold hold;
    hold.install(ahead);
    sample::BarAhead& worker = *impl_of(ahead).ahead();
    int64_t most = 0;
    for (int b = 0; b < kBars; ++b) {
      for (const Change& c : changes) {
        if (c.bar != b) continue;
        plain.set_emotion(EmotionMix::parse(c.emotion));
        if (c.when == When::while_it_is_written) {
          ASSERT_TRUE(wait_for([&] { return hold.holding.load(); })) << "the worker never started bar " << b;
        } else if (c.when == When::once_it_is_finished) {
          ASSERT_TRUE(wait_for([&] { return worker.prepared(); })) << "bar " << b << " was never written ahead";
        }
        ahead.set_emotion(EmotionMix::parse(c.emotion));
        if (c.bar == 11) EXPECT_TRUE(worker.prepared()) << "the same emotion keeps the bar written ahead";
      }
      const SessionBar expected = plain.next_bar();
      // Arm the hold for the bar after this one, once the worker is idle.
      bool arm = false;
      for (const Change& c : changes) arm = arm || (c.bar == b + 1 && c.when == When::while_it_is_written);
      if (arm) ASSERT_TRUE(wait_for([&] { return worker.prepared(); }));
      if (arm) hold.armed = true;
      const SessionBar got = ahead.next_bar();
      expect_same(got, expected, b);
      EXPECT_EQ(ahead.bars_written(), b + 1);
      most = std::max(most, ahead.context_tokens());
    }
    EXPECT_LE(most, 64 + 1);
    EXPECT_FALSE(hold.armed) << "every hold was reached";
  }
}

// Restarts the bar ahead with `mix` and holds it at its first token.
void restart_and_hold(GenerationSession& session, Hold& hold, const char* mix) {
  ASSERT_TRUE(wait_for([&] { return impl_of(session).ahead()->prepared(); }));
  hold.armed = true;
  session.set_emotion(EmotionMix::parse(mix));
  ASSERT_TRUE(wait_for([&] { return hold.holding.load(); }));
}

TEST(SessionLookahead, CancelWhileTheBarAheadIsWrittenThenTheSameBars) {
  GenerationSession plain(sliding_model(), lookahead_options(5, false));
  std::vector<SessionBar> expected;
  expected.push_back(plain.next_bar());
  plain.set_emotion(EmotionMix::parse("sad"));
  for (int b = 1; b < 6; ++b) expected.push_back(plain.next_bar());

  GenerationSession ahead(sliding_model(), lookahead_options(5, true));
  Hold hold;
  hold.install(ahead);
  expect_same(ahead.next_bar(), expected[0], 0);
  restart_and_hold(ahead, hold, "sad");
  ahead.cancel();  // as another thread would, while bar 1 is written ahead
  try {
    ahead.next_bar();
    FAIL() << "the bar was not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled);
  }
  EXPECT_EQ(ahead.bars_written(), 1);
  EXPECT_FALSE(ahead.cancel_token().cancelled());
  for (int b = 1; b < 5; ++b) expect_same(ahead.next_bar(), expected[static_cast<size_t>(b)], b);

  // A cancel once the bar ahead is finished drops it too.
  ASSERT_TRUE(wait_for([&] { return impl_of(ahead).ahead()->prepared(); }));
  ahead.cancel();
  EXPECT_THROW(ahead.next_bar(), Error);
  expect_same(ahead.next_bar(), expected[5], 5);
}

TEST(SessionLookahead, ResetAndDestructionWhileTheBarAheadIsWritten) {
  GenerationSession plain(sliding_model(), lookahead_options(8, false));
  const SessionBar first = plain.next_bar();
  const SessionBar second = plain.next_bar();

  GenerationSession ahead(sliding_model(), lookahead_options(8, true));
  Hold hold;
  hold.install(ahead);
  expect_same(ahead.next_bar(), first, 0);
  restart_and_hold(ahead, hold, "sad");
  ahead.reset();  // drops the bar in progress
  EXPECT_EQ(ahead.bars_written(), 0);
  EXPECT_EQ(ahead.emotion().probabilities(), EmotionMix::parse("happy").probabilities());
  expect_same(ahead.next_bar(), first, 0);
  expect_same(ahead.next_bar(), second, 1);

  // Destroyed while the worker writes (held mid-bar, or running freely): it
  // stops and its thread joins.
  for (int i = 0; i < 3; ++i) {
    auto session =
        std::make_unique<GenerationSession>(sliding_model(), lookahead_options(9 + static_cast<uint64_t>(i), true));
    Hold h;
    h.install(*session);
    session->next_bar();
    if (i > 0) restart_and_hold(*session, h, "sad");
    session.reset();
  }
  // And moved: the worker goes on writing for the session's new owner.
  GenerationSession moved(sliding_model(), lookahead_options(8, true));
  expect_same(moved.next_bar(), first, 0);
  GenerationSession owner = std::move(moved);
  expect_same(owner.next_bar(), second, 1);
}

}  // namespace
}  // namespace emopiano
