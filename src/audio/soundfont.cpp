// Where a General MIDI SoundFont is on a Debian machine.
#include <cstdlib>
#include <system_error>

#include <fmt/core.h>

#include "emopiano/audio.hpp"
#include "emopiano/error.hpp"

namespace emopiano {

std::filesystem::path find_soundfont() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("EMOPIANO_SOUNDFONT"); env && *env) candidates.emplace_back(env);
  // fluid-soundfont-gm installs FluidR3_GM.sf2; default-GM.sf2 is the
  // alternatives link any GM SoundFont package provides.
  candidates.emplace_back("/usr/share/sounds/sf2/FluidR3_GM.sf2");
  candidates.emplace_back("/usr/share/sounds/sf2/default-GM.sf2");
  candidates.emplace_back("/usr/share/soundfonts/default.sf2");
  candidates.emplace_back("/usr/share/soundfonts/FluidR3_GM.sf2");
  std::string tried;
  for (const auto& c : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(c, ec)) return c;
    tried += (tried.empty() ? "" : ", ") + c.string();
  }
  throw Error(ErrorCode::not_found,
              fmt::format("no General MIDI SoundFont found (tried {}); install fluid-soundfont-gm "
                          "or set EMOPIANO_SOUNDFONT",
                          tried));
}

}  // namespace emopiano
