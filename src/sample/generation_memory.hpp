// How much memory a batch of pieces needs, checked before any of it is
// allocated: a request the machine cannot hold (generate --num 4096 with the
// bundled model wants ~32 GiB) is refused with a clear message instead of
// ending in an allocation failure halfway, or in the kernel's OOM killer.
#pragma once

#include <cstdint>

#include "emopiano/model.hpp"

namespace emopiano::sample {

// Bytes a batch of `count` pieces needs beyond the model itself: per piece the
// K/V cache (layers x 2 x context x d_model floats) and as much again for the
// copies made when the batch shrinks or the window slides, plus the
// attention and feed-forward buffers of a full-context prompt.
int64_t generation_memory_bytes(const ModelConfig& config, int64_t count);

// Memory this process may use: physical RAM, lowered by a cgroup limit or
// RLIMIT_AS when those are smaller.
int64_t usable_memory_bytes();

// Throws Error(out_of_memory) naming the estimate, the memory there is and
// the largest count that fits, when `count` pieces cannot fit. With guidance
// every piece runs as two or three rows (rows_per_piece).
void check_generation_memory(const ModelConfig& config, int64_t count, int rows_per_piece = 1);

}  // namespace emopiano::sample
