/* ABI v1 frozen: sizeof and offsetof of every public struct of emopiano.h
 * against capi/abi/layout.def, and no unnamed padding anywhere (the fields
 * listed there must tile each struct). A strict C99 program, so it checks the
 * layout a C compiler gives, which is what every binding sees. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "emopiano.h"

typedef struct layout_entry {
  int is_struct; /* 1: an ABI_STRUCT line, 0: an ABI_FIELD line */
  const char *type;
  const char *field;
  size_t offset, size;                   /* what this compiler gives */
  size_t expected_offset, expected_size; /* what layout.def freezes */
} layout_entry;

#define ABI_STRUCT(type, size) {1, #type, "", 0, sizeof(type), 0, size},
#define ABI_FIELD(type, field, offset, size) \
  {0, #type, #field, offsetof(type, field), sizeof(((type *)0)->field), offset, size},
static const layout_entry entries[] = {
#include "abi/layout.def"
};
#undef ABI_STRUCT
#undef ABI_FIELD

int main(void) {
  const size_t count = sizeof entries / sizeof entries[0];
  const layout_entry *current = NULL; /* the struct whose fields are being read */
  size_t tiled = 0;                   /* bytes covered by its fields so far */
  int failures = 0;
  size_t i;
  if (UINTPTR_MAX != 0xffffffffffffffffu) {
    printf("skipped: ABI v1 layouts are frozen for 64-bit platforms only\n");
    return 0;
  }
  for (i = 0; i <= count; ++i) {
    const layout_entry *e = i < count ? &entries[i] : NULL;
    if (!e || e->is_struct) {
      if (current && tiled != current->size) {
        printf("%s: fields cover %zu of %zu bytes: name the padding with a reserved field\n",
               current->type, tiled, current->size);
        ++failures;
      }
      if (!e) break;
      current = e;
      tiled = 0;
      if (e->size != e->expected_size) {
        printf("sizeof(%s) is %zu, ABI v1 says %zu\n", e->type, e->size, e->expected_size);
        ++failures;
      }
      continue;
    }
    if (!current || strcmp(current->type, e->type) != 0) {
      printf("layout.def: field %s.%s is not under its ABI_STRUCT line\n", e->type, e->field);
      ++failures;
      continue;
    }
    if (e->offset != e->expected_offset || e->size != e->expected_size) {
      printf("%s.%s is at %zu with size %zu, ABI v1 says %zu with size %zu\n", e->type, e->field,
             e->offset, e->size, e->expected_offset, e->expected_size);
      ++failures;
    }
    if (e->offset != tiled) {
      printf("%s.%s starts at %zu but the previous field ends at %zu: unnamed padding\n", e->type,
             e->field, e->offset, tiled);
      ++failures;
    }
    tiled = e->offset + e->size;
  }
  if (failures) return 1;
  printf("%zu layout lines agree with ABI v1\n", count);
  return 0;
}
