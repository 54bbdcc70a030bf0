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
  if (expected_tokenizer && !(model.tokenizer().config() == *expected_tokenizer)) {
    // Only the grid differs: the same weights under the run's tokenizer config.
    Model moved = Model::create(model.config(), *expected_tokenizer);
    torch::NoGradGuard no_grad;
    auto from = impl_of(model).net->named_parameters(true);
    for (auto& p : impl_of(moved).net->named_parameters(true)) p.value().copy_(from[p.key()]);
    moved.set_metadata_json(model.metadata_json());
    return moved;
  }
  return model;
}

}  // namespace emopiano
