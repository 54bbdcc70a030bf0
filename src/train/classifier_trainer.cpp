// Training the emotion classifier: random windows of random training pieces
// (each piece equally likely, so long clips do not dominate), a random pitch
// transposition per window, AdamW with warm-up and cosine decay, optional
// bf16 autocast; validation averages windows as classify() does, and the
// weights with the best validation accuracy are kept.
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <random>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/impl_access.hpp"
#include "emopiano/classifier.hpp"
#include "emopiano/error.hpp"
#include "emopiano/version.hpp"
#include "eval/emotion_features.hpp"
#include "model/classifier_input.hpp"
#include "model/emotion_classifier.hpp"
#include "model/own_generator.hpp"
#include "model/tensor_container.hpp"
#include "model/torch_runtime.hpp"
#include "train/optimizer_step.hpp"
#include "train/pitch_transposer.hpp"
#include "train/window_batcher.hpp"

namespace emopiano {

namespace {

using Clock = std::chrono::steady_clock;

struct LabelledInput {
  detail::ClassifierInput input;
  int label = 0;
};

std::vector<LabelledInput> prepare(const Dataset& dataset, Split split, const Tokenizer& tokenizer) {
  std::vector<LabelledInput> out;
  const int32_t vocab = tokenizer.vocab_size();
  for (const DatasetItem* item : dataset.split(split)) {
    if (!item->labelled) continue;  // nothing to learn from without a label
    for (int32_t id : item->tokens)
      if (id < 0 || id >= vocab)
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("dataset piece {} has token id {} outside the classifier's vocabulary of {}: "
                                "the dataset was tokenized with a different tokenizer config",
                                item->name, id, vocab));
    LabelledInput li{detail::make_classifier_input(tokenizer, item->tokens), static_cast<int>(item->label)};
    if (li.input.tokens.size() < 2) continue;
    out.push_back(std::move(li));
  }
  return out;
}

// Features [N, F] and labels [N] of a split (pieces decoded from their tokens,
// as classify_tokens sees them).
std::pair<torch::Tensor, torch::Tensor> split_features(const Dataset& dataset, Split split, const Tokenizer& tok) {
  std::vector<torch::Tensor> rows;
  std::vector<int64_t> labels;
  for (const DatasetItem* item : dataset.split(split)) {
    if (!item->labelled) continue;  // nothing to learn from without a label
    rows.push_back(detail::feature_tensor(tok, item->tokens));
    labels.push_back(static_cast<int64_t>(item->label));
  }
  if (rows.empty()) return {};
  return {torch::stack(rows), torch::tensor(labels, torch::kLong)};
}

// Logistic regression: full-batch AdamW on the standardised features for each
// L2 strength, keeping the one with the best validation accuracy.
ClassifierTrainResult train_feature_classifier(EmotionClassifier& classifier, const Dataset& dataset,
                                               const ClassifierTrainerConfig& config,
                                               const ClassifierTrainerHooks& hooks) {
  auto& net = *impl_of(classifier).feature_net;
  const Tokenizer& tok = classifier.tokenizer();
  const auto started = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  auto [x, y] = split_features(dataset, Split::train, tok);
  if (!x.defined()) throw Error(ErrorCode::invalid_argument, "the dataset has no training pieces");
  auto [vx, vy] = split_features(dataset, Split::validation, tok);
  const bool validation_is_train = !vx.defined();
  if (validation_is_train) vx = x, vy = y;
  torch::NoGradGuard outer;
  net.mean.copy_(x.mean(0));
  net.scale.copy_(x.std(0, false).clamp_min(1e-6));
  // Random draws of this training come from a generator of its own.
  detail::OwnGenerator own_rng(config.seed);
  detail::OwnGenerator::Lease draws(own_rng);

  ClassifierTrainResult result;
  result.best_validation_accuracy = -1.0;
  detail::NamedTensors best;
  const double strengths[] = {config.weight_decay * 0.1, config.weight_decay, config.weight_decay * 10.0};
  int64_t total = 0;
  for (double l2 : strengths) {
    {
      torch::NoGradGuard no_grad;
      net.head->weight.zero_();
      net.head->bias.zero_();
    }
    torch::optim::Adam optimizer(net.parameters(), torch::optim::AdamOptions(config.learning_rate));
    double loss_value = 0.0;
    for (int64_t step = 0; step < config.max_steps; ++step, ++total) {
      if (hooks.cancel.cancelled()) throw Error(ErrorCode::cancelled, "classifier training cancelled");
      torch::AutoGradMode grad(true);
      optimizer.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(net.forward(x), y) + l2 * net.head->weight.pow(2).sum();
      loss.backward();
      optimizer.step();
      loss_value = loss.item<double>();
      if (hooks.progress) {
        ProgressInfo info{"train", total + 1, config.max_steps * 3, elapsed(),
                          fmt::format("l2 {:g} loss {:.3f}", l2, loss_value)};
        if (!hooks.progress(info)) throw Error(ErrorCode::cancelled, "classifier training cancelled");
      }
    }
    auto logits = net.forward(vx);
    const double accuracy = logits.argmax(-1).eq(vy).to(torch::kDouble).mean().item<double>();
    const double vloss = torch::nn::functional::cross_entropy(logits, vy).item<double>();
    if (hooks.on_validation) hooks.on_validation({total, loss_value, accuracy, vloss, elapsed()});
    if (accuracy > result.best_validation_accuracy) {
      result.best_validation_accuracy = accuracy;
      result.best_step = total;
      best.clear();
      for (auto& [name, t] : detail::named_tensors(net)) best.emplace_back(name, t.detach().clone());
    }
  }
  auto current = detail::named_tensors(net);
  for (size_t i = 0; i < current.size(); ++i) current[i].second.copy_(best[i].second);
  net.eval();
  result.steps = total;
  result.train_seconds = elapsed();
  nlohmann::json meta = {
      {"emopiano_version", version_string()},
      {"dataset",
       {{"layout", dataset.layout()},
        {"train_pieces", x.size(0)},
        {"validation_pieces", validation_is_train ? 0 : vx.size(0)},
        {"validation_split", validation_is_train ? "train" : "validation"}}},
      {"training",
       {{"steps", total},
        {"seconds", result.train_seconds},
        {"best_step", result.best_step},
        {"parameters", classifier.parameter_count()}}},
      {"validation_accuracy", result.best_validation_accuracy},
      {"features", detail::emotion_feature_names()},
      {"config", nlohmann::json::parse(config.to_json())},
  };
  classifier.set_metadata_json(meta.dump());
  return result;
}

}  // namespace

std::string ClassifierTrainerConfig::to_json() const {
  const char* bf16_name = bf16 == Bf16Mode::on ? "on" : bf16 == Bf16Mode::off ? "off" : "auto";
  return nlohmann::json{{"max_steps", max_steps},
                        {"max_minutes", max_minutes},
                        {"batch_size", batch_size},
                        {"learning_rate", learning_rate},
                        {"weight_decay", weight_decay},
                        {"warmup_steps", warmup_steps},
                        {"grad_clip", grad_clip},
                        {"transpose_min", transpose_min},
                        {"transpose_max", transpose_max},
                        {"eval_every", eval_every},
                        {"seed", seed},
                        {"threads", threads},
                        {"bf16", bf16_name}}
      .dump();
}

void ClassifierTrainerConfig::validate() const {
  auto bad = [](const std::string& what) {
    throw Error(ErrorCode::invalid_argument, "classifier trainer config: " + what);
  };
  if (max_steps < 1) bad(fmt::format("max_steps = {} must be >= 1", max_steps));
  if (!(max_minutes >= 0.0)) bad("max_minutes must be >= 0");
  if (batch_size < 1 || batch_size > 4096) bad(fmt::format("batch_size = {} must be in 1..4096", batch_size));
  if (!(learning_rate > 0.0 && learning_rate < 1.0)) bad("learning_rate must be in (0, 1)");
  if (!(weight_decay >= 0.0)) bad("weight_decay must be >= 0");
  if (warmup_steps < 0) bad("warmup_steps must be >= 0");
  if (!(grad_clip >= 0.0)) bad("grad_clip must be >= 0");
  if (transpose_min > 0 || transpose_max < 0 || transpose_min < -24 || transpose_max > 24)
    bad(fmt::format("transpose range [{}, {}] must contain 0 and lie in [-24, 24]", transpose_min, transpose_max));
  if (eval_every < 1) bad("eval_every must be >= 1");
  if (threads < 0) bad("threads must be >= 0");
}

namespace {

// The Transformer: minibatches of random windows, the best weights kept.
ClassifierTrainResult train_transformer_classifier(EmotionClassifier& classifier, const Dataset& dataset,
                                                   const ClassifierTrainerConfig& config,
                                                   const ClassifierTrainerHooks& hooks) {
  auto& impl = impl_of(classifier);
  auto& net = *impl.net;
  const Tokenizer& tok = *impl.tokenizer;
  const int64_t window = impl.config.window;
  const int32_t pad = tok.pad_id();

  std::vector<LabelledInput> train = prepare(dataset, Split::train, tok);
  std::vector<LabelledInput> validation = prepare(dataset, Split::validation, tok);
  if (train.empty()) throw Error(ErrorCode::invalid_argument, "the dataset has no training pieces");
  const bool validation_is_train = validation.empty();
  const std::vector<LabelledInput>& val = validation_is_train ? train : validation;

  std::unique_ptr<train::PitchTransposer> transposer;
  if (!tok.config().use_chords && (config.transpose_min != 0 || config.transpose_max != 0))
    transposer = std::make_unique<train::PitchTransposer>(tok, config.transpose_min, config.transpose_max);

  const bool bf16 = config.bf16 == Bf16Mode::on || (config.bf16 == Bf16Mode::automatic && detail::cpu_has_fast_bf16());

  auto adamw = train::make_adamw(
      net.named_parameters(true),
      torch::optim::AdamWOptions(config.learning_rate).betas({0.9, 0.98}).weight_decay(config.weight_decay),
      {"embedding"});
  torch::optim::AdamW& optimizer = *adamw;

  // The generator's schedule: linear warm-up, cosine decay to a tenth.
  TrainerConfig schedule;
  schedule.learning_rate = config.learning_rate;
  schedule.warmup_steps = config.warmup_steps;
  schedule.min_lr_ratio = 0.1;

  std::mt19937_64 rng(config.seed);
  // Dropout draws from a generator of this training's own, not the host's.
  detail::OwnGenerator dropout_rng(config.seed);
  detail::OwnGenerator::Lease dropout_draws(dropout_rng);

  auto validate = [&]() {
    net.eval();
    int64_t correct = 0;
    double loss = 0.0;
    for (const auto& v : val) {
      auto p = detail::classifier_probabilities(net, v.input, pad);
      int best = 0;
      for (int q = 1; q < 4; ++q)
        if (p[q] > p[best]) best = q;
      correct += best == v.label;
      loss -= std::log(std::max(p[v.label], 1e-9));
    }
    return std::make_pair(static_cast<double>(correct) / static_cast<double>(val.size()),
                          loss / static_cast<double>(val.size()));
  };

  ClassifierTrainResult result;
  result.bf16 = bf16;
  result.best_validation_accuracy = -1.0;
  detail::NamedTensors best;  // a copy of the best weights
  const auto started = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  double loss_sum = 0.0;
  int64_t loss_count = 0;

  auto checkpoint_best = [&](int64_t step) {
    auto [accuracy, vloss] = validate();
    ClassifierValidation v{step, loss_count ? loss_sum / static_cast<double>(loss_count) : 0.0, accuracy, vloss,
                           elapsed()};
    loss_sum = 0.0;
    loss_count = 0;
    if (accuracy > result.best_validation_accuracy) {
      result.best_validation_accuracy = accuracy;
      result.best_step = step;
      best.clear();
      for (auto& [name, t] : detail::named_tensors(net)) best.emplace_back(name, t.detach().clone());
    }
    if (hooks.on_validation) hooks.on_validation(v);
  };

  int64_t step = 0;
  for (; step < config.max_steps; ++step) {
    if (hooks.cancel.cancelled()) throw Error(ErrorCode::cancelled, "classifier training cancelled");
    if (config.max_minutes > 0 && elapsed() > config.max_minutes * 60.0) {
      result.stopped_by_time = true;
      break;
    }
    net.train();
    // A batch of random windows, each transposed by a random allowed shift.
    std::vector<detail::ClassifierInput> rows(static_cast<size_t>(config.batch_size));
    std::vector<int64_t> labels;
    for (auto& row : rows) {
      const auto& piece = train[train::uniform_below(rng, train.size())];
      const int64_t n = static_cast<int64_t>(piece.input.tokens.size());
      const int64_t start =
          n > window ? static_cast<int64_t>(train::uniform_below(rng, static_cast<uint64_t>(n - window + 1))) : 0;
      const int64_t len = std::min(window, n);
      row.tokens.assign(piece.input.tokens.begin() + start, piece.input.tokens.begin() + start + len);
      row.positions.assign(piece.input.positions.begin() + start, piece.input.positions.begin() + start + len);
      if (transposer) {
        int lo = 128, hi = -1;
        for (int32_t id : row.tokens)
          if (int p = transposer->pitch_of(id); p >= 0) lo = std::min(lo, p), hi = std::max(hi, p);
        auto [smin, smax] = transposer->allowed_shifts(lo, hi);
        const int shift = smin + static_cast<int>(train::uniform_below(rng, static_cast<uint64_t>(smax - smin + 1)));
        if (shift != 0) transposer->transpose(row.tokens.data(), row.tokens.size(), shift);
      }
      labels.push_back(piece.label);
    }
    std::vector<const detail::ClassifierInput*> inputs;
    for (auto& r : rows) inputs.push_back(&r);
    auto b = detail::make_window_batch(inputs, std::vector<int64_t>(rows.size(), 0), window, pad);
    auto target = torch::tensor(labels, torch::kLong);

    const double lr = learning_rate_at(schedule, step, config.max_steps);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    optimizer.zero_grad();
    torch::Tensor logits;
    {
      detail::Bf16Autocast autocast(bf16);
      logits = net.forward(b.tokens, b.positions, b.mask);
    }
    auto loss = torch::nn::functional::cross_entropy(logits.to(torch::kFloat), target);
    const double value = loss.item<double>();
    train::finish_step(loss, value, "classifier training", step, net.parameters(), config.grad_clip, optimizer);
    loss_sum += value;
    ++loss_count;

    if (hooks.progress) {
      ProgressInfo info{"train", step + 1, config.max_steps, elapsed(), fmt::format("loss {:.3f}", value)};
      if (!hooks.progress(info)) throw Error(ErrorCode::cancelled, "classifier training cancelled");
    }
    if ((step + 1) % config.eval_every == 0) checkpoint_best(step + 1);
  }
  if (step % config.eval_every != 0 || step == 0) checkpoint_best(step);

  // Keep the best weights.
  {
    torch::NoGradGuard no_grad;
    auto current = detail::named_tensors(net);
    for (size_t i = 0; i < current.size(); ++i) current[i].second.copy_(best[i].second);
  }
  net.eval();
  result.steps = step;
  result.train_seconds = elapsed();

  nlohmann::json meta = {
      {"emopiano_version", version_string()},
      {"dataset",
       {{"layout", dataset.layout()},
        {"train_pieces", train.size()},
        {"validation_pieces", validation.size()},
        {"validation_split", validation_is_train ? "train" : "validation"}}},
      {"training",
       {{"steps", step},
        {"seconds", result.train_seconds},
        {"bf16", bf16},
        {"threads", detail::torch_threads()},
        {"best_step", result.best_step},
        {"stopped_by_time", result.stopped_by_time},
        {"parameters", classifier.parameter_count()}}},
      {"validation_accuracy", result.best_validation_accuracy},
      {"config", nlohmann::json::parse(config.to_json())},
  };
  classifier.set_metadata_json(meta.dump());
  return result;
}

}  // namespace

ClassifierTrainResult train_classifier(EmotionClassifier& classifier, const Dataset& dataset,
                                       const ClassifierTrainerConfig& config, ClassifierTrainerHooks hooks) {
  config.validate();
  // Threads for this training only; the host's setting is back when it returns.
  detail::ScopedTorchThreads threads(config.threads);
  // Training writes to a copy of its own: other copies of the handle, which
  // may be classifying on other threads, never see a weight change, and
  // `classifier` takes the trained weights only when training succeeds.
  EmotionClassifier trained = detail::copy_classifier(classifier);
  const ClassifierTrainResult result = trained.config().architecture == "features"
                                           ? train_feature_classifier(trained, dataset, config, hooks)
                                           : train_transformer_classifier(trained, dataset, config, hooks);
  classifier = std::move(trained);
  return result;
}

}  // namespace emopiano
