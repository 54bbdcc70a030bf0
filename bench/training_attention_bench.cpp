// One layer's training attention at the bundled model's shape (batch 8, 4
// heads of 64, context 512), forward and backward: the two batched matrix
// products around the probabilities made three ways, with or without the
// attention dropout (0.1 in the bundled recipes):
//   fused 0: LibTorch's own scale, mask, softmax and dropout;
//   fused 1: detail::causal_softmax, then LibTorch's dropout (the model
//            before the dropout moved into the kernel);
//   fused 2: detail::causal_softmax with its dropout, through
//            detail::causal_attention in blocks of `block` query rows (0: the
//            whole square at once; the model runs kAttentionQueryBlock).
// All in one binary, so a run compares them under the same load.
#include <benchmark/benchmark.h>

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "bench_support.hpp"
#include "model/causal_attention.hpp"
#include "model/causal_softmax.hpp"
#include "model/torch_runtime.hpp"

namespace emopiano::bench {
namespace {

torch::Tensor probabilities_by_libtorch_ops(const torch::Tensor& scores, double scale) {
  const int64_t T = scores.size(-2), S = scores.size(-1);
  auto mask = torch::ones({T, S}, torch::TensorOptions().dtype(torch::kBool)).triu(1);
  return torch::softmax((scores * scale).masked_fill(mask, -std::numeric_limits<float>::infinity()), -1);
}

// args: fused (0, 1, 2 as above), bf16, threads, dropout (in %), block
void BM_TrainingAttention(benchmark::State& state) {
  const int64_t fused = state.range(0);
  const bool bf16 = state.range(1) != 0;
  const double dropout = static_cast<double>(state.range(3)) / 100.0;
  set_compute_threads(static_cast<int>(state.range(2)));
  if (bf16 && !detail::cpu_has_fast_bf16()) return state.SkipWithError("no fast bf16 on this CPU");
  const int64_t B = 8, H = 4, T = 512, D = 64;
  torch::manual_seed(1);
  auto q = torch::randn({B, H, T, D}).requires_grad_();
  auto k = torch::randn({B, H, T, D}).requires_grad_();
  auto v = torch::randn({B, H, T, D}).requires_grad_();
  const auto upstream = torch::randn({B, H, T, D});
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  auto step = [&] {
    torch::Tensor y;
    {
      detail::Bf16Autocast autocast(bf16);
      if (fused == 2) {
        y = detail::causal_attention(q, k, v, scale, 0, dropout, state.range(4));
      } else {
        auto scores = torch::matmul(q, k.transpose(-2, -1));
        auto p = fused == 1 ? torch::dropout(detail::causal_softmax(scores, scale, 0), dropout, dropout > 0.0)
                            : torch::dropout(probabilities_by_libtorch_ops(scores, scale), dropout, dropout > 0.0);
        y = torch::matmul(p, v);
      }
    }
    (y.to(torch::kFloat) * upstream).sum().backward();
    q.mutable_grad().reset();
    k.mutable_grad().reset();
    v.mutable_grad().reset();
  };
  step();
  for (auto _ : state) step();
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(B * T * state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel("load " + load_average());
}
BENCHMARK(BM_TrainingAttention)
    ->ArgNames({"fused", "bf16", "threads", "dropout", "block"})
    ->Args({0, 1, 1, 0, 0})
    ->Args({2, 1, 1, 0, 0})
    ->Args({0, 1, 1, 10, 0})
    ->Args({1, 1, 1, 10, 0})
    ->Args({2, 1, 1, 10, 0})
    ->Args({0, 0, 1, 0, 0})
    ->Args({2, 0, 1, 0, 0})
    ->Args({1, 1, 2, 10, 0})
    ->Args({2, 1, 2, 10, 0})
    ->Args({2, 1, 1, 0, 128})
    ->Args({2, 1, 1, 10, 32})
    ->Args({2, 1, 1, 10, 64})
    ->Args({2, 1, 1, 10, 128})
    ->Args({2, 1, 1, 10, 256})
    ->Args({2, 0, 1, 0, 128})
    ->Args({2, 1, 2, 10, 128})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);

}  // namespace
}  // namespace emopiano::bench
