// The documented threading guarantee: one model handle shared by several
// sampler handles on several threads at once gives exactly what sequential
// runs with the same seeds give.
#include <thread>
#include <vector>

#include "capi/capi_fixtures.hpp"
#include "support/test_support.hpp"

namespace {

constexpr const char* kThreadsModel =
    R"({"n_layers": 2, "d_model": 48, "n_heads": 2, "d_ff": 96, "context_length": 64, "max_bars": 16})";

// Each job asks for a different emotion input, so the threads do not all
// run the same computation.
struct Job {
  uint64_t seed;
  int32_t quadrant;
  float valence, arousal;  // used when quadrant is 0
};

std::vector<int32_t> run(emopiano_sampler* sampler, const Job& job, emopiano_trajectory* traj) {
  emopiano_generate_params p;
  EXPECT_EQ(emopiano_generate_params_init(&p, sizeof p), EMOPIANO_OK);
  p.seed = job.seed;
  p.max_tokens = 160;  // past the context length: the window slides
  emopiano_emotion va{};
  if (job.quadrant > 0) {
    p.quadrant = job.quadrant;
  } else if (job.quadrant == 0) {
    EXPECT_EQ(emopiano_emotion_from_valence_arousal(&va, job.valence, job.arousal), EMOPIANO_OK);
    p.emotion = &va;
  } else {
    p.trajectory = traj;
  }
  emopiano_generation* piece = nullptr;
  EXPECT_EQ(emopiano_sampler_generate(&piece, sampler, &p), EMOPIANO_OK) << emopiano_last_error();
  std::vector<int32_t> tokens;
  if (piece) {
    const int32_t* t = nullptr;
    size_t n = 0;
    EXPECT_EQ(emopiano_generation_tokens(&t, &n, piece), EMOPIANO_OK);
    tokens.assign(t, t + n);
  }
  emopiano_generation_free(piece);
  return tokens;
}

TEST(CapiThreads, SharedModelGivesSequentialResults) {
  // A model file written and loaded through the C API, as an application would.
  const auto dir = emopiano::test::temp_dir("capi-threads");
  const auto path = (dir / "tiny.pt").string();
  {
    emopiano_model* created = nullptr;
    ASSERT_C_OK(emopiano_model_create(&created, kThreadsModel, nullptr, 11));
    ASSERT_C_OK(emopiano_model_save(created, path.c_str(), EMOPIANO_WEIGHTS_F32));
    emopiano_model_free(created);
  }
  emopiano_model* model = nullptr;
  ASSERT_C_OK(emopiano_model_load(&model, path.c_str()));
  emopiano_trajectory* traj = nullptr;
  ASSERT_C_OK(emopiano_trajectory_parse(&traj, "Q3@0,Q1@2"));

  constexpr int kThreads = 4, kPerThread = 2;
  std::vector<Job> jobs;
  for (int i = 0; i < kThreads * kPerThread; ++i)
    jobs.push_back({static_cast<uint64_t>(500 + i), i % 4 == 3 ? -1 : (i % 4 == 2 ? 0 : 1 + i % 4), 0.6f - 0.2f * i,
                    -0.5f + 0.1f * i});

  std::vector<std::vector<int32_t>> sequential(jobs.size()), concurrent(jobs.size());
  {
    emopiano_sampler* s = nullptr;
    ASSERT_C_OK(emopiano_sampler_create(&s, model));
    for (size_t i = 0; i < jobs.size(); ++i) sequential[i] = run(s, jobs[i], traj);
    emopiano_sampler_free(s);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      emopiano_sampler* s = nullptr;
      ASSERT_EQ(emopiano_sampler_create(&s, model), EMOPIANO_OK);
      // Interleaved job order, so threads run different jobs at the same time.
      for (int k = 0; k < kPerThread; ++k) {
        const size_t i = static_cast<size_t>(k * kThreads + t);
        concurrent[i] = run(s, jobs[i], traj);
      }
      emopiano_sampler_free(s);
    });
  }
  for (auto& th : threads) th.join();
  for (size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_FALSE(sequential[i].empty());
    EXPECT_EQ(concurrent[i], sequential[i]) << "job " << i;
  }
  // The jobs are not all alike (otherwise the comparison proves little).
  EXPECT_NE(sequential[0], sequential[1]);
  emopiano_trajectory_free(traj);
  emopiano_model_free(model);
}

}  // namespace
