// The VAE's decoding loop: like the sampler's, one token per segment per
// step under the tokenizer's grammar, but every segment ends after
// segment_bars bars and within max_segment_tokens.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "sample/random.hpp"
#include "sample/token_choice.hpp"
#include "vae/vae_impl.hpp"

namespace emopiano::vae {

EncoderBatch encoder_batch(const SegmentCutter& cutter, const std::vector<std::vector<int32_t>>& segments,
                           int32_t pad_id) {
  std::vector<SegmentInputs> inputs;
  int64_t length = 1;
  for (const auto& s : segments) {
    if (s.size() < 3) throw Error(ErrorCode::invalid_argument, "a VAE segment needs BOS, its emotion and at least EOS");
    inputs.push_back(cutter.inputs(s));
    length = std::max<int64_t>(length, static_cast<int64_t>(s.size()) - 2);
  }
  const int64_t B = static_cast<int64_t>(segments.size());
  EncoderBatch b;
  b.tokens = torch::full({B, length}, static_cast<int64_t>(pad_id), torch::kLong);
  b.bars = torch::zeros({B, length}, torch::kLong);
  b.positions = torch::zeros({B, length}, torch::kLong);
  b.padding = torch::ones({B, length}, torch::kBool);
  for (int64_t r = 0; r < B; ++r) {
    const auto& in = inputs[static_cast<size_t>(r)];
    const int64_t n = static_cast<int64_t>(in.tokens.size()) - 2;
    auto copy = [&](const std::vector<int64_t>& v, torch::Tensor& t) {
      std::memcpy(t[r].data_ptr<int64_t>(), v.data() + 2, static_cast<size_t>(n) * sizeof(int64_t));
    };
    copy(in.tokens, b.tokens);
    copy(in.bars, b.bars);
    copy(in.positions, b.positions);
    b.padding[r].slice(0, 0, n).fill_(false);
  }
  return b;
}

namespace {

struct Row {
  std::unique_ptr<TokenGrammar> grammar;
  std::vector<int32_t> tokens;
  std::vector<int64_t> bars, positions;  // the grammar's position after each token
  sample::Random random{0};
  size_t last_complete = 0;           // length where EOS was last allowed
  std::vector<int32_t> final_tokens;  // set when the row was cut back to where it could end
  bool done = false;
};

}  // namespace

std::vector<std::vector<int32_t>> decode_latents(EmotionVae::Impl& vae, const std::vector<std::vector<float>>& z,
                                                 const std::vector<EmotionMix>& emotion, const SamplingParams& params) {
  params.validate();
  const VaeConfig& cfg = vae.config;
  const Tokenizer& tok = *vae.tokenizer;
  if (z.empty()) return {};
  if (emotion.size() != z.size())
    throw Error(ErrorCode::invalid_argument,
                fmt::format("decode: {} latents but {} emotions", z.size(), emotion.size()));
  const int64_t B = static_cast<int64_t>(z.size()), Z = cfg.latent_dim;
  auto zt = torch::empty({B, Z}, torch::kFloat);
  auto et = torch::empty({B, 4}, torch::kFloat);
  for (int64_t r = 0; r < B; ++r) {
    if (static_cast<int64_t>(z[static_cast<size_t>(r)].size()) != Z)
      throw Error(ErrorCode::invalid_argument, fmt::format("decode: latent {} has {} dimensions, the model has {}", r,
                                                           z[static_cast<size_t>(r)].size(), Z));
    for (float v : z[static_cast<size_t>(r)])
      if (!std::isfinite(v))
        throw Error(ErrorCode::invalid_argument, fmt::format("decode: latent {} is not finite", r));
    std::memcpy(zt[r].data_ptr<float>(), z[static_cast<size_t>(r)].data(), static_cast<size_t>(Z) * sizeof(float));
    const auto& p = emotion[static_cast<size_t>(r)].probabilities();
    for (int k = 0; k < 4; ++k) et[r][k] = p[static_cast<size_t>(k)];
  }

  auto push = [](Row& row, int32_t t) {
    row.grammar->advance(t);  // refused after EOS: the position stays
    row.tokens.push_back(t);
    row.bars.push_back(row.grammar->bar());
    row.positions.push_back(row.grammar->position());
  };

  c10::InferenceMode inference;
  auto& net = *vae.net;
  const int32_t vocab = tok.vocab_size(), eos = tok.eos_id();
  const int32_t bar_token = tok.token_from_string("Bar");
  std::vector<Row> rows(static_cast<size_t>(B));
  for (int64_t r = 0; r < B; ++r) {
    Row& row = rows[static_cast<size_t>(r)];
    row.grammar = tok.grammar();
    row.random = sample::Random(params.seed + static_cast<uint64_t>(r));
    for (int32_t t : {tok.bos_id(), tok.emotion_id(emotion[static_cast<size_t>(r)].dominant())}) push(row, t);
  }
  KVCache cache;
  std::vector<uint8_t> mask(static_cast<size_t>(vocab));
  std::vector<float> logits_row(static_cast<size_t>(vocab));
  // Room for EOS: a segment never passes max_segment_tokens.
  const size_t limit = static_cast<size_t>(cfg.max_segment_tokens) - 1;
  size_t fed = 0;
  while (true) {
    const size_t n = rows[0].tokens.size();  // every row has the same length (finished rows repeat EOS)
    const int64_t L = static_cast<int64_t>(n - fed);
    auto tokens = torch::empty({B, L}, torch::kLong);
    auto bars = torch::empty({B, L}, torch::kLong);
    auto positions = torch::empty({B, L}, torch::kLong);
    for (int64_t r = 0; r < B; ++r) {
      const Row& row = rows[static_cast<size_t>(r)];
      for (size_t i = fed; i < n; ++i) {
        tokens[r][static_cast<int64_t>(i - fed)] = static_cast<int64_t>(row.tokens[i]);
        bars[r][static_cast<int64_t>(i - fed)] = row.bars[i];
        positions[r][static_cast<int64_t>(i - fed)] = row.positions[i];
      }
    }
    auto logits =
        net.decode_cached(tokens, bars, positions, et, zt, cache).select(1, L - 1).to(torch::kFloat).contiguous();
    fed = n;
    bool all_done = true;
    for (int64_t r = 0; r < B; ++r) {
      Row& row = rows[static_cast<size_t>(r)];
      if (row.done) {
        push(row, eos);  // padding for the batch; removed below
        continue;
      }
      std::memcpy(logits_row.data(), logits[r].data_ptr<float>(), sizeof(float) * static_cast<size_t>(vocab));
      row.grammar->allowed(mask.data());
      if (mask[static_cast<size_t>(eos)]) row.last_complete = row.tokens.size();
      if (row.grammar->bar() >= cfg.segment_bars && mask[static_cast<size_t>(bar_token)]) {
        // The segment has its bars: where the model would start another, it ends.
        if (mask[static_cast<size_t>(eos)]) sample::fold_probability(logits_row.data(), bar_token, eos);
        mask[static_cast<size_t>(bar_token)] = 0;
      }
      int32_t t = sample::choose_token(logits_row.data(), mask.data(), vocab, params, row.random);
      if (t < 0) t = eos;
      if (t != eos && row.tokens.size() + 1 >= limit) {
        // Out of room: end where the segment last could. The row leaves the
        // batch, so what its cache holds no longer matters; it is padded
        // with EOS to the batch's length.
        const size_t keep = std::max<size_t>(row.last_complete, 2);
        row.final_tokens.assign(row.tokens.begin(), row.tokens.begin() + std::ptrdiff_t(keep));
        row.final_tokens.push_back(eos);
        t = eos;
      }
      push(row, t);
      if (t == eos) row.done = true;
      all_done = all_done && row.done;
    }
    if (all_done) break;
  }
  std::vector<std::vector<int32_t>> out;
  for (auto& row : rows) {
    if (!row.final_tokens.empty()) {
      out.push_back(std::move(row.final_tokens));
      continue;
    }
    auto end = std::find(row.tokens.begin() + 2, row.tokens.end(), eos);
    out.emplace_back(row.tokens.begin(), end == row.tokens.end() ? end : end + 1);
  }
  return out;
}

}  // namespace emopiano::vae
