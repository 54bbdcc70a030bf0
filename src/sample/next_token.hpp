// The tokens a generated sequence may take next, before the caller's own
// limits (bar limit, end of piece): shared by the sampler and the live session.
#pragma once

#include <cstdint>
#include <vector>

#include "emopiano/tokenizer.hpp"

namespace emopiano::sample {

// Fills `mask` (vocab_size entries) with what the grammar allows, or, without
// `constrain_grammar`, everything but PAD and BOS. Key tokens are always
// cleared: the request chooses the key and the emotion changes it, the model
// never does. Returns whether the grammar allows EOS here (the sequence is
// complete), whatever `constrain_grammar` says.
bool allowed_next(const TokenGrammar& grammar, const Tokenizer& tokenizer, bool constrain_grammar,
                  const std::vector<int32_t>& key_tokens, uint8_t* mask);

}  // namespace emopiano::sample
