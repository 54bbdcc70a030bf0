// The live session's state, visible to tests: what the network is fed, the
// context window and the cursor a cancelled bar falls back to.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "emopiano/session.hpp"
#include "model/emotion_transformer.hpp"
#include "sample/key_choice.hpp"
#include "sample/random.hpp"
#include "sample/sampler_impl.hpp"
#include "sample/token_inputs.hpp"

namespace emopiano {

namespace tokenizer {
class RemiGrammar;
}  // namespace tokenizer

struct GenerationSession::Impl {
  // Where the music stands: everything a bar changes, so a cancelled bar can
  // be taken back by restoring a copy.
  struct Cursor {
    std::unique_ptr<TokenGrammar> grammar;
    sample::TokenInputs inputs;  // the context window, at most context_length (+1) tokens
    sample::Random random{0};
    std::optional<MusicalKey> key;  // the key in force (models with Key tokens)
    float key_valence = 0.0f;       // the emotion's valence where `key` was set
    std::vector<int32_t> forced;    // tokens the next steps take instead of sampling
    int32_t bar_offset = 0;         // grammar bar - bar input (the window re-bases bars)
    int64_t sequence_length = 0;    // tokens since opening
    int64_t bars_written = 0;

    Cursor copy() const;
  };

  Impl(const Model& model, const SessionOptions& options);
  SessionBar next_bar();
  void reset();

  Model model;
  SessionOptions options;
  EmotionMix emotion;  // the emotion of the next bar
  CancelToken cancel;
  // Called for every token appended to the sequence, before it reaches the
  // network (FedToken::piece is 0). For tests and diagnostics.
  std::function<void(const FedToken&)> observer;

  // Read by tests: the network's cache and the cursor.
  KVCache cache;
  Cursor cursor;

 private:
  SessionBar write_bar(bool& slid);
  int32_t next_token(int64_t tokens_in_bar, bool& slid);
  void append(int32_t token, SessionBar* bar);
  const tokenizer::RemiGrammar& remi() const;

  EmotionTransformerImpl& net_;
  const Tokenizer& tokenizer_;
  int32_t vocab_ = 0;
  int32_t bar_token_ = -1;
  int32_t eos_ = 0;
  int64_t context_ = 0;
  float guidance_ = 1.0f;
  bool guided_ = false;
  std::vector<int32_t> key_tokens_;  // key_index -> token id; empty without Key tokens
  Cursor opening_;                   // the cursor after the prompt, for reset()
  std::vector<uint8_t> mask_;
  std::vector<float> row_;
};

}  // namespace emopiano
