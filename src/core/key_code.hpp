// The key input the generator takes at every position, as a small integer:
// 0 for no key (the null condition, or a vocabulary without Key tokens),
// 1 + key_index(k) for key k. Shared by the network, the training batches
// and the sampler, so that all three agree on it.
#pragma once

#include <cstdint>
#include <optional>

#include "emopiano/key.hpp"

namespace emopiano {

constexpr int64_t kKeyCodes = 1 + kNumKeys;

inline int64_t key_code(const std::optional<MusicalKey>& key) { return key ? 1 + key_index(*key) : 0; }

}  // namespace emopiano
