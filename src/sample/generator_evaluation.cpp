// Evaluating a generator: per quadrant, pieces generated in batches, each
// classified and measured; the real clips measured for comparison.
#include <chrono>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "emopiano/error.hpp"
#include "emopiano/evaluation.hpp"

namespace emopiano {

GeneratorEvaluation evaluate_generator(const Model& model, const EmotionClassifier& classifier,
                                       const GeneratorEvaluationOptions& options) {
  if (options.per_quadrant < 1 || options.bars < 1 || options.batch_size < 1)
    throw Error(ErrorCode::invalid_argument,
                fmt::format("evaluate_generator: per_quadrant ({}), bars ({}) and batch_size ({}) must be >= 1",
                            options.per_quadrant, options.bars, options.batch_size));
  const bool same_tokens = model.tokenizer().config() == classifier.tokenizer().config();
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  GeneratorEvaluation out;
  Sampler sampler(model);
  std::array<std::vector<MusicMetrics>, 4> measured;
  const int64_t total = 4 * static_cast<int64_t>(options.per_quadrant);
  int64_t done = 0;
  // Stop between batches when the progress callback says so, and inside a
  // batch through the request's cancel token.
  CancelToken cancel = options.cancel;
  for (int q = 0; q < 4; ++q) {
    const Quadrant quadrant = static_cast<Quadrant>(q);
    for (int first = 0; first < options.per_quadrant; first += options.batch_size) {
      const int count = std::min(options.batch_size, options.per_quadrant - first);
      GenerationRequest request;
      request.emotion = EmotionTrajectory(EmotionMix::from_quadrant(quadrant));
      request.params = options.params;
      request.params.max_bars = options.bars;
      // Distinct seeds for every piece of every quadrant.
      request.params.seed = options.params.seed + static_cast<uint64_t>(q) * 1000003u + static_cast<uint64_t>(first);
      request.cancel = cancel;
      if (options.progress) {
        request.on_progress = [&](const ProgressInfo& step) {
          ProgressInfo info{
              "generate", done, total, elapsed(),
              fmt::format("{} piece {}/{} {}", quadrant_name(quadrant), first + 1, options.per_quadrant, step.detail)};
          return options.progress(info);
        };
      }
      std::vector<GenerationResult> pieces = sampler.generate_batch(request, count);
      for (int i = 0; i < count; ++i) {
        const GenerationResult& piece = pieces[static_cast<size_t>(i)];
        EmotionPrediction p = same_tokens ? classifier.classify_tokens(piece.tokens) : classifier.classify(piece.score);
        out.accuracy.add(quadrant, p);
        measured[q].push_back(compute_metrics(piece.score));
        if (options.on_piece) options.on_piece(quadrant, first + i, piece, p);
        ++done;
      }
      if (options.progress && !options.progress(ProgressInfo{"generate", done, total, elapsed(), ""}))
        throw Error(ErrorCode::cancelled, "evaluation cancelled");
      if (cancel.cancelled()) throw Error(ErrorCode::cancelled, "evaluation cancelled");
    }
  }
  for (int q = 0; q < 4; ++q) out.generated[q] = summarize_metrics(measured[q]);
  if (!options.reference_data.empty()) {
    out.reference = reference_metrics(options.reference_data, options.progress, cancel);
    out.has_reference = true;
  }
  out.seconds = elapsed();
  return out;
}

std::string GeneratorEvaluation::to_json() const {
  nlohmann::json j = {{"accuracy", nlohmann::json::parse(accuracy.to_json())}, {"seconds", seconds}};
  for (int q = 0; q < 4; ++q) {
    const char* name = quadrant_name(static_cast<Quadrant>(q));
    j["generated"][name] = nlohmann::json::parse(generated[q].to_json());
    if (has_reference) j["reference"][name] = nlohmann::json::parse(reference[q].to_json());
  }
  return j.dump();
}

}  // namespace emopiano
