#include "kernels/bf16_cache_attention.hpp"

#include <cmath>
#include <vector>

#include "kernels/bf16.hpp"
#include "kernels/cache_attention_kernels.hpp"

namespace emopiano::kernels {

namespace {

struct Kernel {
  detail::CacheAttentionKernel run;
  const char* name;
};

// The fastest kernel no wider than `isa` that this CPU runs.
Kernel kernel_for(GemvIsa isa) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  const bool avx512 = isa == GemvIsa::avx512f || isa == GemvIsa::avx512_bf16;
  if (avx512 && gemv_isa_supported(GemvIsa::avx512f) && __builtin_cpu_supports("avx512bw"))
    return {detail::cache_attention_avx512, "avx512"};
  if (isa != GemvIsa::scalar && gemv_isa_supported(GemvIsa::avx2_fma))
    return {detail::cache_attention_avx2_fma, "avx2_fma"};
#else
  (void)isa;
#endif
  return {detail::cache_attention_scalar, "scalar"};
}

void attend(const Kernel& kernel, const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t D,
            uint16_t* key_cache, uint16_t* value_cache, int64_t capacity, int64_t past, float* out,
            int64_t out_stride) {
  const int64_t C = H * D, S = past + 1;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  // Grown to the longest run seen, then reused: no allocation per step.
  thread_local std::vector<float> scratch;
  const auto needed = static_cast<size_t>(detail::cache_attention_scratch_floats(S, D));
  if (scratch.size() < needed) scratch.resize(needed);
  for (int64_t b = 0; b < B; ++b) {
    const float* row = qkv + b * qkv_stride;
    for (int64_t h = 0; h < H; ++h) {
      uint16_t* keys = key_cache + ((b * H + h) * capacity) * D;
      uint16_t* values = value_cache + ((b * H + h) * capacity) * D;
      for (int64_t d = 0; d < D; ++d) {
        keys[past * D + d] = to_bf16(row[C + h * D + d]);
        values[past * D + d] = to_bf16(row[2 * C + h * D + d]);
      }
      kernel.run(row + h * D, keys, values, S, D, scale, scratch.data(), out + b * out_stride + h * D);
    }
  }
}

}  // namespace

const char* bf16_cache_attention_kernel_name(GemvIsa isa) { return kernel_for(isa).name; }

void bf16_cache_attention(GemvIsa isa, const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t D,
                          uint16_t* key_cache, uint16_t* value_cache, int64_t capacity, int64_t past, float* out,
                          int64_t out_stride) {
  attend(kernel_for(isa), qkv, qkv_stride, B, H, D, key_cache, value_cache, capacity, past, out, out_stride);
}

void bf16_cache_attention(const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t D, uint16_t* key_cache,
                          uint16_t* value_cache, int64_t capacity, int64_t past, float* out, int64_t out_stride) {
  static const Kernel chosen = kernel_for(gemv_isa());
  attend(chosen, qkv, qkv_stride, B, H, D, key_cache, value_cache, capacity, past, out, out_stride);
}

}  // namespace emopiano::kernels
