// Live sessions across the C ABI: a bar at a time, the emotion changed between
// bars, cancellation from any thread, an optional recording as MIDI.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "capi_support.hpp"
#include "emopiano/midi.hpp"
#include "emopiano/session.hpp"
#include "emotion.hpp"
#include "midi.hpp"
#include "model.hpp"

struct emopiano_session {
  emopiano::GenerationSession session;
  bool record = false;
  emopiano::Score recorded;  // every bar written, when recording
};

namespace emopiano::capi {
namespace {

// The first published sizes: through each struct's last field.
constexpr size_t kSessionParamsV1 = offsetof(emopiano_session_params, reserved) + sizeof(int32_t);
constexpr size_t kSessionBarV1 = offsetof(emopiano_session_bar, tokens) + sizeof(int64_t);

emopiano_session_params default_session_params() {
  const SamplingParams defaults;
  emopiano_session_params p{};
  p.struct_size = sizeof(p);
  p.temperature = defaults.temperature;
  p.top_k = defaults.top_k;
  p.top_p = defaults.top_p;
  p.seed = defaults.seed;
  p.guidance = defaults.guidance;
  p.rhythm_guidance = defaults.rhythm_guidance;
  p.valence_guidance = defaults.valence_guidance;
  p.density = defaults.density;
  p.constrain_grammar = defaults.constrain_grammar ? 1 : 0;
  return p;
}

SessionOptions to_options(const emopiano_session_params& p) {
  SessionOptions o;
  o.params.temperature = p.temperature;
  o.params.top_k = p.top_k;
  o.params.top_p = p.top_p;
  o.params.seed = p.seed;
  o.params.guidance = p.guidance;
  o.params.rhythm_guidance = p.rhythm_guidance;
  o.params.valence_guidance = p.valence_guidance;
  o.params.density = p.density;
  std::copy(std::begin(p.quadrant_density), std::end(p.quadrant_density), o.params.quadrant_density.begin());
  o.params.constrain_grammar = flag(p.constrain_grammar, "constrain_grammar");
  o.params.validate();
  if (p.emotion) o.emotion = to_mix(p.emotion, "emotion");
  if (p.key) {
    o.key = MusicalKey::parse(p.key);
    if (!o.key)
      throw Error(ErrorCode::invalid_argument,
                  std::string("key '") + p.key + "' is not a key (e.g. \"A minor\", \"Eb major\", \"F#m\")");
  }
  if (p.primer_path && p.primer_data)
    throw Error(ErrorCode::invalid_argument, "set primer_path or primer_data, not both");
  require_bytes(p.primer_data, p.primer_size, "primer_data");
  o.lookahead = flag(p.lookahead, "lookahead");
  if (p.primer_path) o.primer = read_score_file(p.primer_path, {});
  if (p.primer_data) o.primer = read_score_bytes(p.primer_data, p.primer_size, {});
  return o;
}

emopiano_session& session_of(emopiano_session* handle) {
  require(handle, "session");
  return *handle;
}

emopiano_session_bar to_c_bar(const SessionBar& bar) {
  emopiano_session_bar c{};
  c.ticks_per_beat = bar.ticks_per_beat;
  c.index = bar.index;
  c.start_tick = bar.start_tick;
  c.end_tick = bar.end_tick;
  c.start_seconds = bar.start_seconds;
  c.end_seconds = bar.end_seconds;
  c.bpm = bar.bpm;
  for (int k = 0; k < 4; ++k) c.emotion.p[k] = bar.emotion.probabilities()[static_cast<size_t>(k)];
  c.key_tonic = bar.key ? bar.key->tonic : -1;
  c.key_major = bar.key && bar.key->major ? 1 : 0;
  c.tokens = bar.tokens;
  return c;
}

}  // namespace
}  // namespace emopiano::capi

using namespace emopiano;
using namespace emopiano::capi;

extern "C" {

int emopiano_session_params_init(emopiano_session_params* params, uint32_t struct_size) {
  return guarded([&] { init_params(params, struct_size, kSessionParamsV1, default_session_params(), "params"); });
}

int emopiano_session_create(emopiano_session** out, const emopiano_model* model,
                            const emopiano_session_params* params) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    const auto p = read_params(params, kSessionParamsV1, default_session_params(), "session params");
    const bool record = flag(p.record, "record");
    GenerationSession session(model_of(model), to_options(p));
    *out = new emopiano_session{std::move(session), record, {}};
  });
}

void emopiano_session_free(emopiano_session* session) { delete session; }

int emopiano_session_next_bar(emopiano_session_bar* out_bar, emopiano_note** out_notes, size_t* out_count,
                              emopiano_session* session) {
  if (out_notes) *out_notes = nullptr;
  return guarded([&] {
    require(out_bar, "out_bar");
    require(out_notes, "out_notes");
    require(out_count, "out_count");
    check_struct_size(out_bar->struct_size, kSessionBarV1, sizeof(emopiano_session_bar), "out_bar");
    emopiano_session& s = session_of(session);
    const SessionBar bar = s.session.next_bar();
    std::vector<emopiano_note> notes;
    notes.reserve(bar.notes.size());
    for (const Note& n : bar.notes) notes.push_back(to_c_note(n));
    if (s.record) append_bar(s.recorded, bar);
    emopiano_note* copied = copy_array(notes);  // the last thing that may fail
    fill_out_struct(out_bar, to_c_bar(bar), kSessionBarV1, "out_bar");
    *out_notes = copied;
    *out_count = notes.size();
  });
}

int emopiano_session_set_emotion(emopiano_session* session, const emopiano_emotion* emotion) {
  return guarded([&] { session_of(session).session.set_emotion(to_mix(emotion, "emotion")); });
}

int emopiano_session_cancel(const emopiano_session* session) {
  return guarded([&] {
    require(session, "session");
    session->session.cancel();
  });
}

int emopiano_session_reset(emopiano_session* session) {
  return guarded([&] {
    emopiano_session& s = session_of(session);
    s.session.reset();
    s.recorded = Score{};
  });
}

int emopiano_session_write_midi(const emopiano_session* session, const char* path) {
  return guarded([&] {
    require(session, "session");
    const std::string file(require_string(path, "path"));
    if (!session->record)
      throw Error(ErrorCode::invalid_argument, "the session does not record its bars: open it with params.record = 1");
    Score score = session->recorded;
    score.normalize();
    score.update_seconds();
    write_midi_file(score, file);
  });
}

}  // extern "C"
