// Training the conditional VAE: random segments of the training pieces,
// transposed; reconstruction cross-entropy plus the annealed, free-bits KL;
// AdamW with warm-up and cosine decay; validation with the KL of each latent
// dimension and the number of active ones; checkpoints and exact resume. At
// the end, the mean latent of each quadrant's training segments is stored in
// the model for emotion arithmetic.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <unordered_set>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "emopiano/version.hpp"
#include "model/own_generator.hpp"
#include "model/torch_runtime.hpp"
#include "train/checkpoint.hpp"
#include "train/optimizer_step.hpp"
#include "train/pitch_transposer.hpp"
#include "train/resume_point.hpp"
#include "train/training_log.hpp"
#include "vae/segment_batch.hpp"
#include "vae/vae_impl.hpp"
#include "vae/word_dropout.hpp"

namespace emopiano {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Piece {
  const DatasetItem* item;
  std::vector<size_t> bars;  // Bar token indices
};

}  // namespace

struct VaeTrainer::Impl {
  EmotionVae vae;
  VaeTrainerConfig config;
  VaeTrainerHooks hooks;
  std::vector<Piece> train_pieces;
  std::vector<std::pair<size_t, size_t>> starts;  // (piece, first bar) of every training segment
  std::vector<std::vector<int32_t>> validation_segments;
  std::vector<Quadrant> validation_labels;
  double mean_segment_tokens = 1.0;  // scales the loss to about one nat per token
  std::unique_ptr<train::PitchTransposer> transposer;
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::mt19937_64 rng;
  detail::OwnGenerator noise_rng;  // dropout and z noise; never LibTorch's global generator
  int64_t step = 0;
  double train_seconds = 0.0;
  bool bf16 = false;
  fs::path last_checkpoint;
  std::unique_ptr<train::TrainingLog> log;
  int64_t train_piece_count = 0, validation_piece_count = 0;

  Impl(EmotionVae v, const Dataset& dataset, const VaeTrainerConfig& cfg, VaeTrainerHooks h)
      : vae(detail::copy_vae(v)), config(cfg), hooks(std::move(h)) {
    config.validate();
    auto& impl = impl_of(vae);
    const Tokenizer& tok = *impl.tokenizer;
    const int32_t vocab = tok.vocab_size();
    int64_t segment_tokens = 0, segment_count = 0;
    for (const DatasetItem& item : dataset.items()) {
      if (!item.labelled) continue;  // the VAE is conditioned on every segment's emotion
      for (int32_t id : item.tokens)
        if (id < 0 || id >= vocab)
          throw Error(ErrorCode::invalid_argument,
                      fmt::format("dataset piece {} has token id {} outside the VAE's vocabulary of {}: the dataset "
                                  "was tokenized with a different tokenizer config",
                                  item.name, id, vocab));
      Piece p{&item, impl.cutter->bar_starts(item.tokens)};
      if (p.bars.empty()) continue;
      if (item.split == Split::train) {
        const size_t last = p.bars.size() > static_cast<size_t>(impl.config.segment_bars)
                                ? p.bars.size() - static_cast<size_t>(impl.config.segment_bars)
                                : 0;
        for (size_t b = 0; b <= last; ++b) starts.emplace_back(train_pieces.size(), b);
        for (const auto& s : impl.cutter->all(item.tokens, item.label)) {
          segment_tokens += static_cast<int64_t>(s.size());
          ++segment_count;
        }
        train_pieces.push_back(std::move(p));
        ++train_piece_count;
      } else if (item.split == Split::validation) {
        for (auto& s : impl.cutter->all(item.tokens, item.label)) {
          validation_segments.push_back(std::move(s));
          validation_labels.push_back(item.label);
        }
        ++validation_piece_count;
      }
    }
    if (train_pieces.empty())
      throw Error(ErrorCode::invalid_argument,
                  "the dataset has no training pieces with bars (split \"train\" is empty)");
    mean_segment_tokens =
        static_cast<double>(segment_tokens) / static_cast<double>(std::max<int64_t>(segment_count, 1));
    if (!tok.config().use_chords && (config.transpose_min != 0 || config.transpose_max != 0))
      transposer = std::make_unique<train::PitchTransposer>(tok, config.transpose_min, config.transpose_max);
    bf16 = config.bf16 == Bf16Mode::on || (config.bf16 == Bf16Mode::automatic && detail::cpu_has_fast_bf16());

    optimizer = train::make_adamw(
        impl.net->named_parameters(true),
        torch::optim::AdamWOptions(config.learning_rate).betas({0.9, 0.98}).weight_decay(config.weight_decay),
        {"embedding", "tokens", "emotion"});
    rng.seed(config.seed);
    noise_rng.seed(config.seed);
    log = std::make_unique<train::TrainingLog>(config.log_path);
  }

  double learning_rate(int64_t s) const {
    if (config.warmup_steps > 0 && s < config.warmup_steps)
      return config.learning_rate * static_cast<double>(s + 1) / static_cast<double>(config.warmup_steps);
    const double span = static_cast<double>(std::max<int64_t>(1, config.max_steps - config.warmup_steps));
    const double progress = std::clamp(static_cast<double>(s - config.warmup_steps) / span, 0.0, 1.0);
    const double floor = config.learning_rate * config.min_lr_ratio;
    return floor + (config.learning_rate - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
  }

  vae::SegmentBatch training_batch() {
    auto& impl = impl_of(vae);
    std::vector<std::vector<int32_t>> segments;
    std::vector<Quadrant> labels;
    std::uniform_int_distribution<size_t> pick(0, starts.size() - 1);
    for (int i = 0; i < config.batch_size; ++i) {
      const auto [piece, bar] = starts[pick(rng)];
      const Piece& p = train_pieces[piece];
      auto s = impl.cutter->segment(p.item->tokens, p.bars, bar, p.item->label);
      if (transposer) {
        int lo = 128, hi = -1;
        for (int32_t t : s) {
          const int pitch = transposer->pitch_of(t);
          if (pitch >= 0) {
            lo = std::min(lo, pitch);
            hi = std::max(hi, pitch);
          }
        }
        auto [min_shift, max_shift] = transposer->allowed_shifts(lo, hi);
        const int shift = std::uniform_int_distribution<int>(min_shift, max_shift)(rng);
        if (shift != 0) transposer->transpose(s.data(), s.size(), shift);
      }
      segments.push_back(std::move(s));
      labels.push_back(p.item->label);
    }
    return vae::make_batch(*impl.cutter, segments, labels, impl.tokenizer->pad_id());
  }

  struct StepResult {
    double loss, reconstruction, kl;
    int64_t tokens;
  };

  StepResult train_step() {
    auto& impl = impl_of(vae);
    auto& net = *impl.net;
    net.train();
    vae::SegmentBatch b = training_batch();
    // The padding id stands for a hidden input: no real input is ever padding.
    vae::drop_words(b.tokens, config.word_dropout, impl.tokenizer->pad_id(), rng);
    const double lr = learning_rate(step);
    for (auto& group : optimizer->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    optimizer->zero_grad();
    detail::OwnGenerator::Lease noise_draws(noise_rng);
    vae::Losses l = vae::forward(net, b, /*sample_z=*/true, bf16, impl.tokenizer->pad_id());
    const double beta = vae_beta_at(config, step);
    auto kl_cost = torch::clamp_min(l.kl - config.free_bits, 0.0);
    auto loss = (l.reconstruction.mean() + beta * kl_cost.mean()) / mean_segment_tokens;
    const double value = loss.item<double>();
    train::finish_step(loss, value, "VAE training", step, net.parameters(), config.grad_clip, *optimizer);
    return {value, l.reconstruction.mean().item<double>(), l.kl.mean().item<double>(), b.target_tokens};
  }

  VaeMetrics evaluate() {
    auto& impl = impl_of(vae);
    auto& net = *impl.net;
    const bool was_training = net.is_training();
    net.eval();
    torch::NoGradGuard no_grad;
    VaeMetrics m;
    m.step = step;
    m.beta = vae_beta_at(config, step);
    const int32_t pad = impl.tokenizer->pad_id();
    double rec = 0, kl = 0;
    int64_t correct = 0, tokens = 0;
    std::vector<torch::Tensor> means, kl_dims;
    const size_t rows = static_cast<size_t>(std::max(1, config.batch_size));
    const auto started = Clock::now();
    for (size_t i = 0; i < validation_segments.size(); i += rows) {
      const size_t end = std::min(validation_segments.size(), i + rows);
      std::vector<std::vector<int32_t>> segs(validation_segments.begin() + std::ptrdiff_t(i),
                                             validation_segments.begin() + std::ptrdiff_t(end));
      std::vector<Quadrant> labels(validation_labels.begin() + std::ptrdiff_t(i),
                                   validation_labels.begin() + std::ptrdiff_t(end));
      vae::SegmentBatch b = make_batch(*impl.cutter, segs, labels, pad);
      vae::Losses l = vae::forward(net, b, /*sample_z=*/false, bf16, pad);
      rec += l.reconstruction.sum().item<double>();
      kl += l.kl.sum().item<double>();
      auto mask = b.targets.ne(pad);
      correct += l.logits.argmax(-1).eq(b.targets).logical_and(mask).sum().item<int64_t>();
      tokens += b.target_tokens;
      means.push_back(l.mean);
      kl_dims.push_back(l.kl_dims);
      if (hooks.progress) {
        ProgressInfo info{"validate", static_cast<int64_t>(end), static_cast<int64_t>(validation_segments.size()),
                          std::chrono::duration<double>(Clock::now() - started).count(), ""};
        if (!hooks.progress(info)) hooks.cancel.cancel();
      }
    }
    if (was_training) net.train();
    m.segments = static_cast<int64_t>(validation_segments.size());
    if (m.segments == 0) return m;
    m.reconstruction = rec / static_cast<double>(m.segments);
    m.kl = kl / static_cast<double>(m.segments);
    m.token_loss = rec / static_cast<double>(std::max<int64_t>(tokens, 1));
    m.accuracy = static_cast<double>(correct) / static_cast<double>(std::max<int64_t>(tokens, 1));
    auto all_means = torch::cat(means, 0);
    auto variance = all_means.var(0, /*unbiased=*/false);
    m.active_dimensions = static_cast<int>(variance.gt(0.01).sum().item<int64_t>());
    auto per_dim = torch::cat(kl_dims, 0).mean(0).to(torch::kDouble).contiguous();
    m.kl_per_dimension.assign(per_dim.data_ptr<double>(), per_dim.data_ptr<double>() + per_dim.numel());
    return m;
  }

  // Mean posterior mean of each quadrant's training segments (untransposed).
  void store_quadrant_means() {
    auto& impl = impl_of(vae);
    auto& net = *impl.net;
    net.eval();
    torch::NoGradGuard no_grad;
    auto sums = torch::zeros({4, impl.config.latent_dim}, torch::kDouble);
    auto counts = torch::zeros({4}, torch::kDouble);
    std::vector<std::vector<int32_t>> segs;
    std::vector<Quadrant> labels;
    auto flush = [&] {
      if (segs.empty()) return;
      vae::SegmentBatch b = make_batch(*impl.cutter, segs, labels, impl.tokenizer->pad_id());
      torch::Tensor mean;
      {
        detail::Bf16Autocast autocast(bf16);
        mean = net.encode(b.encoder.tokens, b.encoder.bars, b.encoder.positions, b.encoder.padding, b.emotion).first;
      }
      mean = mean.to(torch::kDouble);
      for (size_t r = 0; r < labels.size(); ++r) {
        sums[static_cast<int64_t>(labels[r])] += mean[static_cast<int64_t>(r)];
        counts[static_cast<int64_t>(labels[r])] += 1.0;
      }
      segs.clear();
      labels.clear();
    };
    const auto started = Clock::now();
    for (size_t i = 0; i < train_pieces.size(); ++i) {
      const auto* item = train_pieces[i].item;
      for (auto& s : impl.cutter->all(item->tokens, item->label)) {
        segs.push_back(std::move(s));
        labels.push_back(item->label);
        if (static_cast<int>(segs.size()) >= config.batch_size) flush();
      }
      if (hooks.progress) {
        ProgressInfo info{"latent means", static_cast<int64_t>(i + 1), static_cast<int64_t>(train_pieces.size()),
                          std::chrono::duration<double>(Clock::now() - started).count(), ""};
        if (!hooks.progress(info)) hooks.cancel.cancel();
      }
    }
    flush();
    net.quadrant_means.copy_((sums / counts.clamp_min(1.0).unsqueeze(1)).to(torch::kFloat));
    net.quadrant_counts.copy_(counts.to(torch::kFloat));
  }

  train::TrainerState state(double seconds) const {
    train::TrainerState s;
    s.step = step;
    s.train_seconds = seconds;
    s.rng = train::mt19937_state(rng);
    s.torch_rng = train::torch_generator_state(noise_rng);
    s.config_json = config.to_json();
    s.train_pieces = train_piece_count;
    s.train_targets = static_cast<int64_t>(starts.size());
    return s;
  }

  void checkpoint(double seconds) {
    if (config.checkpoint_dir.empty()) return;
    EmotionVae v = vae;
    train::save_checkpoint(
        config.checkpoint_dir, [&](const fs::path& p) { v.save(p); }, *optimizer, state(seconds));
    last_checkpoint = config.checkpoint_dir;
    log->write("checkpoint", {{"step", step}, {"dir", config.checkpoint_dir.string()}});
  }

  nlohmann::json metrics_json(const VaeMetrics& m) const {
    return {{"step", m.step},
            {"segments", m.segments},
            {"reconstruction", m.reconstruction},
            {"token_loss", m.token_loss},
            {"accuracy", m.accuracy},
            {"kl", m.kl},
            {"beta", m.beta},
            {"active_dimensions", m.active_dimensions},
            {"kl_per_dimension", m.kl_per_dimension}};
  }
};

VaeTrainer::VaeTrainer(EmotionVae vae, const Dataset& dataset, const VaeTrainerConfig& config, VaeTrainerHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(vae), dataset, config, std::move(hooks))) {}
VaeTrainer::VaeTrainer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VaeTrainer::~VaeTrainer() = default;
VaeTrainer::VaeTrainer(VaeTrainer&&) noexcept = default;
VaeTrainer& VaeTrainer::operator=(VaeTrainer&&) noexcept = default;

VaeTrainer VaeTrainer::resume(const fs::path& dir, const Dataset& dataset, const VaeTrainerConfig& config,
                              VaeTrainerHooks hooks) {
  // The newest intact checkpoint: a damaged newest one falls back to the previous.
  const train::ResumePoint point = train::choose_resume_point(dir);
  train::TrainerState s = train::read_checkpoint_state_file(point.state_file);
  EmotionVae vae = EmotionVae::load(dir / s.model_file);
  auto impl = std::make_unique<Impl>(std::move(vae), dataset, config, std::move(hooks));
  train::load_optimizer(dir / s.optimizer_file, *impl->optimizer);
  impl->step = s.step;
  impl->train_seconds = s.train_seconds;
  train::set_mt19937_state(impl->rng, s.rng);
  train::set_torch_generator_state(impl->noise_rng, s.torch_rng);
  impl->last_checkpoint = dir;
  if (!point.fallback_reason.empty()) impl->log->write("warning", {{"message", point.fallback_reason}});
  impl->log->write("resume", {{"step", impl->step}, {"dir", dir.string()}});
  return VaeTrainer(std::move(impl));
}

VaeMetrics VaeTrainer::evaluate() { return impl_->evaluate(); }
// A copy: the trainer's own weights change with every further step.
EmotionVae VaeTrainer::vae() const { return detail::copy_vae(impl_->vae); }
int64_t VaeTrainer::step() const { return impl_->step; }

VaeTrainResult VaeTrainer::run() {
  Impl& m = *impl_;
  const auto started = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  const double budget = m.config.max_minutes * 60.0;
  // Threads for this run only; the host's setting is back when it returns.
  detail::ScopedTorchThreads threads(m.config.threads);
  // However run() ends, the network is left in eval mode.
  struct EvalOnExit {
    EmotionVae& vae;
    ~EvalOnExit() { impl_of(vae).net->eval(); }
  } eval_on_exit{m.vae};
  m.log->write("start", {{"step", m.step},
                         {"max_steps", m.config.max_steps},
                         {"train_pieces", m.train_piece_count},
                         {"train_segment_starts", static_cast<int64_t>(m.starts.size())},
                         {"validation_segments", static_cast<int64_t>(m.validation_segments.size())},
                         {"mean_segment_tokens", m.mean_segment_tokens},
                         {"parameters", m.vae.parameter_count()},
                         {"bf16", m.bf16},
                         {"threads", detail::torch_threads()},
                         {"vae", nlohmann::json::parse(m.vae.config().to_json())},
                         {"train", nlohmann::json::parse(m.config.to_json())}});
  VaeTrainResult result;
  result.bf16 = m.bf16;
  double loss_sum = 0, rec_sum = 0, kl_sum = 0, report_loss = 0;
  int64_t log_steps = 0, log_tokens = 0, report_steps = 0;
  auto log_started = Clock::now();
  bool stop_requested = false;

  auto validate = [&] {
    VaeMetrics v = m.evaluate();
    v.train_loss = report_steps ? report_loss / static_cast<double>(report_steps) : 0.0;
    v.elapsed_seconds = m.train_seconds + elapsed();
    auto j = m.metrics_json(v);
    j["train_loss"] = v.train_loss;
    j["elapsed"] = v.elapsed_seconds;
    m.log->write("eval", j);
    if (m.hooks.on_validation) m.hooks.on_validation(v);
    report_loss = 0;
    report_steps = 0;
    return v;
  };

  while (m.step < m.config.max_steps) {
    if (m.hooks.cancel.cancelled() || stop_requested) {
      m.checkpoint(m.train_seconds + elapsed());
      m.log->write("cancelled", {{"step", m.step}});
      throw Error(
          ErrorCode::cancelled,
          m.config.checkpoint_dir.empty()
              ? fmt::format("VAE training cancelled at step {} (no checkpoint directory set)", m.step)
              : fmt::format("VAE training cancelled at step {}; checkpoint saved in {} (continue with --resume {})",
                            m.step, m.config.checkpoint_dir.string(), m.config.checkpoint_dir.string()));
    }
    if (budget > 0.0 && elapsed() >= budget) {
      result.stopped_by_time = true;
      break;
    }
    auto r = m.train_step();
    ++m.step;
    loss_sum += r.loss;
    rec_sum += r.reconstruction;
    kl_sum += r.kl;
    report_loss += r.loss;
    ++report_steps;
    ++log_steps;
    log_tokens += r.tokens;
    if (m.step % m.config.log_every == 0 || m.step == m.config.max_steps) {
      const double window = std::chrono::duration<double>(Clock::now() - log_started).count();
      m.log->write("step", {{"step", m.step},
                            {"loss", loss_sum / static_cast<double>(log_steps)},
                            {"reconstruction", rec_sum / static_cast<double>(log_steps)},
                            {"kl", kl_sum / static_cast<double>(log_steps)},
                            {"beta", vae_beta_at(m.config, m.step - 1)},
                            {"lr", m.learning_rate(m.step - 1)},
                            {"tok_per_s", window > 0 ? static_cast<double>(log_tokens) / window : 0.0},
                            {"elapsed", m.train_seconds + elapsed()}});
      loss_sum = rec_sum = kl_sum = 0;
      log_steps = log_tokens = 0;
      log_started = Clock::now();
    }
    if (m.hooks.progress) {
      ProgressInfo info{"train", m.step, m.config.max_steps, m.train_seconds + elapsed(),
                        fmt::format("rec {:.1f} kl {:.1f}", r.reconstruction, r.kl)};
      if (!m.hooks.progress(info)) stop_requested = true;
    }
    if (m.config.eval_every > 0 && m.step % m.config.eval_every == 0 && m.step < m.config.max_steps) validate();
    if (m.config.checkpoint_every > 0 && m.step % m.config.checkpoint_every == 0 && m.step < m.config.max_steps)
      m.checkpoint(m.train_seconds + elapsed());
  }

  VaeMetrics final_metrics = validate();
  m.store_quadrant_means();
  const double seconds = m.train_seconds + elapsed();
  nlohmann::json train_json = nlohmann::json::parse(m.config.to_json());
  train_json.erase("log_path");
  train_json.erase("checkpoint_dir");
  nlohmann::json meta = {
      {"emopiano_version", version_string()},
      {"created", train::utc_timestamp()},
      {"dataset",
       {{"name", m.config.dataset_name},
        {"train_pieces", m.train_piece_count},
        {"validation_pieces", m.validation_piece_count},
        {"mean_segment_tokens", m.mean_segment_tokens}}},
      {"training",
       {{"steps", m.step},
        {"seconds", seconds},
        {"bf16", m.bf16},
        {"threads", detail::torch_threads()},
        {"stopped_by_time", result.stopped_by_time},
        {"parameters", m.vae.parameter_count()}}},
      {"validation", m.metrics_json(final_metrics)},
      {"config", {{"vae", nlohmann::json::parse(m.vae.config().to_json())}, {"train", train_json}}},
  };
  // What the trainer does not write itself (where the weights started, the
  // command that began the run) stays, so a resumed run keeps it.
  auto before = nlohmann::json::parse(m.vae.metadata_json(), nullptr, false);
  if (before.is_object()) {
    for (auto it = before.begin(); it != before.end(); ++it)
      if (!meta.contains(it.key())) meta[it.key()] = it.value();
  }
  m.vae.set_metadata_json(meta.dump());
  m.checkpoint(seconds);
  m.train_seconds = seconds;
  m.log->write("end", {{"step", m.step}, {"seconds", seconds}, {"stopped_by_time", result.stopped_by_time}});
  result.steps = m.step;
  result.train_seconds = seconds;
  result.validation = final_metrics;
  result.checkpoint = m.last_checkpoint;
  return result;
}

}  // namespace emopiano
