// REMI (Huang & Yang 2020, "Pop Music Transformer"): bar and position tokens
// lay out time; each note is Pitch, Velocity, Duration. See docs/tokenizer.md.
#pragma once

#include <memory>

#include "emopiano/tokenizer.hpp"
#include "tokenizer/remi_vocabulary.hpp"

namespace emopiano::tokenizer {

class RemiTokenizer final : public Tokenizer {
 public:
  explicit RemiTokenizer(const TokenizerConfig& config);

  const TokenizerConfig& config() const override { return vocab_->config(); }
  int32_t vocab_size() const override { return vocab_->size(); }
  int32_t pad_id() const override { return vocab_->pad(); }
  int32_t bos_id() const override { return vocab_->bos(); }
  int32_t eos_id() const override { return vocab_->eos(); }
  int32_t emotion_id(Quadrant q) const override;
  int32_t bar_id() const override { return vocab_->bar(); }
  std::optional<Quadrant> emotion_of(int32_t id) const override;
  std::optional<int32_t> key_id(const MusicalKey& key) const override;
  std::optional<MusicalKey> key_of(int32_t id) const override;

  std::vector<int32_t> encode(const Score& score, std::optional<Quadrant> emotion, EncodeStats* stats) const override;
  Score decode(const int32_t* ids, size_t count) const override;
  using Tokenizer::decode;

  std::string token_to_string(int32_t id) const override;
  int32_t token_from_string(std::string_view text) const override;
  std::unique_ptr<TokenGrammar> grammar() const override;
  int32_t max_positions_per_bar() const override { return vocab_->max_positions_per_bar(); }

 private:
  std::shared_ptr<const RemiVocabulary> vocab_;
};

}  // namespace emopiano::tokenizer
