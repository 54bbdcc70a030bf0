// The generation loop: one batch of pieces decoded together with a K/V
// cache, one token per piece per step, each piece with its own grammar and
// random stream.
//
// Context: positions restart when the window slides. When a piece's sequence
// would pass context_length tokens, the cache is dropped and rebuilt from the
// last context_length / 2 tokens, which then sit at positions 0.. again; bar
// indices stay absolute (clamped by the bar embedding).
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>
#include <string>

#include <fmt/core.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "model/model_impl.hpp"
#include "model/torch_runtime.hpp"
#include "sample/density_control.hpp"
#include "sample/emotion_schedule.hpp"
#include "sample/generation_memory.hpp"
#include "sample/guidance.hpp"
#include "sample/key_choice.hpp"
#include "sample/next_token.hpp"
#include "sample/random.hpp"
#include "sample/row_guidance.hpp"
#include "sample/sampler_impl.hpp"
#include "sample/token_choice.hpp"
#include "sample/token_inputs.hpp"
#include "sample/valence_guidance.hpp"
#include "tokenizer/remi_grammar.hpp"

namespace emopiano {

namespace {

using Clock = std::chrono::steady_clock;

struct Piece {
  int index = 0;
  std::unique_ptr<TokenGrammar> grammar;
  sample::TokenInputs inputs;  // the whole sequence and what each token is fed with
  sample::Random random{0};
  uint64_t seed = 0;
  int64_t generated = 0;
  // Sequence length at the last point where EOS was allowed, and the bar count there.
  size_t last_complete = 0;
  int32_t last_complete_bar = 0;
  int32_t prompt_bars = 0;
  int32_t bar_limit = INT32_MAX;
  std::optional<MusicalKey> key;  // the key in force (models with Key tokens)
  std::optional<MusicalKey> opening_key;
  float key_valence = 0.0f;                       // the emotion's valence where `key` was set
  bool valence_changed = false;                   // past the trajectory's change of valence: valence guidance engages
  std::vector<int32_t> forced;                    // tokens the next steps take instead of sampling
  std::optional<sample::DensityControl> density;  // with a density or quadrant_density
  bool has_note = false;                          // a note completed (primer included)
  bool done = false;
  StopReason reason = StopReason::eos;
};

class Generation {
 public:
  Generation(Sampler::Impl& impl, const GenerationRequest& request, int count)
      : impl_(impl),
        request_(request),
        schedule_(request.emotion),
        params_(request.params),
        net_(*impl_of(impl.model).net),
        tokenizer_(impl.model.tokenizer()),
        config_(impl.model.config()),
        vocab_(tokenizer_.vocab_size()) {
    params_.validate();
    if (params_.beams != 1)
      throw Error(ErrorCode::invalid_argument, "generate: beams is for the VAE's greedy decoding; a piece is sampled");
    if (count < 1) throw Error(ErrorCode::invalid_argument, fmt::format("generate: count = {} must be >= 1", count));
    bar_token_ = tokenizer_.bar_id();  // -1: no bar tokens, no bar limit to enforce
    eos_ = tokenizer_.eos_id();
    const std::string metadata = impl.model.metadata_json();
    keys_enabled_ = tokenizer_.key_id(MusicalKey{}).has_value();
    if (keys_enabled_) {
      key_distribution_ = sample::KeyDistribution::from_metadata(metadata);
      for (int k = 0; k < kNumKeys; ++k) key_tokens_.push_back(*tokenizer_.key_id(key_from_index(k)));
    }
    const auto base_prompt = build_prompt();
    for (int i = 0; i < count; ++i) {
      Piece p;
      p.index = i;
      p.seed = params_.seed + static_cast<uint64_t>(i);
      p.random = sample::Random(p.seed);
      p.grammar = tokenizer_.grammar();
      if (const float density = params_.density_for(schedule_.input(0)); density > 0.0f) {
        if (!dynamic_cast<const tokenizer::RemiGrammar*>(p.grammar.get()))
          throw Error(ErrorCode::invalid_argument, "generate: density needs a tokenizer with bar and position tokens");
        p.density.emplace(tokenizer_, density);
      }
      auto prompt = base_prompt;
      if (keys_enabled_ && !request_.primer) {
        const EmotionMix opening = request_.emotion.empty() ? EmotionMix() : request_.emotion.at(0.0);
        const MusicalKey key = sample::opening_key(request_.key, key_distribution_, opening, p.seed);
        prompt.push_back(key_tokens_[static_cast<size_t>(key_index(key))]);
      }
      for (int32_t t : prompt) append(p, t, /*stream=*/true);
      p.opening_key = p.key;
      p.key_valence = sample::emotion_valence(request_.emotion, p.grammar->bar());
      p.prompt_bars = p.grammar->bar();
      p.bar_limit = params_.max_bars > 0 ? p.prompt_bars + params_.max_bars : INT32_MAX;
      pieces_.push_back(std::move(p));
    }
    for (const auto& p : pieces_) same_prompt_ = same_prompt_ && p.inputs.tokens == pieces_.front().inputs.tokens;
    prompt_length_ = static_cast<int64_t>(pieces_.front().inputs.size());
    // Every piece opens at the same bar (the prompt's), so they share the bar
    // where the valence changes; past it valence guidance engages.
    const int32_t opening_bar = pieces_.front().prompt_bars;
    valence_bar_ = sample::first_valence_change_bar(request_.emotion, opening_bar);
    guidance_.emplace(
        tokenizer_, params_, metadata,
        sample::valence_may_change(request_.emotion, sample::emotion_valence(request_.emotion, opening_bar)));
  }

  int rows_per_piece() const { return guidance_->rows_per_piece(); }

  std::vector<GenerationResult> run() {
    c10::InferenceMode inference;
    const auto started = Clock::now();
    std::vector<int> active(pieces_.size());
    std::iota(active.begin(), active.end(), 0);
    KVCache cache;
    size_t window_start = 0;  // sequence index at cache position 0
    std::vector<uint8_t> mask(vocab_);
    std::vector<float> row(vocab_);
    int64_t steps = 0;

    while (!active.empty()) {
      if (request_.cancel.cancelled()) throw Error(ErrorCode::cancelled, "generation cancelled");
      const size_t n = pieces_[active[0]].inputs.size();                      // equal for every active piece
      if (static_cast<int64_t>(n - window_start) > config_.context_length) {  // the window would overflow
        window_start = n - static_cast<size_t>(std::max(1, config_.context_length / 2));
        cache.clear();
      }
      const size_t from = window_start + static_cast<size_t>(cache.length);
      auto logits = feed(active, from, n, cache, steps == 0);

      const int64_t A = static_cast<int64_t>(active.size());
      for (int64_t r = 0; r < A; ++r) {
        Piece& p = pieces_[active[static_cast<size_t>(r)]];
        std::memcpy(row.data(), logits[r].data_ptr<float>(), sizeof(float) * static_cast<size_t>(vocab_));
        // Rows A.. are the same pieces with the guidance rows' conditions.
        p.valence_changed = p.grammar->bar() >= valence_bar_;
        guidance_->apply(row.data(), logits, A, r, p.valence_changed);
        step(p, row.data(), mask.data());
      }
      ++steps;

      // Finished pieces leave the batch: their cache rows go too.
      std::vector<int64_t> keep_rows;
      std::vector<int> still;
      for (size_t r = 0; r < active.size(); ++r) {
        if (!pieces_[active[r]].done) {
          keep_rows.push_back(static_cast<int64_t>(r));
          still.push_back(active[r]);
        }
      }
      if (!still.empty() && still.size() != active.size()) {
        const size_t kept = keep_rows.size();
        for (int64_t c = 1; c < guidance_->rows_per_piece(); ++c)
          for (size_t k = 0; k < kept; ++k) keep_rows.push_back(keep_rows[k] + c * static_cast<int64_t>(active.size()));
        auto index = torch::tensor(keep_rows, torch::kLong);
        for (size_t l = 0; l < cache.keys.size(); ++l) {
          cache.keys[l] = cache.keys[l].index_select(0, index);
          cache.values[l] = cache.values[l].index_select(0, index);
        }
      }
      active.swap(still);
      report_progress(started);
    }

    std::vector<GenerationResult> results;
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    for (auto& p : pieces_) {
      GenerationResult r;
      r.tokens = std::move(p.inputs.tokens);
      r.prompt_tokens = prompt_length_;
      r.generated_tokens = p.generated;
      r.score = tokenizer_.decode(r.tokens);
      r.notes = static_cast<int64_t>(r.score.notes.size());
      r.bars = p.grammar->bar();
      if (p.reason == StopReason::max_tokens && params_.constrain_grammar) r.bars = p.last_complete_bar;
      r.stop_reason = p.reason;
      r.seed = p.seed;
      r.key = p.opening_key;
      r.guidance = guidance_->guidance();
      r.rhythm_guidance = guidance_->rhythm_guidance();
      r.valence_guidance = p.valence_changed ? guidance_->valence_guidance() : 0.0f;
      r.seconds = seconds;
      results.push_back(std::move(r));
    }
    return results;
  }

 private:
  std::vector<int32_t> build_prompt() const {
    const Quadrant q = schedule_.opening_quadrant();
    std::vector<int32_t> prompt;
    if (request_.primer) {
      prompt = tokenizer_.encode(*request_.primer, q);
      if (!prompt.empty() && prompt.back() == tokenizer_.eos_id()) prompt.pop_back();
    } else {
      prompt = {tokenizer_.bos_id()};
      if (tokenizer_.config().emotion_token) prompt.push_back(tokenizer_.emotion_id(q));
    }
    return prompt;
  }

  // Appends a token to a piece's sequence and model inputs.
  void append(Piece& p, int32_t token, bool stream) {
    p.grammar->advance(token);  // a rejected token keeps the previous position
    if (keys_enabled_) {
      if (auto k = tokenizer_.key_of(token)) p.key = *k;
    }
    auto& in = p.inputs;
    in.push(token, p.grammar->bar(), p.grammar->position(), schedule_.input(p.grammar->bar()), p.key);
    if (impl_.observer) {
      impl_.observer(FedToken{p.index, static_cast<int64_t>(in.size()) - 1, token, in.bars.back(), in.positions.back(),
                              in.emotions.back(), in.keys.back()});
    }
    if (p.density) {
      // Each bar's target follows its emotion (quadrant_density).
      if (token == bar_token_) p.density->set_target(params_.density_for(in.emotions.back()));
      p.density->observe(remi(p));
    }
    Note note;
    if (p.grammar->completed_note(&note)) {
      p.has_note = true;
      if (stream && request_.on_note) request_.on_note(note, p.index);
    }
  }

  // Runs the network over tokens [from, to) of every active piece and returns
  // the last logits, [active, vocab]. The very first step feeds the shared
  // prompt once and copies its cache to every piece.
  torch::Tensor feed(const std::vector<int>& active, size_t from, size_t to, KVCache& cache, bool first) {
    const int64_t A = static_cast<int64_t>(active.size());
    const bool shared = first && A > 1 && same_prompt_;
    std::vector<const sample::TokenInputs*> rows;
    for (int64_t r = 0; r < (shared ? 1 : A); ++r) rows.push_back(&pieces_[active[static_cast<size_t>(r)]].inputs);
    auto logits = sample::next_logits(net_, rows, from, to, guidance_->conditions(), cache);
    if (shared) {
      // Rows [cond, (uncond), (mirrored)] -> [cond x A, (uncond x A), (mirrored x A)].
      auto index = torch::arange(guidance_->rows_per_piece(), torch::kLong).repeat_interleave(A);
      for (size_t l = 0; l < cache.keys.size(); ++l) {
        cache.keys[l] = cache.keys[l].index_select(0, index).contiguous();
        cache.values[l] = cache.values[l].index_select(0, index).contiguous();
      }
      logits = logits.index_select(0, index).contiguous();
    }
    return logits;
  }

  // Chooses and appends one token for a piece.
  void step(Piece& p, const float* logits, uint8_t* mask) {
    if (!p.forced.empty()) {
      // A token chosen for the model (a modulation's Key): the step's logits are not used.
      const int32_t token = p.forced.front();
      p.forced.erase(p.forced.begin());
      append(p, token, true);
      ++p.generated;
      if (p.generated >= params_.max_tokens) stop_at_max_tokens(p, mask);
      return;
    }
    // Keys are the request's to choose (and the trajectory's to change), never sampled.
    const bool eos_allowed = sample::allowed_next(*p.grammar, tokenizer_, params_.constrain_grammar, key_tokens_, mask);
    if (eos_allowed) {
      p.last_complete = p.inputs.size();
      p.last_complete_bar = p.grammar->bar();
    }
    const bool at_bar_limit = p.grammar->bar() >= p.bar_limit;
    if (at_bar_limit && bar_token_ >= 0) {
      // The piece has all its bars. Where the model would start another one,
      // it ends instead: Bar's probability goes to EOS. Only masking Bar
      // would spread that probability over notes the model did not want
      // here, and every piece would end in a pile of notes on its last step.
      if (mask[bar_token_] && mask[eos_] && p.has_note) {
        end_logits_.assign(logits, logits + vocab_);
        sample::fold_probability(end_logits_.data(), bar_token_, eos_);
        logits = end_logits_.data();
      }
      mask[bar_token_] = 0;
    }
    if (!params_.stop_at_eos && !at_bar_limit) mask[eos_] = 0;
    if (!p.has_note) mask[eos_] = 0;  // an empty piece is never what was asked for

    if (p.density) {
      density_logits_.assign(logits, logits + vocab_);
      p.density->apply(remi(p), mask, density_logits_.data());
      logits = density_logits_.data();
    }
    int32_t token = sample::choose_token(logits, mask, vocab_, params_, p.random);
    if (token < 0 && eos_allowed) token = eos_;  // EOS was held back, but nothing else fits
    if (token < 0) {
      p.done = true;
      p.reason = StopReason::dead_end;
      return;
    }
    append(p, token, true);
    ++p.generated;
    if (token == bar_token_ && p.key) {
      // A new bar: where the trajectory's valence has changed sign since the
      // key was set, the next token modulates to the parallel key.
      const float valence = sample::emotion_valence(request_.emotion, p.grammar->bar());
      if (auto k = sample::key_change_at_bar(*p.key, p.key_valence, valence))
        p.forced.push_back(key_tokens_[static_cast<size_t>(key_index(*k))]);
    }
    if (token == eos_) {  // only let through when the piece may end here
      p.done = true;
      p.reason = StopReason::eos;
      return;
    }
    if (p.generated >= params_.max_tokens) stop_at_max_tokens(p, mask);
  }

  // Checked where the piece's density control is made.
  static const tokenizer::RemiGrammar& remi(const Piece& p) {
    return static_cast<const tokenizer::RemiGrammar&>(*p.grammar);
  }

  void stop_at_max_tokens(Piece& p, uint8_t* mask) {
    p.done = true;
    p.reason = StopReason::max_tokens;
    if (params_.constrain_grammar) {
      // Close the piece where it last could end, so it decodes cleanly.
      p.grammar->allowed(mask);
      if (mask[eos_]) {
        p.last_complete = p.inputs.size();
        p.last_complete_bar = p.grammar->bar();
      }
      p.inputs.tokens.resize(p.last_complete);
      p.inputs.tokens.push_back(eos_);
    }
  }

  void report_progress(Clock::time_point started) {
    if (!request_.on_progress) return;
    ProgressInfo info;
    info.stage = "generate";
    info.elapsed_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    int64_t tokens = 0;
    int64_t bars_done = 0;
    for (const auto& p : pieces_) {
      tokens += p.generated;
      // Bars finished so far: the one being written does not count yet.
      const int64_t new_bars = std::max(p.grammar->bar() - p.prompt_bars - 1, 0);
      bars_done += p.done ? params_.max_bars : std::min<int64_t>(new_bars, params_.max_bars);
    }
    if (params_.max_bars > 0) {
      info.done = bars_done;
      info.total = static_cast<int64_t>(pieces_.size()) * params_.max_bars;
    } else {
      info.done = tokens;
      info.total = static_cast<int64_t>(pieces_.size()) * params_.max_tokens;
    }
    const double rate = info.elapsed_seconds > 0 ? static_cast<double>(tokens) / info.elapsed_seconds : 0.0;
    info.detail = fmt::format("{:.0f} tok/s", rate);
    if (!request_.on_progress(info)) throw Error(ErrorCode::cancelled, "generation cancelled by the progress callback");
  }

  Sampler::Impl& impl_;
  const GenerationRequest& request_;
  const sample::EmotionSchedule schedule_;  // the trajectory, resolved once
  SamplingParams params_;
  EmotionTransformerImpl& net_;
  const Tokenizer& tokenizer_;
  const ModelConfig& config_;
  int32_t vocab_;
  int32_t bar_token_ = -1;
  int32_t eos_ = 0;
  std::vector<float> end_logits_;                // logits with Bar folded into EOS at the bar limit
  std::vector<float> density_logits_;            // logits tilted by the density control
  std::optional<sample::RowGuidance> guidance_;  // the rows beside each piece's own
  bool same_prompt_ = true;                      // every piece starts with the same tokens
  int32_t valence_bar_ = INT32_MAX;              // the first bar whose valence has changed
  bool keys_enabled_ = false;
  sample::KeyDistribution key_distribution_;
  std::vector<int32_t> key_tokens_;  // key_index -> token id
  int64_t prompt_length_ = 0;
  std::vector<Piece> pieces_;
};

}  // namespace

// The model is read-only here: it is in eval mode from the moment it is
// loaded or created, so many samplers may share it across threads.
Sampler::Sampler(const Model& model) : impl_(std::make_unique<Impl>(Impl{model, {}})) {}
Sampler::~Sampler() = default;
Sampler::Sampler(Sampler&&) noexcept = default;
Sampler& Sampler::operator=(Sampler&&) noexcept = default;

const Model& Sampler::model() const { return impl_->model; }

GenerationResult Sampler::generate(const GenerationRequest& request) {
  auto results = Generation(*impl_, request, 1).run();
  return std::move(results.front());
}

std::vector<GenerationResult> Sampler::generate_batch(const GenerationRequest& request, int count) {
  // Before the caches are allocated; with guidance every piece runs as two
  // or three rows.
  Generation generation(*impl_, request, count);
  sample::check_generation_memory(impl_->model.config(), count, generation.rows_per_piece());
  return generation.run();
}

void set_compute_threads(int threads) {
  if (threads < 0) throw Error(ErrorCode::invalid_argument, fmt::format("threads = {} must be >= 0", threads));
  detail::init_torch_threads(threads);
}

}  // namespace emopiano
