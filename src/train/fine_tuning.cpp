// Loading a trained model as the start of another run (pre-train, then
// fine-tune): its weights are reused only when they mean the same thing, so
// the architecture and the vocabulary must match what the run asks for.
#include <string>
#include <vector>

#include <fmt/core.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/trainer.hpp"
#include "model/model_impl.hpp"

namespace emopiano {

namespace {

// The model with `kv_heads` K/V heads (a divisor of its own): every weight
// copied, and in each block's qkv projection each new K/V head the mean of
// the model's K/V heads it replaces (their weight rows and biases), so that
// query head h still reads (the mean of) the keys and values it read.
Model grouped_from(const Model& model, int kv_heads) {
  ModelConfig config = model.config();
  const int64_t from_kv = config.kv_heads(), pool = from_kv / kv_heads;
  const int64_t d = config.d_model, D = d / config.n_heads;
  config.n_kv_heads = kv_heads;
  Model grouped = Model::create(config, model.tokenizer().config());
  torch::NoGradGuard no_grad;
  auto from = impl_of(model).net->named_parameters(true);
  for (auto& p : impl_of(grouped).net->named_parameters(true)) {
    const torch::Tensor& f = from[p.key()];
    if (p.value().sizes() == f.sizes()) {
      p.value().copy_(f);
      continue;
    }
    // A qkv weight [d + 2 kv D, d] or bias [d + 2 kv D]: the queries as
    // they are, then keys and values pooled head group by head group.
    p.value().narrow(0, 0, d).copy_(f.narrow(0, 0, d));
    for (int64_t part = 0; part < 2; ++part) {
      const auto heads = f.narrow(0, d + part * from_kv * D, from_kv * D);
      std::vector<int64_t> shape{kv_heads, pool, D};  // [new head, the heads it pools, D, (d)]
      for (int64_t i = 1; i < heads.dim(); ++i) shape.push_back(heads.size(i));
      auto target = p.value().narrow(0, d + part * kv_heads * D, kv_heads * D);
      target.copy_(heads.reshape(shape).mean(1).reshape(target.sizes()));
    }
  }
  grouped.set_metadata_json(model.metadata_json());
  return grouped;
}

}  // namespace

Model load_model_for_fine_tuning(const std::filesystem::path& path, const ModelConfig* expected_model,
                                 const TokenizerConfig* expected_tokenizer) {
  Model model = Model::load(path, LoadOptions{InferencePrecision::f32});  // trained next
  std::vector<std::string> differences;
  if (expected_model) {
    const ModelConfig& m = model.config();
    const ModelConfig& e = *expected_model;
    auto check = [&](const char* name, long long have, long long want) {
      if (have != want) differences.push_back(fmt::format("{} is {} in the model, {} in the config", name, have, want));
    };
    check("n_layers", m.n_layers, e.n_layers);
    check("d_model", m.d_model, e.d_model);
    check("n_heads", m.n_heads, e.n_heads);
    // Fewer K/V heads are made from the model's (grouped_from() below).
    if (m.kv_heads() % e.kv_heads() != 0) check("n_kv_heads", m.kv_heads(), e.kv_heads());
    check("d_ff", m.d_ff, e.d_ff);
    check("context_length", m.context_length, e.context_length);
    check("max_bars", m.max_bars, e.max_bars);
  }
  // The grid a score is laid on before encoding is not part of the
  // vocabulary: a model may be fine-tuned on another grid choice.
  TokenizerConfig same_grid = model.tokenizer().config();
  if (expected_tokenizer) same_grid.grid = expected_tokenizer->grid;
  if (expected_tokenizer && !(same_grid == *expected_tokenizer)) {
    auto want = Tokenizer::create(*expected_tokenizer);
    differences.push_back(fmt::format(
        "the tokenizer differs (vocabulary of {} tokens in the model, {} in the config; model tokenizer {})",
        model.tokenizer().vocab_size(), want->vocab_size(), model.tokenizer().config().to_json()));
  }
  if (!differences.empty()) {
    std::string all;
    for (const auto& d : differences) all += (all.empty() ? "" : "; ") + d;
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} cannot be fine-tuned with this config: {}", path.string(), all));
  }
  if (expected_model && expected_model->kv_heads() < model.config().kv_heads())
    model = grouped_from(model, expected_model->kv_heads());
  ModelConfig run_config = model.config();
  // A sliding window changes what attention sees, not what a weight means:
  // a model is fine-tuned into (or out of) one with the same weights.
  if (expected_model) run_config.attention_window = expected_model->attention_window;
  const bool same_tokenizer = !expected_tokenizer || model.tokenizer().config() == *expected_tokenizer;
  if (!same_tokenizer || !(run_config == model.config())) {
    // Only the grid or the window differs: the same weights under the run's configs.
    Model moved = Model::create(run_config, same_tokenizer ? model.tokenizer().config() : *expected_tokenizer);
    torch::NoGradGuard no_grad;
    auto from = impl_of(model).net->named_parameters(true);
    for (auto& p : impl_of(moved).net->named_parameters(true)) p.value().copy_(from[p.key()]);
    moved.set_metadata_json(model.metadata_json());
    return moved;
  }
  return model;
}

}  // namespace emopiano
