/* Generates an eight-bar piano piece for an emotion and writes it as MIDI:
 * the C API end to end.
 *
 *   generate_c OUT.mid [EMOTION [MODEL.pt]]
 *
 * EMOTION is a quadrant or mood ("Q3", "sad"), a mix ("0.1,0.6,0.2,0.1") or a
 * valence/arousal point ("va:0.7,-0.3"); default "sad". MODEL defaults to the
 * bundled model. */
#include <emopiano.h>

#include <stdio.h>

static void count_note(const emopiano_note *note, int32_t piece, void *user_data) {
  (void)note;
  (void)piece;
  ++*(long *)user_data;
}

int main(int argc, char **argv) {
  const char *out_path = argc > 1 ? argv[1] : NULL;
  const char *emotion_text = argc > 2 ? argv[2] : "sad";
  char *bundled = NULL;
  emopiano_model *model = NULL;
  emopiano_sampler *sampler = NULL;
  emopiano_generation *piece = NULL;
  emopiano_emotion emotion;
  emopiano_generate_params params;
  emopiano_generation_info info;
  long streamed = 0;
  int status;

  if (!out_path || argc > 4) {
    fprintf(stderr, "usage: generate_c OUT.mid [EMOTION [MODEL.pt]]\n");
    return 2;
  }
  status = emopiano_emotion_parse(&emotion, emotion_text);
  if (status == EMOPIANO_OK) {
    const char *model_path = argc > 3 ? argv[3] : NULL;
    if (!model_path && (status = emopiano_bundled_model_path(&bundled)) == EMOPIANO_OK)
      model_path = bundled;
    if (status == EMOPIANO_OK) status = emopiano_model_load(&model, model_path);
  }
  if (status == EMOPIANO_OK) status = emopiano_sampler_create(&sampler, model);
  if (status == EMOPIANO_OK) status = emopiano_generate_params_init(&params, sizeof params);
  if (status == EMOPIANO_OK) {
    params.emotion = &emotion;
    params.seed = 1;
    params.max_bars = 8;
    params.stop_at_eos = 0; /* eight whole bars */
    params.on_note = count_note;
    params.note_user_data = &streamed;
    status = emopiano_sampler_generate(&piece, sampler, &params);
  }
  if (status == EMOPIANO_OK) status = emopiano_generation_write_midi(piece, out_path);
  if (status == EMOPIANO_OK) {
    info.struct_size = sizeof info;
    status = emopiano_generation_info_get(&info, piece);
  }
  if (status == EMOPIANO_OK)
    printf("wrote %s: %ld notes, %d bars, %.1f s of music (streamed %ld notes)\n", out_path,
           (long)info.notes, (int)info.bars, info.duration_seconds, streamed);
  else
    fprintf(stderr, "generate_c: %s: %s\n", emopiano_status_name(status), emopiano_last_error());

  emopiano_generation_free(piece);
  emopiano_sampler_free(sampler);
  emopiano_model_free(model);
  emopiano_free(bundled);
  return status == EMOPIANO_OK ? 0 : 1;
}
