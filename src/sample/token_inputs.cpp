#include "sample/token_inputs.hpp"

#include "sample/valence_guidance.hpp"

namespace emopiano::sample {

void TokenInputs::push(int32_t token, int32_t bar, int32_t position, const std::array<float, 4>& emotion,
                       const std::optional<MusicalKey>& key) {
  tokens.push_back(token);
  bars.push_back(bar);
  positions.push_back(position);
  emotions.push_back(emotion);
  keys.push_back(static_cast<int8_t>(key_code(key)));
}

void TokenInputs::erase_front(size_t count) {
  count = std::min(count, size());
  const auto n = std::ptrdiff_t(count);
  tokens.erase(tokens.begin(), tokens.begin() + n);
  bars.erase(bars.begin(), bars.begin() + n);
  positions.erase(positions.begin(), positions.begin() + n);
  emotions.erase(emotions.begin(), emotions.begin() + n);
  keys.erase(keys.begin(), keys.begin() + n);
}

void TokenInputs::truncate(size_t count) {
  if (count >= size()) return;
  tokens.resize(count);
  bars.resize(count);
  positions.resize(count);
  emotions.resize(count);
  keys.resize(count);
}

torch::Tensor next_logits(EmotionTransformerImpl& net, const std::vector<const TokenInputs*>& rows, size_t from,
                          size_t to, const std::vector<RowCondition>& conditions, KVCache& cache) {
  const int64_t L = static_cast<int64_t>(to - from);
  const int64_t R = static_cast<int64_t>(rows.size());
  const int64_t B = R * static_cast<int64_t>(conditions.size());
  auto tokens = torch::empty({B, L}, torch::kLong);
  auto bars = torch::empty({B, L}, torch::kLong);
  auto positions = torch::empty({B, L}, torch::kLong);
  auto emotion = torch::zeros({B, L, 4}, torch::kFloat);  // the null emotion is all zeros
  auto keys = torch::zeros({B, L}, torch::kLong);         // and the null key code is 0
  auto tok = tokens.accessor<int64_t, 2>();
  auto bar = bars.accessor<int64_t, 2>();
  auto pos = positions.accessor<int64_t, 2>();
  auto emo = emotion.accessor<float, 3>();
  auto key = keys.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const TokenInputs& s = *rows[static_cast<size_t>(b % R)];
    const RowCondition c = conditions[static_cast<size_t>(b / R)];
    for (int64_t t = 0; t < L; ++t) {
      const size_t i = from + static_cast<size_t>(t);
      tok[b][t] = s.tokens[i];
      bar[b][t] = s.bars[i];
      pos[b][t] = s.positions[i];
      if (c == RowCondition::null) continue;
      const auto e = c == RowCondition::emotion ? s.emotions[i] : mirror_valence(s.emotions[i]);
      for (int k = 0; k < 4; ++k) emo[b][t][k] = e[static_cast<size_t>(k)];
      key[b][t] = s.keys[i];
    }
  }
  return net.forward_cached(tokens, bars, positions, emotion, cache, keys)
      .select(1, L - 1)
      .to(torch::kFloat)
      .contiguous();
}

}  // namespace emopiano::sample
