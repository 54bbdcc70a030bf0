#include "tokenizer/remi_tokenizer.hpp"

#include <fmt/core.h>

#include "emopiano/error.hpp"
#include "tokenizer/remi_grammar.hpp"

namespace emopiano::tokenizer {

RemiTokenizer::RemiTokenizer(const TokenizerConfig& config) : vocab_(std::make_shared<const RemiVocabulary>(config)) {}

int32_t RemiTokenizer::emotion_id(Quadrant q) const {
  int i = static_cast<int>(q);
  if (i < 0 || i >= kNumQuadrants)
    throw Error(ErrorCode::invalid_argument, fmt::format("emotion_id: no quadrant {}", i));
  return vocab_->emotion.begin + i;
}

std::optional<Quadrant> RemiTokenizer::emotion_of(int32_t id) const {
  if (!vocab_->emotion.contains(id)) return std::nullopt;
  return static_cast<Quadrant>(id - vocab_->emotion.begin);
}

std::optional<int32_t> RemiTokenizer::key_id(const MusicalKey& key) const {
  if (vocab_->key.count == 0) return std::nullopt;
  return vocab_->key.begin + key_index(key);
}

std::optional<MusicalKey> RemiTokenizer::key_of(int32_t id) const {
  if (!vocab_->key.contains(id)) return std::nullopt;
  return key_from_index(id - vocab_->key.begin);
}

std::string RemiTokenizer::token_to_string(int32_t id) const {
  if (!vocab_->valid(id)) return fmt::format("<invalid:{}>", id);
  return vocab_->name(id);
}

int32_t RemiTokenizer::token_from_string(std::string_view text) const {
  if (auto id = vocab_->find(text)) return *id;
  throw Error(ErrorCode::not_found, fmt::format("no token \"{}\" in this REMI vocabulary", text));
}

std::unique_ptr<TokenGrammar> RemiTokenizer::grammar() const { return std::make_unique<RemiGrammar>(vocab_); }

}  // namespace emopiano::tokenizer
