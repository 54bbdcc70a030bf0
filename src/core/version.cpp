#include "emopiano/version.hpp"

namespace emopiano {

const char* version_string() noexcept { return EMOPIANO_VERSION_STRING; }
int version_number() noexcept { return EMOPIANO_VERSION_NUMBER; }

}  // namespace emopiano
