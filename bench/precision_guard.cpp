// The quality guard of the bf16 generation step (docs/performance.md): for
// each emotion, a greedy piece of N tokens is generated with the float32
// model and replayed through both; prints how often the most likely next
// token agrees and the mean KL(f32 || bf16), and exits 1 when a row is
// outside the guard (same top token at >= 99% of steps, mean KL < 1e-3).
// --kv-cache int8 runs the bf16 step with the int8 K/V cache.
//
//   bench_precision_guard [--model FILE] [--tokens 500] [--seed S] [--emotions happy,tense,sad,calm]
//                         [--kv-cache bf16|int8]
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"
#include "sample/precision_replay.hpp"

int main(int argc, char** argv) {
  std::string model_path, emotions = "happy,tense,sad,calm", kv_cache = "bf16";
  int tokens = 500;
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model")
      model_path = v;
    else if (k == "--tokens")
      tokens = std::stoi(v);
    else if (k == "--seed")
      seed = std::stoull(v);
    else if (k == "--emotions")
      emotions = v;
    else if (k == "--kv-cache" && (v == "bf16" || v == "int8"))
      kv_cache = v;
    else {
      std::fprintf(stderr, "bench_precision_guard: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    using emopiano::InferencePrecision;
    const auto path = model_path.empty() ? emopiano::bundled_model_path() : std::filesystem::path(model_path);
    const emopiano::Model f32 = emopiano::Model::load(path, emopiano::LoadOptions{InferencePrecision::f32});
    const emopiano::Model bf16 = emopiano::Model::load(
        path, emopiano::LoadOptions{InferencePrecision::bf16, kv_cache == "int8" ? emopiano::KvCacheStorage::int8
                                                                                 : emopiano::KvCacheStorage::bf16});
    fmt::print("{}: greedy replay of {} tokens per emotion, f32 against bf16 with a {} K/V cache\n", path.string(),
               tokens, kv_cache);
    fmt::print("{:>10} {:>7} {:>14} {:>12} {:>12}\n", "emotion", "steps", "same top", "mean KL", "max KL");
    bool within = true;
    std::stringstream list(emotions);
    for (std::string emotion; std::getline(list, emotion, ',');) {
      emopiano::GenerationRequest request;
      request.emotion = emopiano::EmotionTrajectory(emopiano::EmotionMix::parse(emotion));
      request.params.max_tokens = tokens;
      request.params.seed = seed;
      const auto a = emopiano::sample::compare_precisions(f32, bf16, request);
      const bool ok = a.same_top_fraction() >= 0.99 && a.mean_kl < 1e-3;
      within = within && ok;
      fmt::print("{:>10} {:>7} {:>13.2f}% {:>12.2e} {:>12.2e}{}\n", emotion, a.steps, 100 * a.same_top_fraction(),
                 a.mean_kl, a.max_kl, ok ? "" : "  OUTSIDE THE GUARD");
    }
    fmt::print("{}\n", within ? "within the guard" : "outside the guard");
    return within ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_precision_guard: %s\n", e.what());
    return 1;
  }
}
