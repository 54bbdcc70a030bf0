/* Writes a tiny untrained model (noise, but a real model file) so the
 * consumer check runs without the bundled model:
 *
 *   make_test_model OUT.pt */
#include <emopiano.h>

#include <stdio.h>

int main(int argc, char **argv) {
  emopiano_model *model = NULL;
  int status;
  if (argc != 2) {
    fprintf(stderr, "usage: make_test_model OUT.pt\n");
    return 2;
  }
  status = emopiano_model_create(
      &model, "{\"n_layers\": 2, \"d_model\": 64, \"n_heads\": 2, \"d_ff\": 128}", NULL, 1);
  if (status == EMOPIANO_OK) status = emopiano_model_save(model, argv[1], EMOPIANO_WEIGHTS_F32);
  if (status != EMOPIANO_OK) fprintf(stderr, "make_test_model: %s\n", emopiano_last_error());
  emopiano_model_free(model);
  return status == EMOPIANO_OK ? 0 : 1;
}
