#include "vae/latent_rows.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "sample/token_choice.hpp"

namespace emopiano::vae {

LatentInputs latent_inputs(const VaeConfig& config, const std::vector<std::vector<float>>& z,
                           const std::vector<EmotionMix>& emotion) {
  if (emotion.size() != z.size())
    throw Error(ErrorCode::invalid_argument,
                fmt::format("decode: {} latents but {} emotions", z.size(), emotion.size()));
  const int64_t B = static_cast<int64_t>(z.size()), Z = config.latent_dim;
  LatentInputs in{torch::empty({B, Z}, torch::kFloat), torch::empty({B, 4}, torch::kFloat)};
  for (int64_t r = 0; r < B; ++r) {
    const auto& zr = z[static_cast<size_t>(r)];
    if (static_cast<int64_t>(zr.size()) != Z)
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("decode: latent {} has {} dimensions, the model has {}", r, zr.size(), Z));
    for (float v : zr)
      if (!std::isfinite(v))
        throw Error(ErrorCode::invalid_argument, fmt::format("decode: latent {} is not finite", r));
    std::memcpy(in.z[r].data_ptr<float>(), zr.data(), static_cast<size_t>(Z) * sizeof(float));
    const auto& p = emotion[static_cast<size_t>(r)].probabilities();
    for (int k = 0; k < 4; ++k) in.emotion[r][k] = p[static_cast<size_t>(k)];
  }
  return in;
}

LatentRow::LatentRow(const Tokenizer& tokenizer, const EmotionMix& emotion) : grammar(tokenizer.grammar()) {
  push(tokenizer.bos_id());
  push(tokenizer.emotion_id(emotion.dominant()));
}

LatentRow::LatentRow(const LatentRow& other)
    : grammar(other.grammar ? other.grammar->clone() : nullptr),
      tokens(other.tokens),
      bars(other.bars),
      positions(other.positions),
      last_complete(other.last_complete),
      final_tokens(other.final_tokens),
      done(other.done) {}

LatentRow& LatentRow::operator=(const LatentRow& other) {
  if (this != &other) *this = LatentRow(other);
  return *this;
}

void LatentRow::push(int32_t token) {
  grammar->advance(token);
  tokens.push_back(token);
  bars.push_back(grammar->bar());
  positions.push_back(grammar->position());
}

void LatentRow::next_tokens(const Tokenizer& tokenizer, const VaeConfig& config, float* logits, uint8_t* mask) {
  const int32_t eos = tokenizer.eos_id(), bar_token = tokenizer.token_from_string("Bar");
  grammar->allowed(mask);
  if (mask[eos]) last_complete = tokens.size();
  if (grammar->bar() >= config.segment_bars && mask[bar_token]) {
    if (mask[eos]) sample::fold_probability(logits, bar_token, eos);
    mask[bar_token] = 0;
  }
}

bool LatentRow::out_of_room(const VaeConfig& config) const {
  // Room for EOS: a segment never passes max_segment_tokens.
  return tokens.size() + 2 >= static_cast<size_t>(config.max_segment_tokens);
}

void LatentRow::end_where_complete(int32_t eos) {
  const size_t keep = std::max<size_t>(last_complete, 2);
  final_tokens.assign(tokens.begin(), tokens.begin() + std::ptrdiff_t(keep));
  final_tokens.push_back(eos);
}

std::vector<int32_t> LatentRow::result(int32_t eos) const {
  if (!final_tokens.empty()) return final_tokens;
  auto end = std::find(tokens.begin() + 2, tokens.end(), eos);
  return {tokens.begin(), end == tokens.end() ? end : end + 1};
}

DecoderFeed decoder_feed(const std::vector<const LatentRow*>& rows, size_t fed) {
  const int64_t B = static_cast<int64_t>(rows.size());
  const size_t n = rows.front()->tokens.size();  // every row has the same length (finished rows repeat EOS)
  const int64_t L = static_cast<int64_t>(n - fed);
  DecoderFeed f{torch::empty({B, L}, torch::kLong), torch::empty({B, L}, torch::kLong),
                torch::empty({B, L}, torch::kLong)};
  auto tokens = f.tokens.accessor<int64_t, 2>(), bars = f.bars.accessor<int64_t, 2>(),
       positions = f.positions.accessor<int64_t, 2>();
  for (int64_t r = 0; r < B; ++r) {
    const LatentRow& row = *rows[static_cast<size_t>(r)];
    for (size_t i = fed; i < n; ++i) {
      const int64_t c = static_cast<int64_t>(i - fed);
      tokens[r][c] = row.tokens[i];
      bars[r][c] = row.bars[i];
      positions[r][c] = row.positions[i];
    }
  }
  return f;
}

}  // namespace emopiano::vae
