// The emotion classifier's network: token, position and position-in-bar
// embeddings, the generator's pre-LayerNorm blocks, a masked mean over the
// window, and a 4-way head. The blocks attend causally, so padding at the end
// of a short window never reaches a real token and needs no attention mask;
// the mean pools over the real tokens only.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "emopiano/classifier.hpp"
#include "model/classifier_input.hpp"
#include "model/emotion_transformer.hpp"

namespace emopiano {

struct EmotionClassifierNetImpl : torch::nn::Module {
  EmotionClassifierNetImpl(const ClassifierConfig& config, int64_t vocab_size, int64_t positions_per_bar);
  // tokens, positions: int64 [B, T] (T <= window); mask: float [B, T], 1 for
  // real tokens, 0 for padding. Returns logits float [B, 4].
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& positions, const torch::Tensor& mask);
  void init_weights(uint64_t seed);

  ClassifierConfig config;
  int64_t vocab_size, positions_per_bar;
  torch::nn::Embedding token_embedding{nullptr}, position_embedding{nullptr}, bar_position_embedding{nullptr};
  detail::RowDropout embedding_dropout{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm final_ln{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(EmotionClassifierNet);

// The "features" architecture: features standardised with the training
// set's mean and spread (stored with the weights), then a linear 4-way head.
struct EmotionFeatureNetImpl : torch::nn::Module {
  explicit EmotionFeatureNetImpl(int64_t features);
  // features: float [B, F]. Returns logits float [B, 4].
  torch::Tensor forward(const torch::Tensor& features);
  torch::Tensor mean, scale;  // buffers [F]
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(EmotionFeatureNet);

struct EmotionClassifier::Impl {
  ClassifierConfig config;
  std::unique_ptr<Tokenizer> tokenizer;
  EmotionClassifierNet net{nullptr};       // architecture "transformer"
  EmotionFeatureNet feature_net{nullptr};  // architecture "features"
  std::string metadata_json = "{}";
  torch::nn::Module& module() const;  // whichever of the two is in use
};

namespace detail {

// A classifier with a copy of the weights and metadata of `classifier`,
// sharing nothing with it: what a trainer trains, so that copies of the
// handle other threads classify with never change.
EmotionClassifier copy_classifier(const EmotionClassifier& classifier);

// Padded [rows, T] arrays of the windows (start, length) of one input.
struct WindowBatch {
  torch::Tensor tokens, positions, mask;
};
WindowBatch make_window_batch(const std::vector<const ClassifierInput*>& inputs, const std::vector<int64_t>& starts,
                              int64_t window, int32_t pad_id);

// Mean of the softmax over the inference windows of one input (eval mode, no grad).
std::array<double, 4> classifier_probabilities(EmotionClassifierNetImpl& net, const ClassifierInput& input,
                                               int32_t pad_id);

// The features of a token sequence (decoded), as a float tensor [F].
torch::Tensor feature_tensor(const Tokenizer& tokenizer, const std::vector<int32_t>& tokens);

}  // namespace detail
}  // namespace emopiano
