// Generation with a tiny untrained model: determinism, grammar, limits,
// primers, emotion trajectories, callbacks, cancellation, threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <tuple>

#include <ATen/Parallel.h>
#include <ATen/TensorIterator.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"
#include "model/model_impl.hpp"
#include "sample/emotion_schedule.hpp"
#include "sample/note_keys.hpp"
#include "sample/sampler_impl.hpp"

namespace emopiano {
namespace {

const Model& tiny_model() {
  static const Model model = [] {
    ModelConfig c;
    c.n_layers = 2;
    c.d_model = 32;
    c.n_heads = 2;
    c.d_ff = 64;
    c.context_length = 64;  // small, so long pieces slide the window
    c.max_bars = 16;
    return Model::create(c, TokenizerConfig{}, 5);
  }();
  return model;
}

GenerationRequest request(uint64_t seed, int max_tokens = 150) {
  GenerationRequest r;
  r.emotion = EmotionTrajectory(EmotionMix::from_quadrant(Quadrant::Q2));
  r.params.seed = seed;
  r.params.max_tokens = max_tokens;
  r.params.temperature = 1.0f;
  r.params.top_p = 1.0f;
  return r;
}

// In time order, whatever order the notes came in.
std::vector<test::NoteKey> sorted_note_keys(const std::vector<Note>& notes) {
  auto k = test::note_keys(notes);
  std::sort(k.begin(), k.end());
  return k;
}

Score primer_score() {
  Score s;
  s.ticks_per_beat = 480;
  const int pitches[] = {60, 64, 67, 72, 71, 67};
  for (int i = 0; i < 6; ++i) {
    Note n;
    n.pitch = pitches[i];
    n.velocity = 70 + 4 * i;
    n.start_tick = 480 * i;
    n.end_tick = n.start_tick + 400;
    s.notes.push_back(n);
  }
  s.normalize();
  s.update_seconds();
  return s;
}

TEST(Sampler, SameSeedGivesSameTokens) {
  Sampler a(tiny_model()), b(tiny_model());
  auto r1 = a.generate(request(42));
  auto r2 = b.generate(request(42));
  auto r3 = a.generate(request(42));
  EXPECT_EQ(r1.tokens, r2.tokens);
  EXPECT_EQ(r1.tokens, r3.tokens);
  EXPECT_GT(r1.generated_tokens, 0);
  EXPECT_EQ(r1.seed, 42u);
}

TEST(Sampler, DifferentSeedsDiffer) {
  Sampler s(tiny_model());
  auto r1 = s.generate(request(1));
  auto r2 = s.generate(request(2));
  EXPECT_NE(r1.tokens, r2.tokens);
}

TEST(Sampler, GreedyIgnoresTheSeed) {
  Sampler s(tiny_model());
  auto a = request(1), b = request(2);
  a.params.temperature = b.params.temperature = 0.0f;
  EXPECT_EQ(s.generate(a).tokens, s.generate(b).tokens);
}

TEST(Sampler, PromptIsBosAndDominantEmotion) {
  Sampler s(tiny_model());
  const Tokenizer& tok = tiny_model().tokenizer();
  auto r = request(3);
  r.emotion = EmotionTrajectory(EmotionMix::from_probabilities({0.1f, 0.2f, 0.6f, 0.1f}));
  auto result = s.generate(r);
  ASSERT_GE(result.tokens.size(), 3u);
  EXPECT_EQ(result.tokens[0], tok.bos_id());
  EXPECT_EQ(result.tokens[1], tok.emotion_id(Quadrant::Q3));
  EXPECT_EQ(result.prompt_tokens, 2);
}

TEST(Sampler, GrammarConstrainedSamplingAlwaysDecodesCleanly) {
  Sampler s(tiny_model());
  const Tokenizer& tok = tiny_model().tokenizer();
  for (uint64_t seed = 0; seed < 24; ++seed) {
    auto r = request(seed, 120);
    r.params.temperature = 1.5f;  // flatter than usual: more odd choices to reject
    auto result = s.generate(r);
    EXPECT_EQ(result.score.warnings.invalid_tokens, 0) << "seed " << seed;
    EXPECT_EQ(result.tokens.back(), tok.eos_id()) << "seed " << seed;
    EXPECT_TRUE(result.stop_reason == StopReason::eos || result.stop_reason == StopReason::max_tokens);
    EXPECT_GT(result.notes, 0) << "seed " << seed;  // EOS waits for a first note
    // The decoder agrees with the grammar token by token.
    auto grammar = tok.grammar();
    for (size_t i = 0; i < result.tokens.size(); ++i) {
      ASSERT_TRUE(grammar->advance(result.tokens[i]))
          << "seed " << seed << " token " << i << " " << tok.token_to_string(result.tokens[i]);
    }
    EXPECT_TRUE(grammar->finished());
  }
}

TEST(Sampler, UnconstrainedSamplingStillRuns) {
  Sampler s(tiny_model());
  auto r = request(9, 100);
  r.params.constrain_grammar = false;
  auto result = s.generate(r);
  EXPECT_GT(result.generated_tokens, 0);
  for (int32_t t : result.tokens) {
    if (&t != &result.tokens.front()) EXPECT_NE(t, tiny_model().tokenizer().pad_id());
  }
}

TEST(Sampler, MaxBarsIsRespectedAndThePieceEndsWithEos) {
  Sampler s(tiny_model());
  const Tokenizer& tok = tiny_model().tokenizer();
  for (uint64_t seed = 0; seed < 4; ++seed) {
    auto r = request(seed, 5000);  // far past the 64-token context: the window slides
    r.params.max_bars = 2;
    r.params.stop_at_eos = false;  // so only the bar limit can end it
    auto result = s.generate(r);
    EXPECT_EQ(result.stop_reason, StopReason::eos) << "seed " << seed;
    EXPECT_EQ(result.tokens.back(), tok.eos_id());
    EXPECT_EQ(result.bars, 2) << "seed " << seed;
    EXPECT_EQ(std::count(result.tokens.begin(), result.tokens.end(), tok.token_from_string("Bar")), 2);
    EXPECT_EQ(result.score.warnings.invalid_tokens, 0);
    const int64_t two_bars = 2 * 4 * static_cast<int64_t>(result.score.ticks_per_beat);
    for (const auto& n : result.score.notes) EXPECT_LT(n.start_tick, two_bars);
  }
}

TEST(Sampler, MaxTokensCutsBackToACompleteEvent) {
  Sampler s(tiny_model());
  auto r = request(13, 40);
  r.params.stop_at_eos = false;
  auto result = s.generate(r);
  EXPECT_EQ(result.stop_reason, StopReason::max_tokens);
  EXPECT_EQ(result.generated_tokens, 40);
  EXPECT_LE(static_cast<int64_t>(result.tokens.size()), result.prompt_tokens + 40 + 1);
  EXPECT_EQ(result.tokens.back(), tiny_model().tokenizer().eos_id());
  EXPECT_EQ(result.score.warnings.invalid_tokens, 0);
}

TEST(Sampler, PrimerContinuationStartsWithThePrimer) {
  Sampler s(tiny_model());
  const Tokenizer& tok = tiny_model().tokenizer();
  const Score primer = primer_score();
  auto r = request(21, 200);
  r.emotion = EmotionTrajectory(EmotionMix::from_quadrant(Quadrant::Q4));
  r.primer = primer;
  auto result = s.generate(r);
  auto encoded = tok.encode(primer, Quadrant::Q4);
  ASSERT_EQ(encoded.back(), tok.eos_id());
  encoded.pop_back();
  EXPECT_EQ(result.prompt_tokens, static_cast<int64_t>(encoded.size()));
  ASSERT_GE(result.tokens.size(), encoded.size());
  EXPECT_TRUE(std::equal(encoded.begin(), encoded.end(), result.tokens.begin()));
  // Every primer note (as the tokenizer quantises it) is in the piece.
  auto primer_notes = sorted_note_keys(tok.decode(tok.encode(primer)).notes);
  auto piece_notes = sorted_note_keys(result.score.notes);
  ASSERT_EQ(primer_notes.size(), 6u);
  for (const auto& k : primer_notes) {
    EXPECT_TRUE(std::binary_search(piece_notes.begin(), piece_notes.end(), k));
  }
  EXPECT_EQ(result.score.warnings.invalid_tokens, 0);
}

TEST(Sampler, EmotionInputFollowsTheTrajectoryBarByBar) {
  Sampler s(tiny_model());
  const Tokenizer& tok = tiny_model().tokenizer();
  const auto trajectory = EmotionTrajectory::parse("Q3@0,Q3@1,Q1@3");
  std::vector<FedToken> fed;
  impl_of(s).observer = [&](const FedToken& t) { fed.push_back(t); };
  auto r = request(5, 3000);
  r.emotion = trajectory;
  r.params.max_bars = 5;
  r.params.stop_at_eos = false;
  auto result = s.generate(r);
  impl_of(s).observer = nullptr;
  EXPECT_EQ(result.tokens[1], tok.emotion_id(Quadrant::Q3));
  ASSERT_EQ(result.stop_reason, StopReason::eos);
  ASSERT_EQ(fed.size(), result.tokens.size());  // the closing EOS is fed too
  std::set<int32_t> bars_seen;
  bool q3 = false, q1 = false, blend = false;
  for (const auto& t : fed) {
    const auto expected = trajectory.at(std::max(t.bar - 1, 0)).probabilities();
    for (int k = 0; k < 4; ++k) EXPECT_FLOAT_EQ(t.emotion[k], expected[k]) << "bar " << t.bar;
    EXPECT_EQ(t.token, result.tokens[static_cast<size_t>(t.index)]);
    bars_seen.insert(t.bar);
    if (t.emotion[2] == 1.0f) q3 = true;
    if (t.emotion[0] == 1.0f) q1 = true;
    if (t.emotion[0] > 0.4f && t.emotion[0] < 0.6f) blend = true;
  }
  EXPECT_EQ(*bars_seen.rbegin(), 5);
  EXPECT_TRUE(q3 && q1 && blend);
}

TEST(EmotionSchedule, BarsMapToTheTrajectory) {
  const auto t = EmotionTrajectory::parse("Q2@0,Q4@4");
  EXPECT_EQ(sample::emotion_input(t, 0), EmotionMix::from_quadrant(Quadrant::Q2).probabilities());
  EXPECT_EQ(sample::emotion_input(t, 1), EmotionMix::from_quadrant(Quadrant::Q2).probabilities());
  EXPECT_EQ(sample::emotion_input(t, 5), EmotionMix::from_quadrant(Quadrant::Q4).probabilities());
  EXPECT_EQ(sample::emotion_input(t, 3),
            EmotionMix::lerp(EmotionMix::from_quadrant(Quadrant::Q2), EmotionMix::from_quadrant(Quadrant::Q4), 0.5f)
                .probabilities());
  EXPECT_EQ(sample::emotion_input(EmotionTrajectory(), 3), EmotionMix().probabilities());
  EXPECT_EQ(sample::opening_quadrant(t), Quadrant::Q2);
}

TEST(EmotionSchedule, TheResolvedTableEqualsTheTrajectory) {
  // Fractional keyframes, a hold after the last, one far past the table,
  // and the empty trajectory: the table agrees with emotion_input everywhere.
  for (const char* text : {"Q2@0,Q4@4", "Q3@0.5,Q1@2.25,Q2@7", "Q1@0,Q4@5000", "Q3@0"}) {
    const auto t = EmotionTrajectory::parse(text);
    const sample::EmotionSchedule schedule(t);
    EXPECT_EQ(schedule.opening_quadrant(), sample::opening_quadrant(t)) << text;
    for (int32_t bar : {0, 1, 2, 3, 4, 5, 8, 9, 100, 4095, 4096, 4097, 4999, 5001, 6000})
      EXPECT_EQ(schedule.input(bar), sample::emotion_input(t, bar)) << text << " bar " << bar;
  }
  const sample::EmotionSchedule empty{EmotionTrajectory()};
  EXPECT_EQ(empty.input(7), EmotionMix().probabilities());
  EXPECT_EQ(empty.opening_quadrant(), Quadrant::Q1);
}

TEST(Sampler, CancelFromAnotherThreadStopsGeneration) {
  Sampler s(tiny_model());
  auto r = request(1, 1000000);
  r.params.stop_at_eos = false;  // would run for a very long time
  std::thread canceller([token = r.cancel] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    token.cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  try {
    s.generate(r);
    ADD_FAILURE() << "generation was not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled);
  }
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Sampler, ProgressCallbackSeesProgressAndCanCancel) {
  Sampler s(tiny_model());
  auto r = request(2, 60);
  r.params.stop_at_eos = false;
  std::vector<int64_t> done;
  r.on_progress = [&](const ProgressInfo& info) {
    EXPECT_EQ(info.stage, "generate");
    EXPECT_EQ(info.total, 60);
    done.push_back(info.done);
    return true;
  };
  s.generate(r);
  ASSERT_EQ(done.size(), 60u);
  EXPECT_TRUE(std::is_sorted(done.begin(), done.end()));
  EXPECT_EQ(done.back(), 60);
  int calls = 0;
  r.on_progress = [&](const ProgressInfo&) { return ++calls < 10; };
  try {
    s.generate(r);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled);
  }
  EXPECT_EQ(calls, 10);
}

TEST(Sampler, StreamingCallbackGetsEveryNoteOfTheScore) {
  Sampler s(tiny_model());
  for (bool with_primer : {false, true}) {
    auto r = request(8, 400);
    if (with_primer) r.primer = primer_score();
    std::vector<Note> streamed;
    r.on_note = [&](const Note& n, int piece) {
      EXPECT_EQ(piece, 0);
      streamed.push_back(n);
    };
    auto result = s.generate(r);
    EXPECT_GT(result.notes, with_primer ? 6 : 0);
    EXPECT_EQ(sorted_note_keys(streamed), sorted_note_keys(result.score.notes)) << "primer " << with_primer;
  }
}

TEST(Sampler, BatchGivesEachPieceItsOwnSeedAndCleanDecoding) {
  Sampler s(tiny_model());
  auto r = request(100, 120);
  std::vector<int> notes_per_piece(4, 0);
  r.on_note = [&](const Note&, int piece) { ++notes_per_piece.at(static_cast<size_t>(piece)); };
  auto batch = s.generate_batch(r, 4);
  ASSERT_EQ(batch.size(), 4u);
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(batch[i].seed, 100 + i);
    EXPECT_EQ(batch[i].score.warnings.invalid_tokens, 0);
    EXPECT_EQ(batch[i].notes, notes_per_piece[i]);
    for (size_t j = 0; j < i; ++j) EXPECT_NE(batch[i].tokens, batch[j].tokens);
  }
  notes_per_piece.assign(4, 0);
  auto again = s.generate_batch(r, 4);
  for (size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(batch[i].tokens, again[i].tokens);
}

TEST(Sampler, BatchPiecesMatchSingleGenerations) {
  // Pieces leave the batch at different steps and the window slides.
  Sampler s(tiny_model());
  auto r = request(200, 300);
  auto batch = s.generate_batch(r, 3);
  for (size_t i = 0; i < batch.size(); ++i) {
    auto single = r;
    single.params.seed = 200 + i;
    EXPECT_EQ(s.generate(single).tokens, batch[i].tokens) << "piece " << i;
  }
}

TEST(Sampler, BatchPiecesMatchSingleGenerationsWithAnInt8Cache) {
  // The int8 K/V cache through every path that touches it: the prompt and
  // the window's refills (LibTorch), the fused steps, and the rows of
  // finished pieces leaving the batch.
  const Model model = Model::create(tiny_model().config(), TokenizerConfig{}, 5);
  impl_of(model).net->prepare_generation(InferencePrecision::bf16, KvCacheStorage::int8);
  ASSERT_EQ(model.kv_cache_storage(), KvCacheStorage::int8);
  Sampler s(model);
  auto r = request(200, 300);
  auto batch = s.generate_batch(r, 3);
  for (size_t i = 0; i < batch.size(); ++i) {
    auto single = r;
    single.params.seed = 200 + i;
    EXPECT_EQ(s.generate(single).tokens, batch[i].tokens) << "piece " << i;
  }
}

// The bundled model (4 x 256) with an eight-bar primer: the prompt of a few
// hundred tokens is fed at once, so its matrix products (T x 256 by 256 x 1024)
// and its softmax over 4 x T x T scores are large enough for LibTorch to split
// them across threads (at::internal::GRAIN_SIZE elements per chunk); a tiny
// model never leaves one thread. The thread count is restored afterwards.
TEST(Sampler, TorchThreadCountDoesNotChangeTheResult) {
  struct RestoreThreads {
    int threads = at::get_num_threads();
    ~RestoreThreads() { set_compute_threads(threads); }
  } restore;
  const Model model = Model::load(bundled_model_path());
  Score primer;
  primer.ticks_per_beat = 480;
  primer.tempos = {{0, 0.0, 100.0}};
  primer.time_signatures = {{0, 4, 4}};
  for (int i = 0; i < 64; ++i) {
    Note n;
    n.pitch = 48 + (i * 7) % 36;
    n.velocity = 50 + (i * 13) % 60;
    n.start_tick = i * 240;
    n.end_tick = n.start_tick + 360;
    primer.notes.push_back(n);
  }
  primer.normalize();
  // The prompt is what is split; a few tokens after it suffice (each step with
  // two threads waits for a second core, which on a busy machine takes long).
  GenerationRequest r = request(77, 8);
  r.primer = primer;
  Sampler s(model);
  set_compute_threads(1);
  auto one = s.generate(r);
  set_compute_threads(2);
  ASSERT_EQ(at::get_num_threads(), 2);
  auto two = s.generate(r);
  const int64_t scores = static_cast<int64_t>(model.config().n_heads) * one.prompt_tokens * one.prompt_tokens;
  EXPECT_GT(scores, 4 * at::internal::GRAIN_SIZE) << "the prompt is too short to be split across threads";
  EXPECT_EQ(one.tokens, two.tokens);
}

TEST(Sampler, ConcurrentSamplersSharingOneModelMatchSequentialResults) {
  const int kThreads = 3, kPerThread = 2;
  std::vector<std::vector<int32_t>> sequential(kThreads * kPerThread), concurrent(kThreads * kPerThread);
  {
    Sampler s(tiny_model());
    for (int i = 0; i < kThreads * kPerThread; ++i) sequential[i] = s.generate(request(1000 + i, 200)).tokens;
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Sampler s(tiny_model());
      for (int k = 0; k < kPerThread; ++k) {
        const int i = t * kPerThread + k;
        concurrent[i] = s.generate(request(1000 + i, 200)).tokens;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(concurrent, sequential);
}

TEST(Sampler, RejectsBadParameters) {
  Sampler s(tiny_model());
  auto r = request(1);
  r.params.temperature = -1.0f;
  EXPECT_THROW(s.generate(r), Error);
  r = request(1);
  r.params.top_p = 0.0f;
  EXPECT_THROW(s.generate(r), Error);
  r = request(1);
  EXPECT_THROW(s.generate_batch(r, 0), Error);
}

}  // namespace
}  // namespace emopiano
