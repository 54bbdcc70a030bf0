/* Adaptive game music through the C ABI: a scripted sequence of game states
 * (exploring, an enemy spotted, battle, victory, the road home) switches the
 * emotion of a live session at given seconds; the music changes from the
 * next bar, as a game engine's music system would ask for it. Writes the
 * music as MIDI and, where FluidSynth is available, as WAV.
 *
 *   adaptive_game_music OUT.mid [OUT.wav [MODEL.pt]]
 *
 * MODEL defaults to the bundled model. The session writes each next bar
 * ahead on its own thread (params.lookahead), so a game's music thread that
 * asks for bar n + 1 when bar n ends gets it at once (p99 0.1 ms against
 * 294 ms written on demand, docs/live.md); a change of emotion rewrites the
 * bar written ahead. Here the bars are simply written one after the other:
 * the same bars as without lookahead. */
#include <emopiano.h>

#include <stdio.h>
#include <string.h>

struct game_state {
  double from_seconds; /* the state starts here, in seconds of music */
  const char *name;
  const char *emotion; /* anything emopiano_emotion_parse takes */
};

static const struct game_state script[] = {
    {0.0, "exploring", "calm"},
    {10.0, "enemy spotted", "0.05,0.75,0.15,0.05"},
    {16.0, "battle", "tense"},
    {28.0, "victory", "happy"},
    {36.0, "the road home", "va:0.4,-0.6"},
};
static const size_t script_length = sizeof script / sizeof script[0];
static const double music_seconds = 44.0;

/* The state the game is in at `seconds`. */
static size_t state_at(double seconds) {
  size_t s = 0;
  while (s + 1 < script_length && script[s + 1].from_seconds <= seconds) ++s;
  return s;
}

int main(int argc, char **argv) {
  const char *midi_path = argc > 1 ? argv[1] : NULL;
  const char *wav_path = argc > 2 && argv[2][0] ? argv[2] : NULL;
  const char *model_path = argc > 3 ? argv[3] : NULL;
  char *bundled = NULL;
  emopiano_model *model = NULL;
  emopiano_session *session = NULL;
  emopiano_session_params params;
  emopiano_emotion emotion;
  size_t state = 0;
  double next_start = 0.0;
  long bars = 0, notes = 0;
  int status = EMOPIANO_OK;

  if (!midi_path || argc > 4) {
    fprintf(stderr, "usage: adaptive_game_music OUT.mid [OUT.wav [MODEL.pt]]\n");
    return 2;
  }
  if (!model_path && (status = emopiano_bundled_model_path(&bundled)) == EMOPIANO_OK)
    model_path = bundled;
  if (status == EMOPIANO_OK) status = emopiano_model_load(&model, model_path);
  if (status == EMOPIANO_OK) status = emopiano_emotion_parse(&emotion, script[0].emotion);
  if (status == EMOPIANO_OK) status = emopiano_session_params_init(&params, sizeof params);
  if (status == EMOPIANO_OK) {
    params.emotion = &emotion;
    params.seed = 7;
    params.record = 1;    /* keep the bars for emopiano_session_write_midi */
    params.lookahead = 1; /* the next bar is written while this one plays */
    status = emopiano_session_create(&session, model, &params);
  }
  if (status == EMOPIANO_OK) printf("%6.1f s  %s (%s)\n", 0.0, script[0].name, script[0].emotion);

  /* One bar at a time until the music has run its length. */
  while (status == EMOPIANO_OK && next_start < music_seconds) {
    emopiano_session_bar bar;
    emopiano_note *bar_notes = NULL;
    size_t count = 0;
    const size_t now = state_at(next_start);
    if (now != state) {
      /* The game changed state during the last bar: the next bar follows it. */
      state = now;
      status = emopiano_emotion_parse(&emotion, script[state].emotion);
      if (status == EMOPIANO_OK) status = emopiano_session_set_emotion(session, &emotion);
      if (status == EMOPIANO_OK)
        printf("%6.1f s  %s (%s)\n", next_start, script[state].name, script[state].emotion);
    }
    if (status != EMOPIANO_OK) break;
    memset(&bar, 0, sizeof bar);
    bar.struct_size = sizeof bar;
    status = emopiano_session_next_bar(&bar, &bar_notes, &count, session);
    if (status != EMOPIANO_OK) break;
    /* A game would schedule bar_notes on its synthesizer here. */
    ++bars;
    notes += (long)count;
    next_start = bar.end_seconds;
    emopiano_free(bar_notes);
  }

  if (status == EMOPIANO_OK) status = emopiano_session_write_midi(session, midi_path);
  if (status == EMOPIANO_OK)
    printf("wrote %s: %ld notes, %ld bars, %.1f s of music (streamed %ld notes bar by bar)\n",
           midi_path, notes, bars, next_start, notes);
  if (status == EMOPIANO_OK && wav_path) {
    if (emopiano_audio_available()) {
      status = emopiano_render_wav_file(midi_path, wav_path, NULL);
      if (status == EMOPIANO_OK) printf("wrote %s\n", wav_path);
    } else {
      printf("no WAV: this emopiano was built without FluidSynth\n");
    }
  }
  if (status != EMOPIANO_OK)
    fprintf(stderr, "adaptive_game_music: %s: %s\n", emopiano_status_name(status),
            emopiano_last_error());

  emopiano_session_free(session);
  emopiano_model_free(model);
  emopiano_free(bundled);
  return status == EMOPIANO_OK ? 0 : 1;
}
