// The VAE's decoding loop: like the sampler's, one token per segment per
// step under the tokenizer's grammar, but every segment ends after
// segment_bars bars and within max_segment_tokens. Greedy decoding with
// several beams goes to latent_beam_search.cpp.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "sample/random.hpp"
#include "sample/token_choice.hpp"
#include "vae/latent_rows.hpp"
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

std::vector<std::vector<int32_t>> decode_latents(EmotionVae::Impl& vae, const std::vector<std::vector<float>>& z,
                                                 const std::vector<EmotionMix>& emotion, const SamplingParams& params) {
  params.validate();
  if (z.empty()) return {};
  if (params.beams > 1 && params.temperature == 0.0f) return beam_search_latents(vae, z, emotion, params.beams);
  const VaeConfig& cfg = vae.config;
  const Tokenizer& tok = *vae.tokenizer;
  const auto in = latent_inputs(cfg, z, emotion);

  c10::InferenceMode inference;
  auto& net = *vae.net;
  const int32_t vocab = tok.vocab_size(), eos = tok.eos_id();
  const size_t B = z.size();
  std::vector<LatentRow> rows;
  std::vector<sample::Random> random;
  for (size_t r = 0; r < B; ++r) {
    rows.emplace_back(tok, emotion[r]);
    random.emplace_back(params.seed + static_cast<uint64_t>(r));
  }
  std::vector<const LatentRow*> feed_rows;
  for (const auto& row : rows) feed_rows.push_back(&row);
  KVCache cache;
  std::vector<uint8_t> mask(static_cast<size_t>(vocab));
  std::vector<float> logits_row(static_cast<size_t>(vocab));
  size_t fed = 0;
  while (true) {
    const auto feed = decoder_feed(feed_rows, fed);
    const int64_t L = feed.tokens.size(1);
    auto logits = net.decode_cached(feed.tokens, feed.bars, feed.positions, in.emotion, in.z, cache)
                      .select(1, L - 1)
                      .to(torch::kFloat)
                      .contiguous();
    fed = rows[0].tokens.size();
    bool all_done = true;
    for (size_t r = 0; r < B; ++r) {
      LatentRow& row = rows[r];
      if (row.done) {
        row.push(eos);  // padding for the batch; removed by result()
        continue;
      }
      std::memcpy(logits_row.data(), logits[static_cast<int64_t>(r)].data_ptr<float>(),
                  sizeof(float) * static_cast<size_t>(vocab));
      row.next_tokens(tok, cfg, logits_row.data(), mask.data());
      int32_t t = sample::choose_token(logits_row.data(), mask.data(), vocab, params, random[r]);
      if (t < 0) t = eos;
      if (t != eos && row.out_of_room(cfg)) {
        // The row leaves the batch, so what its cache holds no longer
        // matters; it is padded with EOS to the batch's length.
        row.end_where_complete(eos);
        t = eos;
      }
      row.push(t);
      if (t == eos) row.done = true;
      all_done = all_done && row.done;
    }
    if (all_done) break;
  }
  std::vector<std::vector<int32_t>> out;
  for (const auto& row : rows) out.push_back(row.result(eos));
  return out;
}

}  // namespace emopiano::vae
