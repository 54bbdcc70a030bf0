#include "sample/generation_memory.hpp"

#include <algorithm>
#include <fstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

#include <fmt/core.h>

#include "emopiano/error.hpp"

namespace emopiano::sample {

namespace {

// The values a token's keys (and its values) take in one layer's cache.
int64_t kv_width(const ModelConfig& c) { return static_cast<int64_t>(c.d_model) / c.n_heads * c.kv_heads(); }

int64_t per_piece_bytes(const ModelConfig& c) {
  const int64_t f = sizeof(float);
  const int64_t cache = static_cast<int64_t>(c.n_layers) * 2 * c.context_length * kv_width(c) * f;
  // Refeeding half a window (after a slide) or a long prompt: one layer's
  // attention scores and feed-forward activations at a time.
  const int64_t window = std::max(1, c.context_length / 2);
  const int64_t prompt =
      static_cast<int64_t>(c.n_heads) * window * window * f + window * static_cast<int64_t>(c.d_ff) * f;
  return 2 * cache + prompt;
}

double gib(int64_t bytes) { return static_cast<double>(bytes) / static_cast<double>(static_cast<int64_t>(1) << 30); }

}  // namespace

int64_t generation_memory_bytes(const ModelConfig& config, int64_t count) {
  return per_piece_bytes(config) * std::max<int64_t>(count, 0);
}

int64_t usable_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  int64_t usable = pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page : INT64_MAX;
  std::ifstream cgroup("/sys/fs/cgroup/memory.max");  // cgroup v2; "max" when unlimited
  std::string limit;
  if (cgroup >> limit && limit != "max") {
    try {
      usable = std::min<int64_t>(usable, std::stoll(limit));
    } catch (...) {
    }
  }
  struct rlimit as {};
  if (::getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
    usable = std::min<int64_t>(usable, static_cast<int64_t>(as.rlim_cur));
  return usable;
}

void check_generation_memory(const ModelConfig& config, int64_t count, int rows_per_piece) {
  rows_per_piece = std::max(1, rows_per_piece);
  const int64_t needed = generation_memory_bytes(config, count * rows_per_piece);
  const int64_t usable = usable_memory_bytes();
  if (needed <= usable) return;
  const int64_t fits = usable / std::max<int64_t>(1, per_piece_bytes(config) * rows_per_piece);
  throw Error(ErrorCode::out_of_memory,
              fmt::format("{} pieces at once need about {:.1f} GiB (K/V caches of {} layers x {} tokens x {} wide{}), "
                          "more than the {:.1f} GiB of memory here: generate at most {} at once",
                          count, gib(needed), config.n_layers, config.context_length, kv_width(config),
                          rows_per_piece > 1 ? fmt::format(", {} rows per piece for guidance", rows_per_piece) : "",
                          gib(usable), std::max<int64_t>(1, fits)));
}

}  // namespace emopiano::sample
