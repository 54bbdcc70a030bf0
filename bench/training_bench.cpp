// A training step of the bundled model's architecture, as the trainer takes
// it (src/train/trainer.cpp): forward under optional bf16 autocast, float32
// cross-entropy, backward, gradient clipping, AdamW. Tokens/s and achieved
// GFLOP/s (3 x the forward's matrix-product FLOPs, model_support.hpp); compare
// with BM_MatmulPeak in the same run.
#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "core/impl_access.hpp"
#include "model/model_impl.hpp"
#include "model/torch_runtime.hpp"
#include "model_support.hpp"

namespace emopiano::bench {
namespace {

// args: batch, context, threads, bf16
void BM_TrainStep(benchmark::State& state) {
  const int64_t B = state.range(0), T = state.range(1);
  const bool bf16 = state.range(3) != 0;
  set_compute_threads(static_cast<int>(state.range(2)));
  if (bf16 && !detail::cpu_has_fast_bf16()) return state.SkipWithError("no fast bf16 on this CPU");
  ModelConfig c = Model::load(bundled_model_path()).config();
  c.context_length = std::max<int>(c.context_length, static_cast<int>(T));
  Model model = Model::create(c, TokenizerConfig{}, 1);
  auto& net = *impl_of(model).net;
  net.train();
  torch::optim::AdamW optimizer(net.parameters(), torch::optim::AdamWOptions(1e-4));
  const auto in = random_inputs(model, B, T);
  auto step = [&] {
    optimizer.zero_grad();
    torch::Tensor logits;
    {
      detail::Bf16Autocast autocast(bf16);
      logits = net.forward(in.tokens, in.bars, in.positions, in.emotion);
    }
    auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}).to(torch::kFloat),
                                                     in.targets.reshape({-1}));
    loss.backward();
    torch::nn::utils::clip_grad_norm_(net.parameters(), 1.0);
    optimizer.step();
    return loss.item<double>();
  };
  step();  // AdamW state and oneDNN primitives are created on the first step
  const double cpu_start = process_cpu_seconds();
  for (auto _ : state) benchmark::DoNotOptimize(step());
  const double flops = 3 * forward_flops(c, model.tokenizer().vocab_size(), B, T);
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(B * T * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["GFLOP/core_s"] =
      flops * static_cast<double>(state.iterations()) / 1e9 / (process_cpu_seconds() - cpu_start);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
  state.SetLabel("load " + load_average());
}
BENCHMARK(BM_TrainStep)
    ->ArgNames({"batch", "ctx", "threads", "bf16"})
    // The bundled model's training shape, thread count and precision.
    ->Args({8, 512, 1, 0})
    ->Args({8, 512, 2, 0})
    ->Args({8, 512, 1, 1})
    ->Args({8, 512, 2, 1})
    // Larger batches by token budget.
    ->Args({16, 512, 2, 1})
    ->Args({32, 256, 2, 1})
    // Cost against the context length at a fixed 4,096-token batch.
    ->Args({32, 128, 2, 1})
    ->Args({16, 256, 2, 1})
    ->Args({4, 1024, 2, 1})
    // Cost against the batch size at context 512.
    ->Args({1, 512, 2, 1})
    ->Args({4, 512, 2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(3.0);

}  // namespace
}  // namespace emopiano::bench
