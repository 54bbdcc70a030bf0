// Run-time version queries: what library is actually loaded, as opposed to
// the header a program was compiled against.
#include "emopiano/version.hpp"
#include "emopiano.h"

// The C header carries its own copy of the version (it must stay a plain file
// for binding authors); CMake checks it at configure time, this at compile time.
static_assert(EMOPIANO_VERSION_NUMBER ==
                  EMOPIANO_VERSION_MAJOR * 10000 + EMOPIANO_VERSION_MINOR * 100 + EMOPIANO_VERSION_PATCH,
              "emopiano.h and version.hpp disagree on the version");

extern "C" {

const char* emopiano_version_string(void) { return emopiano::version_string(); }

uint32_t emopiano_version_number(void) { return static_cast<uint32_t>(emopiano::version_number()); }

uint32_t emopiano_abi_version(void) { return EMOPIANO_ABI_VERSION; }

int32_t emopiano_has_model_support(void) {
#if defined(EMOPIANO_WITH_TORCH)
  return 1;
#else
  return 0;
#endif
}

}  // extern "C"
