#include "sample/next_token.hpp"

#include <algorithm>

namespace emopiano::sample {

bool allowed_next(const TokenGrammar& grammar, const Tokenizer& tokenizer, bool constrain_grammar,
                  const std::vector<int32_t>& key_tokens, uint8_t* mask) {
  const int32_t vocab = tokenizer.vocab_size();
  grammar.allowed(mask);
  const bool eos_allowed = mask[tokenizer.eos_id()] != 0;
  if (!constrain_grammar) {
    std::fill(mask, mask + vocab, static_cast<uint8_t>(1));
    mask[tokenizer.pad_id()] = 0;
    mask[tokenizer.bos_id()] = 0;
  }
  for (int32_t k : key_tokens) mask[k] = 0;
  return eos_allowed;
}

}  // namespace emopiano::sample
