// The generation loop: one batch of pieces decoded together with a K/V
// cache, one token per piece per step, each piece with its own grammar and
// random stream.
//
// Context: positions restart when the window slides. When a piece's sequence
// would pass context_length tokens, the cache is dropped and rebuilt from the
// last context_length / 2 tokens, which then sit at positions 0.. again; bar
// indices stay absolute (clamped by the bar embedding).
#include <algorithm>
#include <cmath>
#include <chrono>
#include <climits>
#include <cstring>
#include <numeric>
#include <optional>
#include <string>

#include <fmt/core.h>

#include "core/impl_access.hpp"
#include "emopiano/error.hpp"
#include "model/model_impl.hpp"
#include "model/torch_runtime.hpp"
#include "sample/emotion_schedule.hpp"
#include "sample/generation_memory.hpp"
#include "sample/guidance.hpp"
#include "sample/key_choice.hpp"
#include "sample/random.hpp"
#include "sample/sampler_impl.hpp"
#include "sample/token_choice.hpp"

namespace emopiano {

namespace {

using Clock = std::chrono::steady_clock;

struct Piece {
  int index = 0;
  std::unique_ptr<TokenGrammar> grammar;
  std::vector<int32_t> tokens, bars, positions;
  std::vector<std::array<float, 4>> emotions;
  sample::Random random{0};
  uint64_t seed = 0;
  int64_t generated = 0;
  // Sequence length at the last point where EOS was allowed, and the bar count there.
  size_t last_complete = 0;
  int32_t last_complete_bar = 0;
  int32_t prompt_bars = 0;
  int32_t bar_limit = INT32_MAX;
  std::optional<MusicalKey> key;     // the key in force (models with Key tokens)
  std::optional<MusicalKey> opening_key;
  float key_valence = 0.0f;          // the emotion's valence where `key` was set
  std::vector<int32_t> forced;       // tokens the next steps take instead of sampling
  bool has_note = false;  // a note completed (primer included)
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
    if (count < 1) throw Error(ErrorCode::invalid_argument, fmt::format("generate: count = {} must be >= 1", count));
    bar_token_ = tokenizer_.bar_id();  // -1: no bar tokens, no bar limit to enforce
    eos_ = tokenizer_.eos_id();
    const std::string metadata = impl.model.metadata_json();
    guidance_ = sample::resolve_guidance(params_.guidance, metadata);
    guided_ = guidance_ != 1.0f;
    keys_enabled_ = tokenizer_.key_id(MusicalKey{}).has_value();
    if (keys_enabled_) {
      key_distribution_ = sample::KeyDistribution::from_metadata(metadata);
      for (int k = 0; k < kNumKeys; ++k) key_tokens_.push_back(*tokenizer_.key_id(key_from_index(k)));
    }
    const auto base_prompt = build_prompt();
    for (int i = 0; i < count; ++i) {
      Piece p;
      p.index = i;
      p.seed = params_.seed + uint64_t(i);
      p.random = sample::Random(p.seed);
      p.grammar = tokenizer_.grammar();
      auto prompt = base_prompt;
      if (keys_enabled_ && !request_.primer) {
        // The key gets its own random stream, so the notes a seed gives do
        // not depend on whether the key was drawn or named.
        sample::Random key_random(p.seed ^ 0x6b65795f63686f69ULL);
        const EmotionMix opening = request_.emotion.empty() ? EmotionMix() : request_.emotion.at(0.0);
        const MusicalKey key = request_.key ? *request_.key : key_distribution_.draw(opening, key_random.uniform());
        prompt.push_back(key_tokens_[size_t(key_index(key))]);
      }
      for (int32_t t : prompt) append(p, t, /*stream=*/true);
      p.opening_key = p.key;
      p.key_valence = sample::emotion_valence(request_.emotion, p.grammar->bar());
      p.prompt_bars = p.grammar->bar();
      p.bar_limit = params_.max_bars > 0 ? p.prompt_bars + params_.max_bars : INT32_MAX;
      pieces_.push_back(std::move(p));
    }
    for (const auto& p : pieces_) same_prompt_ = same_prompt_ && p.tokens == pieces_.front().tokens;
    prompt_length_ = int64_t(pieces_.front().tokens.size());
  }

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
      const size_t n = pieces_[active[0]].tokens.size();  // equal for every active piece
      if (int64_t(n - window_start) > config_.context_length) {  // the window would overflow
        window_start = n - size_t(std::max(1, config_.context_length / 2));
        cache.clear();
      }
      const size_t from = window_start + size_t(cache.length);
      auto logits = feed(active, from, n, cache, steps == 0);

      const int64_t A = int64_t(active.size());
      for (int64_t r = 0; r < A; ++r) {
        Piece& p = pieces_[active[size_t(r)]];
        std::memcpy(row.data(), logits[r].data_ptr<float>(), sizeof(float) * size_t(vocab_));
        // Rows A.. are the same pieces with the null emotion.
        if (guided_) sample::apply_guidance(row.data(), logits[A + r].data_ptr<float>(), vocab_, guidance_);
        step(p, row.data(), mask.data());
      }
      ++steps;

      // Finished pieces leave the batch: their cache rows go too.
      std::vector<int64_t> keep_rows;
      std::vector<int> still;
      for (size_t r = 0; r < active.size(); ++r) {
        if (!pieces_[active[r]].done) {
          keep_rows.push_back(int64_t(r));
          still.push_back(active[r]);
        }
      }
      if (!still.empty() && still.size() != active.size()) {
        if (guided_) {
          const size_t kept = keep_rows.size();
          for (size_t k = 0; k < kept; ++k) keep_rows.push_back(keep_rows[k] + int64_t(active.size()));
        }
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
      r.tokens = std::move(p.tokens);
      r.prompt_tokens = prompt_length_;
      r.generated_tokens = p.generated;
      r.score = tokenizer_.decode(r.tokens);
      r.notes = int64_t(r.score.notes.size());
      r.bars = p.grammar->bar();
      if (p.reason == StopReason::max_tokens && params_.constrain_grammar) r.bars = p.last_complete_bar;
      r.stop_reason = p.reason;
      r.seed = p.seed;
      r.key = p.opening_key;
      r.guidance = guidance_;
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
    p.tokens.push_back(token);
    p.bars.push_back(p.grammar->bar());
    p.positions.push_back(p.grammar->position());
    p.emotions.push_back(schedule_.input(p.grammar->bar()));
    if (impl_.observer) {
      impl_.observer(FedToken{p.index, int64_t(p.tokens.size()) - 1, token, p.bars.back(),
                              p.positions.back(), p.emotions.back()});
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
    const int64_t L = int64_t(to - from);
    const int64_t A = int64_t(active.size());
    // With guidance, rows A..2A-1 repeat the pieces with the null emotion:
    // one batched step reads the weights once for both.
    const int64_t copies = guided_ ? 2 : 1;
    const bool shared = first && A > 1 && same_prompt_;
    const int64_t pieces_fed = shared ? 1 : A;
    const int64_t B = pieces_fed * copies;
    auto tokens = torch::empty({B, L}, torch::kLong);
    auto bars = torch::empty({B, L}, torch::kLong);
    auto positions = torch::empty({B, L}, torch::kLong);
    auto emotion = torch::zeros({B, L, 4}, torch::kFloat);
    auto tok = tokens.accessor<int64_t, 2>();
    auto bar = bars.accessor<int64_t, 2>();
    auto pos = positions.accessor<int64_t, 2>();
    auto emo = emotion.accessor<float, 3>();
    for (int64_t b = 0; b < B; ++b) {
      const Piece& p = pieces_[active[size_t(b % pieces_fed)]];
      const bool conditional = b < pieces_fed;
      for (int64_t t = 0; t < L; ++t) {
        const size_t i = from + size_t(t);
        tok[b][t] = p.tokens[i];
        bar[b][t] = p.bars[i];
        pos[b][t] = p.positions[i];
        if (conditional)
          for (int k = 0; k < 4; ++k) emo[b][t][k] = p.emotions[i][size_t(k)];
      }
    }
    auto logits = net_.forward_cached(tokens, bars, positions, emotion, cache).select(1, L - 1);
    if (shared) {
      // Rows [cond, (uncond)] -> [cond x A, (uncond x A)].
      auto index = torch::arange(copies, torch::kLong).repeat_interleave(A);
      for (size_t l = 0; l < cache.keys.size(); ++l) {
        cache.keys[l] = cache.keys[l].index_select(0, index).contiguous();
        cache.values[l] = cache.values[l].index_select(0, index).contiguous();
      }
      logits = logits.index_select(0, index);
    }
    return logits.to(torch::kFloat).contiguous();
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
    p.grammar->allowed(mask);
    const bool eos_allowed = mask[eos_] != 0;
    if (eos_allowed) {
      p.last_complete = p.tokens.size();
      p.last_complete_bar = p.grammar->bar();
    }
    if (!params_.constrain_grammar) {
      std::fill(mask, mask + vocab_, uint8_t(1));
      mask[tokenizer_.pad_id()] = 0;
      mask[tokenizer_.bos_id()] = 0;
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
    // Keys are the request's to choose (and the trajectory's to change), never sampled.
    for (int32_t k : key_tokens_) mask[k] = 0;

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
      if (auto k = sample::modulation(*p.key, p.key_valence, valence)) {
        p.forced.push_back(key_tokens_[size_t(key_index(*k))]);
        p.key_valence = valence;
      } else if ((valence > 0) == p.key->major) {
        p.key_valence = valence;
      }
    }
    if (token == eos_) {  // only let through when the piece may end here
      p.done = true;
      p.reason = StopReason::eos;
      return;
    }
    if (p.generated >= params_.max_tokens) stop_at_max_tokens(p, mask);
  }

  void stop_at_max_tokens(Piece& p, uint8_t* mask) {
    p.done = true;
    p.reason = StopReason::max_tokens;
    if (params_.constrain_grammar) {
      // Close the piece where it last could end, so it decodes cleanly.
      p.grammar->allowed(mask);
      if (mask[eos_]) {
        p.last_complete = p.tokens.size();
        p.last_complete_bar = p.grammar->bar();
      }
      p.tokens.resize(p.last_complete);
      p.tokens.push_back(eos_);
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
      info.total = int64_t(pieces_.size()) * params_.max_bars;
    } else {
      info.done = tokens;
      info.total = int64_t(pieces_.size()) * params_.max_tokens;
    }
    const double rate = info.elapsed_seconds > 0 ? double(tokens) / info.elapsed_seconds : 0.0;
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
  std::vector<float> end_logits_;  // logits with Bar folded into EOS at the bar limit
  float guidance_ = 1.0f;
  bool guided_ = false;             // guidance_ != 1: a null-emotion row beside each piece
  bool same_prompt_ = true;         // every piece starts with the same tokens
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
  // Before anything is allocated; with guidance every piece runs as two rows.
  const bool guided = count >= 1 && request.params.guidance != 1.0f &&
                      sample::resolve_guidance(request.params.guidance, impl_->model.metadata_json()) != 1.0f;
  sample::check_generation_memory(impl_->model.config(), count, guided ? 2 : 1);
  return Generation(*impl_, request, count).run();
}

void set_compute_threads(int threads) {
  if (threads < 0) throw Error(ErrorCode::invalid_argument, fmt::format("threads = {} must be >= 0", threads));
  detail::init_torch_threads(threads);
}

}  // namespace emopiano
