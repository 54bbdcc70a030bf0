// EmotionClassifier: the network, creation, classification, and its file
// (the model-file container with "kind": "emotion-classifier").
#include "model/emotion_classifier.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "core/atomic_file.hpp"
#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/midi.hpp"
#include "eval/emotion_features.hpp"
#include "model/own_generator.hpp"
#include "model/tensor_container.hpp"
#include "tokenizer/saved_tokenizer_config.hpp"

namespace emopiano {

namespace {
constexpr const char* kKind = "emotion-classifier";
}

EmotionClassifierNetImpl::EmotionClassifierNetImpl(const ClassifierConfig& cfg, int64_t vocab, int64_t ppb)
    : config(cfg), vocab_size(vocab), positions_per_bar(ppb) {
  config.validate();
  if (vocab_size <= 0 || positions_per_bar <= 0)
    throw Error(ErrorCode::invalid_argument, "EmotionClassifier: vocab_size and positions_per_bar must be positive");
  const int64_t d = config.d_model;
  token_embedding = register_module("token_embedding", torch::nn::Embedding(vocab_size, d));
  position_embedding = register_module("position_embedding", torch::nn::Embedding(config.window, d));
  bar_position_embedding = register_module("bar_position_embedding", torch::nn::Embedding(positions_per_bar, d));
  embedding_dropout = register_module("embedding_dropout", detail::RowDropout(config.dropout));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < config.n_layers; ++i)
    blocks->push_back(TransformerBlock(d, config.n_heads, config.d_ff, config.dropout));
  final_ln = register_module("final_ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  head = register_module("head", torch::nn::Linear(d, 4));
}

void EmotionClassifierNetImpl::init_weights(uint64_t seed) {
  // As the generator: N(0, 0.02), zero biases, unit norms, residual
  // projections scaled by depth; a private generator for reproducibility.
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  const double std = 0.02, residual_std = std / std::sqrt(2.0 * config.n_layers);
  for (auto& item : named_parameters(true)) {
    const std::string& name = item.key();
    auto& p = item.value();
    auto ends_with = [&](const std::string& s) {
      return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    if (name.find("ln") != std::string::npos) {
      if (ends_with("weight"))
        p.fill_(1.0);
      else
        p.zero_();
    } else if (ends_with("bias")) {
      p.zero_();
    } else if (ends_with("proj.weight") || ends_with("ff2.weight")) {
      p.normal_(0.0, residual_std, gen);
    } else {
      p.normal_(0.0, std, gen);
    }
  }
}

torch::Tensor EmotionClassifierNetImpl::forward(const torch::Tensor& tokens, const torch::Tensor& positions,
                                                const torch::Tensor& mask) {
  if (tokens.dim() != 2 || positions.sizes() != tokens.sizes() || mask.sizes() != tokens.sizes())
    throw Error(ErrorCode::invalid_argument, "EmotionClassifier: tokens, positions and mask must all be [B, T]");
  const int64_t T = tokens.size(1);
  if (T == 0 || T > config.window)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("EmotionClassifier: {} tokens per window, expected 1..{}", T, config.window));
  auto pos = torch::arange(0, T, torch::TensorOptions().dtype(torch::kLong));
  auto x = token_embedding(tokens.clamp(0, vocab_size - 1)) + position_embedding(pos).unsqueeze(0) +
           bar_position_embedding(positions.clamp(0, positions_per_bar - 1));
  x = embedding_dropout(x);
  for (size_t i = 0; i < blocks->size(); ++i)
    x = blocks->ptr<TransformerBlockImpl>(i)->forward(x, nullptr, nullptr, 0, 0);
  x = final_ln(x).to(torch::kFloat);
  auto m = mask.to(torch::kFloat).unsqueeze(-1);
  auto pooled = (x * m).sum(1) / m.sum(1).clamp_min(1.0);
  return head(pooled).to(torch::kFloat);
}

EmotionFeatureNetImpl::EmotionFeatureNetImpl(int64_t features) {
  mean = register_buffer("feature_mean", torch::zeros({features}));
  scale = register_buffer("feature_scale", torch::ones({features}));
  head = register_module("head", torch::nn::Linear(features, 4));
  torch::NoGradGuard no_grad;
  head->weight.zero_();
  head->bias.zero_();
}

torch::Tensor EmotionFeatureNetImpl::forward(const torch::Tensor& features) {
  if (features.dim() != 2 || features.size(1) != mean.size(0))
    throw Error(ErrorCode::invalid_argument, fmt::format("EmotionClassifier: features must be [B, {}]", mean.size(0)));
  return head((features.to(torch::kFloat) - mean) / scale);
}

torch::nn::Module& EmotionClassifier::Impl::module() const {
  if (net) return *net.ptr();
  return *feature_net.ptr();
}

namespace detail {

torch::Tensor feature_tensor(const Tokenizer& tokenizer, const std::vector<int32_t>& tokens) {
  const auto f = emotion_features(tokenizer.decode(tokens));
  return torch::tensor(std::vector<float>(f.begin(), f.end()), torch::kFloat);
}

WindowBatch make_window_batch(const std::vector<const ClassifierInput*>& inputs, const std::vector<int64_t>& starts,
                              int64_t window, int32_t pad_id) {
  const int64_t rows = static_cast<int64_t>(inputs.size());
  int64_t T = 1;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = static_cast<int64_t>(inputs[r]->tokens.size());
    T = std::max(T, std::min(window, n - starts[r]));
  }
  auto tokens = torch::full({rows, T}, pad_id, torch::kLong);
  auto positions = torch::zeros({rows, T}, torch::kLong);
  auto mask = torch::zeros({rows, T}, torch::kFloat);
  auto tk = tokens.accessor<int64_t, 2>();
  auto ps = positions.accessor<int64_t, 2>();
  auto mk = mask.accessor<float, 2>();
  for (int64_t r = 0; r < rows; ++r) {
    const auto& in = *inputs[r];
    const int64_t n = std::min<int64_t>(T, static_cast<int64_t>(in.tokens.size()) - starts[r]);
    for (int64_t t = 0; t < n; ++t) {
      tk[r][t] = in.tokens[starts[r] + t];
      ps[r][t] = in.positions[starts[r] + t];
      mk[r][t] = 1.0f;
    }
  }
  return {tokens, positions, mask};
}

std::array<double, 4> classifier_probabilities(EmotionClassifierNetImpl& net, const ClassifierInput& input,
                                               int32_t pad_id) {
  torch::NoGradGuard no_grad;
  const auto starts =
      inference_window_starts(static_cast<int64_t>(input.tokens.size()), net.config.window, net.config.max_windows);
  std::vector<const ClassifierInput*> inputs(starts.size(), &input);
  WindowBatch b = make_window_batch(inputs, starts, net.config.window, pad_id);
  auto probs = torch::softmax(net.forward(b.tokens, b.positions, b.mask), -1).mean(0).to(torch::kDouble);
  std::array<double, 4> out{};
  double sum = 0.0;
  for (int q = 0; q < 4; ++q) sum += out[q] = probs[q].item<double>();
  for (auto& x : out) x /= sum;  // exact normalisation after float rounding
  return out;
}

}  // namespace detail

EmotionClassifier::EmotionClassifier(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

EmotionClassifier EmotionClassifier::create(const ClassifierConfig& config, const TokenizerConfig& tokenizer,
                                            uint64_t seed) {
  config.validate();
  auto impl = std::make_shared<Impl>();
  impl->config = config;
  impl->tokenizer = Tokenizer::create(tokenizer);
  // LibTorch's module constructors draw a default initialisation from the
  // global generator; they draw from a scratch one, so creating or loading a
  // classifier leaves the host's draws alone.
  detail::OwnGenerator scratch;
  detail::OwnGenerator::Lease construction_draws(scratch);
  if (config.architecture == "features") {
    impl->feature_net = EmotionFeatureNet(static_cast<int64_t>(detail::emotion_feature_names().size()));
    impl->feature_net->eval();
  } else {
    impl->net = EmotionClassifierNet(config, impl->tokenizer->vocab_size(), impl->tokenizer->max_positions_per_bar());
    impl->net->init_weights(seed);
    impl->net->eval();
  }
  return EmotionClassifier(std::move(impl));
}

EmotionClassifier detail::copy_classifier(const EmotionClassifier& classifier) {
  const auto& from = impl_of(classifier);
  EmotionClassifier copy = EmotionClassifier::create(from.config, from.tokenizer->config(), 0);
  auto& to = impl_of(copy);
  to.metadata_json = from.metadata_json;
  torch::NoGradGuard no_grad;
  const NamedTensors source = named_tensors(from.module());
  NamedTensors target = named_tensors(to.module());
  for (size_t i = 0; i < target.size(); ++i) target[i].second.copy_(source[i].second);
  return copy;
}

EmotionPrediction EmotionClassifier::classify_tokens(const std::vector<int32_t>& tokens) const {
  if (impl_->feature_net) {
    torch::NoGradGuard no_grad;
    auto probs =
        torch::softmax(impl_->feature_net->forward(detail::feature_tensor(*impl_->tokenizer, tokens).unsqueeze(0)), -1)
            .to(torch::kDouble);
    std::array<double, 4> p{};
    double sum = 0.0;
    for (int q = 0; q < 4; ++q) sum += p[q] = probs[0][q].item<double>();
    for (auto& x : p) x /= sum;
    return prediction_from_probabilities(p, 1);
  }
  auto input = detail::make_classifier_input(*impl_->tokenizer, tokens);
  if (input.tokens.empty()) throw Error(ErrorCode::invalid_argument, "EmotionClassifier: no tokens to classify");
  auto& net = *impl_->net;
  if (net.is_training()) net.eval();
  const auto starts = detail::inference_window_starts(static_cast<int64_t>(input.tokens.size()), impl_->config.window,
                                                      impl_->config.max_windows);
  return prediction_from_probabilities(detail::classifier_probabilities(net, input, impl_->tokenizer->pad_id()),
                                       static_cast<int>(starts.size()));
}

EmotionPrediction EmotionClassifier::classify(const Score& score) const {
  return classify_tokens(impl_->tokenizer->encode(score));
}

const ClassifierConfig& EmotionClassifier::config() const { return impl_->config; }
const Tokenizer& EmotionClassifier::tokenizer() const { return *impl_->tokenizer; }
std::string EmotionClassifier::metadata_json() const { return impl_->metadata_json; }
void EmotionClassifier::set_metadata_json(const std::string& json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error(ErrorCode::invalid_argument, "classifier metadata: expected a JSON object");
  // Copy on write: other copies of this classifier, which other threads may
  // be reading, keep theirs. The network is shared, not copied.
  auto impl = std::make_shared<Impl>();
  impl->config = impl_->config;
  impl->tokenizer = Tokenizer::create(impl_->tokenizer->config());
  impl->net = impl_->net;
  impl->feature_net = impl_->feature_net;
  impl->metadata_json = j.dump();
  impl_ = std::move(impl);
}

int64_t EmotionClassifier::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : impl_->module().parameters()) n += p.numel();
  return n;
}

void EmotionClassifier::save(const std::filesystem::path& path, WeightStorage storage) const {
  nlohmann::json header = {
      {"kind", kKind},
      {"classifier", nlohmann::json::parse(impl_->config.to_json())},
      {"tokenizer", nlohmann::json::parse(impl_->tokenizer->config().to_json())},
      {"metadata", nlohmann::json::parse(impl_->metadata_json)},
  };
  const std::string bytes = detail::write_tensor_container(std::move(header), impl_->module(), storage);
  detail::write_file_atomically(path, bytes);
}

EmotionClassifier EmotionClassifier::load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(ErrorCode::io, fmt::format("classifier file {} does not exist or is not a file", path.string()));
  const std::string bytes = detail::read_file_bytes(path);
  const std::string what = "classifier file " + path.string();
  detail::TensorContainer c = detail::read_tensor_container(bytes, what, {"tokenizer"});
  if (c.header.value("kind", std::string()) != kKind || !c.header.contains("classifier"))
    detail::bad_container(what, "not an emotion classifier (a generator model file?)");
  ClassifierConfig config;
  TokenizerConfig tok;
  try {
    config = ClassifierConfig::from_json(c.header["classifier"].dump());
    tok = tokenizer::saved_tokenizer_config(c.header["tokenizer"].dump());
  } catch (const Error& e) {
    detail::bad_container(what, e.what());
  }
  if (config.architecture == "transformer") {
    const auto d = static_cast<uint64_t>(config.d_model);
    detail::check_config_fits_data(c,
                                   detail::transformer_block_values(static_cast<uint64_t>(config.n_layers), d,
                                                                    static_cast<uint64_t>(config.d_ff)) +
                                       static_cast<uint64_t>(config.window) * d,
                                   what);
  }
  EmotionClassifier classifier = create(config, tok, 0);
  if (c.header.contains("metadata") && c.header["metadata"].is_object())
    classifier.impl_->metadata_json = c.header["metadata"].dump();
  detail::load_tensors(c, detail::named_tensors(classifier.impl_->module()), what);
  classifier.impl_->module().eval();
  return classifier;
}

}  // namespace emopiano
