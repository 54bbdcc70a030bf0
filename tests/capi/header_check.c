/* Compiled as C99 with -Wall -Wextra -Werror -pedantic, and as C++ (see
 * tests/CMakeLists.txt), then run: the header is clean in both languages and a
 * plain C program links and calls the library. */
#include "emopiano.h"

#include <stdio.h>
#include <string.h>

static int progress_ignored(const emopiano_progress *progress, void *user_data) {
  (void)progress;
  (void)user_data;
  return 1;
}

int main(void) {
  emopiano_progress_fn fn = progress_ignored;
  emopiano_tokenizer *tokenizer = NULL;
  emopiano_emotion emotion;
  int32_t vocab = 0;
  char name[32];
  size_t needed = 0;

  (void)fn;
  if (emopiano_version_number() != EMOPIANO_VERSION_NUMBER) {
    fprintf(stderr, "header %d, library %u\n", EMOPIANO_VERSION_NUMBER,
            (unsigned)emopiano_version_number());
    return 1;
  }
  if (strcmp(emopiano_version_string(), EMOPIANO_VERSION_STRING) != 0) return 1;
  if (emopiano_abi_version() != EMOPIANO_ABI_VERSION) return 1;
  if (emopiano_tokenizer_create(&tokenizer, NULL) != EMOPIANO_OK) return 1;
  if (emopiano_tokenizer_vocab_size(&vocab, tokenizer) != EMOPIANO_OK || vocab <= 0) return 1;
  if (emopiano_tokenizer_token_to_string(name, sizeof name, &needed, tokenizer, 0) != EMOPIANO_OK)
    return 1;
  emopiano_tokenizer_free(tokenizer);
  if (emopiano_emotion_parse(&emotion, "sad") != EMOPIANO_OK || emotion.p[2] != 1.0f) return 1;
  if (emopiano_emotion_parse(&emotion, "nonsense") != EMOPIANO_ERROR_INVALID_ARGUMENT) return 1;
  if (emopiano_last_error()[0] == '\0') return 1;
  printf("emopiano %s (ABI %u): %d tokens, token 0 is %s\n", emopiano_version_string(),
         (unsigned)emopiano_abi_version(), (int)vocab, name);
  return 0;
}
