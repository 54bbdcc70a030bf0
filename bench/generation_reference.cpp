// Our side of bench/generation_vs_pytorch.py: generates one piece with the
// bundled (or a given) model, records what the network was fed, replays those
// inputs through the cached network step by step, and writes the inputs, the
// logits of every step and the timings as JSON.
//
//   bench_reference --model FILE --tokens N --seed S --threads T --repeats R
//                   --precision bf16|f32 --out FILE.json
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/impl_access.hpp"
#include "emopiano/model.hpp"
#include "emopiano/sampler.hpp"
#include "model/model_impl.hpp"
#include "sample/sampler_impl.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Inputs {
  std::vector<int64_t> tokens, bars, positions;
  std::vector<std::array<float, 4>> emotions;
};

// Feeds inputs [from, to) to the cached network; returns the last row's logits.
torch::Tensor feed(emopiano::EmotionTransformerImpl& net, const Inputs& in, size_t from, size_t to,
                   emopiano::KVCache& cache) {
  const int64_t L = static_cast<int64_t>(to - from);
  auto t = torch::empty({1, L}, torch::kLong), b = torch::empty({1, L}, torch::kLong),
       p = torch::empty({1, L}, torch::kLong), e = torch::empty({1, L, 4});
  auto ta = t.accessor<int64_t, 2>(), ba = b.accessor<int64_t, 2>(), pa = p.accessor<int64_t, 2>();
  auto ea = e.accessor<float, 3>();
  for (int64_t i = 0; i < L; ++i) {
    ta[0][i] = in.tokens[from + static_cast<size_t>(i)];
    ba[0][i] = in.bars[from + static_cast<size_t>(i)];
    pa[0][i] = in.positions[from + static_cast<size_t>(i)];
    for (int k = 0; k < 4; ++k) ea[0][i][k] = in.emotions[from + static_cast<size_t>(i)][static_cast<size_t>(k)];
  }
  return net.forward_cached(t, b, p, e, cache)[0][L - 1];
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, out_path = "reference.json", precision = "bf16";
  int tokens = 500, threads = 1, repeats = 5;
  uint64_t seed = 7;
  float guidance = -1.0f;  // the model's own
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model")
      model_path = v;
    else if (k == "--tokens")
      tokens = std::stoi(v);
    else if (k == "--seed")
      seed = std::stoull(v);
    else if (k == "--threads")
      threads = std::stoi(v);
    else if (k == "--repeats")
      repeats = std::stoi(v);
    else if (k == "--guidance")
      guidance = std::stof(v);
    else if (k == "--out")
      out_path = v;
    else if (k == "--precision" && (v == "bf16" || v == "f32"))
      precision = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    emopiano::set_compute_threads(threads);
    emopiano::LoadOptions options;
    options.precision = precision == "f32" ? emopiano::InferencePrecision::f32 : emopiano::InferencePrecision::bf16;
    const emopiano::Model model = emopiano::Model::load(
        model_path.empty() ? emopiano::bundled_model_path() : std::filesystem::path(model_path), options);
    emopiano::Sampler sampler(model);
    emopiano::GenerationRequest request;
    request.emotion = emopiano::EmotionTrajectory(emopiano::EmotionMix::parse("happy"));
    request.params.max_tokens = tokens;
    request.params.stop_at_eos = false;
    request.params.seed = seed;
    request.params.guidance = guidance;
    if (tokens + 2 > model.config().context_length) {
      std::fprintf(stderr, "--tokens %d: keep the piece inside the context (%d) so no window slides\n", tokens,
                   model.config().context_length);
      return 2;
    }

    // The piece, recording the inputs the network is fed.
    Inputs in;
    impl_of(sampler).observer = [&](const emopiano::FedToken& t) {
      in.tokens.push_back(t.token);
      in.bars.push_back(t.bar);
      in.positions.push_back(t.position);
      in.emotions.push_back(t.emotion);
    };
    const auto piece = sampler.generate(request);
    impl_of(sampler).observer = nullptr;

    // Whole generation, sampling and grammar included: best of `repeats`.
    double best_generate = 1e30;
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = Clock::now();
      const auto again = sampler.generate(request);
      best_generate = std::min(best_generate, since(t0));
      if (again.tokens != piece.tokens) throw std::runtime_error("generation is not reproducible");
    }

    // The network's step alone over the same inputs (prompt as one chunk, as
    // the sampler feeds it; the last input is not fed, as in generation).
    c10::InferenceMode inference;
    auto& net = *impl_of(model).net;
    const size_t prompt = static_cast<size_t>(piece.prompt_tokens), n = in.tokens.size() - 1;
    std::vector<std::vector<float>> step_logits;
    double best_step = 1e30;
    for (int r = 0; r < repeats; ++r) {
      emopiano::KVCache cache;
      const bool keep = step_logits.empty();
      const auto t0 = Clock::now();
      for (size_t from = 0, to = prompt; to <= n; from = to, ++to) {
        auto logits = feed(net, in, from, to, cache);
        if (keep) {
          auto row = logits.contiguous();
          step_logits.emplace_back(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
        }
      }
      best_step = std::min(best_step, since(t0));
    }

    nlohmann::json out;
    out["model"] = model_path.empty() ? emopiano::bundled_model_path().string() : model_path;
    out["threads"] = threads;
    out["precision"] = precision;
    out["seed"] = seed;
    out["prompt_tokens"] = piece.prompt_tokens;
    out["generated_tokens"] = piece.generated_tokens;
    out["inputs"] = {{"tokens", in.tokens}, {"bars", in.bars}, {"positions", in.positions}, {"emotions", in.emotions}};
    out["step_logits"] = step_logits;
    out["generate_seconds"] = best_generate;
    out["generate_tokens_per_second"] = static_cast<double>(piece.generated_tokens) / best_generate;
    out["step_seconds"] = best_step;
    out["step_tokens_per_second"] = static_cast<double>(step_logits.size()) / best_step;
    std::ofstream(out_path) << out.dump();
    std::printf("generate %.0f tokens/s, network step %.0f tokens/s (%zu steps, best of %d)\n",
                out["generate_tokens_per_second"].get<double>(), out["step_tokens_per_second"].get<double>(),
                step_logits.size(), repeats);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_reference: %s\n", e.what());
    return 1;
  }
  return 0;
}
