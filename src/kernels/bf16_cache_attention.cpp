#include "kernels/bf16_cache_attention.hpp"

#include "kernels/bf16.hpp"
#include "kernels/cache_attention_kernels.hpp"
#include "kernels/cache_attention_rows.hpp"
#include "kernels/key_panels.hpp"

namespace emopiano::kernels {

namespace {

struct Kernel {
  detail::CacheAttentionKernel run;
  const char* name;
  // The query heads of one K/V head together, where the instruction set has
  // such a kernel; else each head runs alone.
  detail::CacheAttentionGroupKernel run_group = nullptr;
};

// The fastest kernel no wider than `isa` that this CPU runs.
Kernel kernel_for(GemvIsa isa) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  // The bf16 GEMV rounds its input to bf16; its attention rounds q alike.
  if (isa == GemvIsa::avx512_bf16 && detail::avx512_bf16_attention_supported())
    return {detail::cache_attention_avx512_bf16, "avx512_bf16", detail::cache_attention_group_avx512_bf16};
  const bool avx512 = isa == GemvIsa::avx512f || isa == GemvIsa::avx512_bf16;
  if (avx512 && detail::avx512_attention_supported())
    return {detail::cache_attention_avx512, "avx512", detail::cache_attention_group_avx512};
  if (isa != GemvIsa::scalar && gemv_isa_supported(GemvIsa::avx2_fma))
    return {detail::cache_attention_avx2_fma, "avx2_fma"};
#else
  (void)isa;
#endif
  return {detail::cache_attention_scalar, "scalar"};
}

void attend(const Kernel& kernel, const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t KVH, int64_t D,
            uint16_t* key_cache, uint16_t* value_cache, int64_t capacity, int64_t past, float* out, int64_t out_stride,
            int64_t T, int64_t window) {
  auto write_row = [D](const float* x, uint16_t* row) {
    for (int64_t d = 0; d < D; ++d) row[d] = to_bf16(x[d]);
  };
  auto write_head_key = [D](const float* x, uint16_t* head, int64_t s) { write_key(x, D, s, head); };
  detail::attend_new_tokens(kernel.run, kernel.run_group, write_head_key, write_row, qkv, qkv_stride, B, T, H, KVH, D,
                            D, key_cache, key_head_values(capacity, D), key_panel_values(D) / kPanelPositions,
                            value_cache, capacity, past, out, out_stride, window);
}

}  // namespace

const char* bf16_cache_attention_kernel_name(GemvIsa isa) { return kernel_for(isa).name; }

void bf16_cache_attention(GemvIsa isa, const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t KVH,
                          int64_t D, uint16_t* key_cache, uint16_t* value_cache, int64_t capacity, int64_t past,
                          float* out, int64_t out_stride) {
  attend(kernel_for(isa), qkv, qkv_stride, B, H, KVH, D, key_cache, value_cache, capacity, past, out, out_stride, 1, 0);
}

void bf16_cache_attention(const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t KVH, int64_t D,
                          uint16_t* key_cache, uint16_t* value_cache, int64_t capacity, int64_t past, float* out,
                          int64_t out_stride, int64_t tokens, int64_t window) {
  static const Kernel chosen = kernel_for(gemv_isa());
  attend(chosen, qkv, qkv_stride, B, H, KVH, D, key_cache, value_cache, capacity, past, out, out_stride, tokens,
         window);
}

}  // namespace emopiano::kernels
