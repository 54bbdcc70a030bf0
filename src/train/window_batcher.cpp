#include "train/window_batcher.hpp"

#include <algorithm>
#include <optional>

#include <fmt/core.h>

#include "core/key_code.hpp"
#include "emopiano/error.hpp"
#include "emopiano/key.hpp"

namespace emopiano::train {

uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  if (n <= 1) return 0;
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // largest multiple of n
  uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % n;
}

namespace {

// True with probability p, from our own mapping of the raw output.
bool draw(std::mt19937_64& rng, double p) {
  if (p <= 0.0) return false;
  return static_cast<double>(rng() >> 11) * 0x1.0p-53 < p;
}

bool is_metre(const Tokenizer& tokenizer, int32_t id) {
  return tokenizer.token_to_string(id).rfind("TimeSig_", 0) == 0;
}

int32_t find_token(const Tokenizer& tokenizer, const char* name) {
  try {
    return tokenizer.token_from_string(name);
  } catch (const Error&) {
    return -1;
  }
}

}  // namespace

TrainingPiece make_training_piece(const Tokenizer& tokenizer, const std::vector<int32_t>& tokens, Quadrant label,
                                  bool labelled) {
  TrainingPiece p;
  p.tokens = tokens;
  p.bars.resize(tokens.size());
  p.positions.resize(tokens.size());
  tokenizer.musical_positions(tokens.data(), tokens.size(), p.bars.data(), p.positions.data());
  p.label = label;
  p.labelled = labelled;

  const int32_t bar = find_token(tokenizer, "Bar");
  const int32_t pedal_on = find_token(tokenizer, "Pedal_On");
  const int32_t pedal_off = find_token(tokenizer, "Pedal_Off");
  bool pedal_down = false;
  int32_t key_token = -1, metre_token = -1;
  std::optional<MusicalKey> key;
  p.keys.resize(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const int32_t id = tokens[i];
    const std::optional<MusicalKey> key_here = tokenizer.key_of(id);
    if (key_here) key = key_here;
    p.keys[i] = static_cast<int8_t>(key_code(key));
    if (id == bar) {
      size_t body = i + 1;
      // A metre stated after a Bar stays with it.
      if (body < tokens.size() && is_metre(tokenizer, tokens[body])) ++body;
      if (p.first_bar < 0) {
        p.first_bar = static_cast<int32_t>(i);
        p.first_bar_body = static_cast<int32_t>(body);
      }
      if (!pedal_down) {
        p.cut_points.push_back(static_cast<int32_t>(i));
        p.cut_body.push_back(static_cast<int32_t>(body));
        p.cut_key_token.push_back(key_token);
        p.cut_metre_token.push_back(metre_token);
      }
    } else if (id == pedal_on) {
      pedal_down = true;
    } else if (id == pedal_off) {
      pedal_down = false;
    } else if (key_here) {
      if (p.first_bar < 0) p.opening_key = id;
      key_token = id;
    } else if (is_metre(tokenizer, id)) {
      metre_token = id;
    }
  }
  return p;
}

WindowBatcher::WindowBatcher(const std::vector<TrainingPiece>& pieces, int64_t context_length, int32_t pad_id,
                             int32_t max_bar, const PitchTransposer* transposer, WindowOptions options)
    : pieces_(pieces),
      context_(context_length),
      pad_(pad_id),
      max_bar_(max_bar),
      transposer_(transposer),
      options_(options) {
  if (context_length < 1) throw Error(ErrorCode::invalid_argument, "context length must be >= 1");
  int64_t sum = 0;
  cumulative_.reserve(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    const auto& p = pieces[i];
    sum += std::max<int64_t>(0, static_cast<int64_t>(p.tokens.size()) - 1);
    cumulative_.push_back(sum);
    if (p.labelled && p.first_bar >= 0) joinable_[static_cast<size_t>(p.label)].push_back(i);
  }
}

bool WindowBatcher::choose_join(WindowSpec& w, std::mt19937_64& rng) const {
  const auto& a = pieces_[w.piece];
  if (!a.labelled) return false;
  // Cut at a bar line after the first bar, so each side has some music.
  std::vector<int32_t> cuts;
  for (int32_t c : a.cut_points)
    if (c > a.first_bar) cuts.push_back(c);
  if (cuts.empty()) return false;
  std::vector<int> others;
  for (int q = 0; q < kNumQuadrants; ++q)
    if (q != static_cast<int>(a.label) && !joinable_[static_cast<size_t>(q)].empty()) others.push_back(q);
  if (others.empty()) return false;
  const auto& candidates = joinable_[static_cast<size_t>(others[uniform_below(rng, others.size())])];
  w.second = candidates[uniform_below(rng, candidates.size())];
  w.cut = cuts[uniform_below(rng, cuts.size())];
  w.second_start = -1;
  if (draw(rng, options_.join_inside)) {
    // A bar line past the second piece's opening, with a bar after it.
    const auto& b = pieces_[w.second];
    std::vector<int32_t> inside;
    for (int32_t c : b.cut_points)
      if (c > b.first_bar && c + 2 < static_cast<int32_t>(b.tokens.size())) inside.push_back(c);
    if (!inside.empty()) w.second_start = inside[uniform_below(rng, inside.size())];
  }
  // The first piece fills a quarter to three quarters of the window.
  const int64_t lo = std::max<int64_t>(1, context_ / 4), hi = std::max<int64_t>(lo, 3 * context_ / 4);
  const int64_t before = lo + static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(hi - lo + 1)));
  w.start = std::max<int64_t>(0, w.cut - before);
  w.joined = true;
  return true;
}

namespace {
// A piece's key input at token i (pieces built by hand may have no track).
int8_t key_at(const TrainingPiece& p, int64_t i) {
  return i >= 0 && static_cast<size_t>(i) < p.keys.size() ? p.keys[static_cast<size_t>(i)] : static_cast<int8_t>(0);
}
}  // namespace

WindowBatcher::RowTokens WindowBatcher::row_tokens(const WindowSpec& w) const {
  RowTokens r;
  const size_t limit = static_cast<size_t>(context_ + 1);
  const auto& a = pieces_.at(w.piece);
  const int8_t qa = (w.null_emotion || !a.labelled) ? static_cast<int8_t>(-1) : static_cast<int8_t>(a.label);
  auto push = [&](int32_t token, int32_t bar, int32_t position, int8_t q, int8_t key) {
    if (r.tokens.size() >= limit) return;
    r.tokens.push_back(token);
    r.bars.push_back(bar);
    r.positions.push_back(position);
    r.quadrant.push_back(q);
    r.keys.push_back(w.null_key ? static_cast<int8_t>(0) : key);
  };
  const int64_t n = static_cast<int64_t>(a.tokens.size());
  const int64_t end = w.joined ? w.cut : std::min<int64_t>(n, w.start + context_ + 1);
  for (int64_t i = w.start; i < end; ++i) {
    const size_t k = static_cast<size_t>(i);
    push(a.tokens[k], a.bars[k], a.positions[k], qa, key_at(a, i));
  }
  if (!w.joined) return r;

  const auto& b = pieces_.at(w.second);
  const int8_t qb = w.null_emotion ? static_cast<int8_t>(-1) : static_cast<int8_t>(b.label);
  const int32_t offset = w.cut > 0 ? a.bars[static_cast<size_t>(w.cut - 1)] : 0;  // bars of A before the cut
  // The key in force in A at the cut, to restate B's key only where it
  // differs; until B's key is restated, A's key is the one in force.
  const int8_t code_a = key_at(a, w.cut - 1);
  // Where B comes in: at its first Bar, with the opening key, or at a bar
  // line inside it (join_inside), with the key and metre in force there.
  size_t start = static_cast<size_t>(b.first_bar), body = static_cast<size_t>(b.first_bar_body);
  int32_t key_token = b.opening_key, metre_token = -1;
  if (w.second_start >= 0) {
    const auto it = std::lower_bound(b.cut_points.begin(), b.cut_points.end(), static_cast<int32_t>(w.second_start));
    if (it == b.cut_points.end() || *it != w.second_start)
      throw Error(ErrorCode::internal, "joined window: start is not a cut point");
    const size_t k = static_cast<size_t>(it - b.cut_points.begin());
    start = static_cast<size_t>(w.second_start);
    body = static_cast<size_t>(b.cut_body[k]);
    key_token = b.cut_key_token[k];
    metre_token = b.cut_metre_token[k];
  }
  // B's Bar and the metre stated with it (or the metre in force, restated),
  // then its key where it differs from A's, then the rest; bars count on from A's.
  const int32_t bar_base = b.bars[start] - 1;
  for (size_t i = start; i < body; ++i) push(b.tokens[i], offset + b.bars[i] - bar_base, b.positions[i], qb, code_a);
  if (body == start + 1 && metre_token >= 0) push(metre_token, offset + 1, 0, qb, code_a);
  const int8_t code_b = key_at(b, static_cast<int64_t>(start) - 1);
  if (key_token >= 0 && code_b != code_a) push(key_token, offset + 1, 0, qb, code_b);
  for (size_t i = body; i < b.tokens.size(); ++i)
    push(b.tokens[i], offset + b.bars[i] - bar_base, b.positions[i], qb, key_at(b, static_cast<int64_t>(i)));
  return r;
}

Batch WindowBatcher::sample(int64_t rows, std::mt19937_64& rng, std::vector<WindowSpec>* specs) const {
  if (total_targets() == 0) throw Error(ErrorCode::invalid_argument, "no piece has two tokens or more to train on");
  std::vector<WindowSpec> chosen(static_cast<size_t>(rows));
  for (auto& w : chosen) {
    const uint64_t r = uniform_below(rng, static_cast<uint64_t>(total_targets()));
    w.piece = static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), static_cast<int64_t>(r)) -
                                  cumulative_.begin());
    const auto& p = pieces_[w.piece];
    const int64_t n = static_cast<int64_t>(p.tokens.size());
    // Random draws beyond piece, start and shift are made only when their
    // option is on, so batches without them are what they always were.
    const bool join = p.labelled && draw(rng, options_.join_probability) && choose_join(w, rng);
    if (!join) {
      const int64_t starts = std::max<int64_t>(1, n - context_);  // windows of context_+1 tokens
      w.start = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(starts)));
    }
    // Dropout drops the whole condition, so that the null row of guidance
    // (no emotion, no key) is one the model has seen, unlabelled pieces
    // included.
    w.null_key = draw(rng, options_.emotion_dropout);
    w.null_emotion = !p.labelled || w.null_key;
    w.shift = 0;
    if (transposer_) {
      int lo = 128, hi = -1;
      for (int32_t id : row_tokens(w).tokens) {
        int pitch = transposer_->pitch_of(id);
        if (pitch >= 0) {
          lo = std::min(lo, pitch);
          hi = std::max(hi, pitch);
        }
      }
      auto [a, b] = transposer_->allowed_shifts(lo, hi);
      w.shift = a + static_cast<int>(uniform_below(rng, static_cast<uint64_t>(b - a + 1)));
    }
  }
  if (specs) *specs = chosen;
  return make_batch(chosen);
}

std::vector<WindowSpec> WindowBatcher::evaluation_windows() const {
  std::vector<WindowSpec> out;
  for (size_t i = 0; i < pieces_.size(); ++i) {
    const int64_t targets = static_cast<int64_t>(pieces_[i].tokens.size()) - 1;
    for (int64_t s = 0; s < targets; s += context_) {
      WindowSpec w;
      w.piece = i;
      w.start = s;
      w.null_emotion = !pieces_[i].labelled;
      out.push_back(w);
    }
  }
  return out;
}

Batch WindowBatcher::make_batch(const std::vector<WindowSpec>& specs) const {
  Batch b;
  b.rows = static_cast<int64_t>(specs.size());
  b.length = context_;
  const size_t cells = static_cast<size_t>(b.rows * b.length);
  b.tokens.assign(cells, pad_);
  b.targets.assign(cells, pad_);
  b.bars.assign(cells, 0);
  b.positions.assign(cells, 0);
  b.keys.assign(cells, 0);
  b.emotion.assign(cells * kNumQuadrants, 0.0f);
  for (int64_t r = 0; r < b.rows; ++r) fill_row(b, r, specs[static_cast<size_t>(r)]);
  return b;
}

void WindowBatcher::fill_row(Batch& b, int64_t row, const WindowSpec& w) const {
  const RowTokens r = row_tokens(w);
  const int64_t n = static_cast<int64_t>(r.tokens.size());
  const int64_t base = row * context_;
  const int64_t inputs = std::min(context_, n - 1);  // rows end where targets do
  auto shifted = [&](int32_t id) { return transposer_ ? transposer_->transpose(id, w.shift) : id; };
  auto shifted_key = [&](int8_t code) -> int64_t {
    if (code <= 0 || w.shift == 0) return code;
    return key_code(key_from_index(code - 1).transposed(w.shift));
  };
  for (int64_t t = 0; t < inputs; ++t) {
    const size_t i = static_cast<size_t>(t);
    const size_t c = static_cast<size_t>(base + t);
    b.tokens[c] = shifted(r.tokens[i]);
    b.targets[c] = shifted(r.tokens[i + 1]);
    b.bars[c] = std::min(r.bars[i], max_bar_);
    b.positions[c] = r.positions[i];
    b.keys[c] = shifted_key(r.keys[i]);
    if (b.targets[c] != pad_) ++b.target_count;
  }
  // Every position, padding included, carries an emotion (the window may
  // start after the BOS/emotion tokens, so this is where it is known from);
  // padding after the row's end keeps the emotion of its last token. The
  // null emotion is all zeros.
  for (int64_t t = 0; t < context_; ++t) {
    if (n == 0) break;
    const int q = r.quadrant[static_cast<size_t>(std::min(t, n - 1))];
    if (q >= 0) b.emotion[static_cast<size_t>((base + t) * kNumQuadrants + q)] = 1.0f;
  }
}

}  // namespace emopiano::train
