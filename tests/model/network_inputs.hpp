// Random inputs of the network (src/model/emotion_transformer.hpp) for the
// model tests, and the two ways of running it that they compare: one full
// forward, and a cache fed a prompt in one chunk, then a token at a time.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "model/emotion_transformer.hpp"

namespace emopiano::test {

struct NetInputs {
  torch::Tensor tokens, bars, positions, emotion;
  NetInputs slice(int64_t begin, int64_t end) const {
    return {tokens.slice(1, begin, end), bars.slice(1, begin, end), positions.slice(1, begin, end),
            emotion.slice(1, begin, end)};
  }
};

// Tokens drawn from the vocabulary, bars that never decrease along a
// sequence, positions drawn within the bar, a random emotion mix per token.
inline NetInputs random_net_inputs(int64_t B, int64_t T, uint64_t seed, int64_t vocab, int64_t positions_per_bar) {
  auto gen = at::detail::createCPUGenerator(seed);
  NetInputs in;
  in.tokens = torch::randint(0, vocab, {B, T}, gen, torch::kLong);
  in.bars = torch::arange(T, torch::kLong).div(7, "floor").unsqueeze(0).repeat({B, 1});
  in.positions = torch::randint(0, positions_per_bar, {B, T}, gen, torch::kLong);
  in.emotion = torch::softmax(torch::randn({B, T, 4}, gen), -1);
  return in;
}

// Weights 8x the N(0, 0.02) initialisation's, so that attention is far from
// uniform and the logits far from flat: a key seen or missed, or a wrong
// step, changes them. Leaves the network in eval mode.
inline void sharpen_weights(EmotionTransformer& net) {
  torch::NoGradGuard no_grad;
  for (auto& p : net->parameters()) {
    if (p.dim() == 2) p.mul_(8.0);
  }
  net->eval();
}

inline torch::Tensor full_forward(EmotionTransformer& net, const NetInputs& in) {
  torch::NoGradGuard no_grad;
  return net->forward(in.tokens, in.bars, in.positions, in.emotion);
}

// A prompt of `prompt` tokens in one chunk (none for 0), then one token at a time.
inline torch::Tensor stepped_forward(EmotionTransformer& net, const NetInputs& in, int64_t prompt, KVCache& cache) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> out;
  for (int64_t t = 0; t < in.tokens.size(1);) {
    const int64_t end = t == 0 && prompt > 0 ? prompt : t + 1;
    auto s = in.slice(t, end);
    out.push_back(net->forward_cached(s.tokens, s.bars, s.positions, s.emotion, cache));
    t = end;
  }
  return torch::cat(out, 1);
}

inline double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  return ((got - want).norm() / want.norm()).item<double>();
}

}  // namespace emopiano::test
