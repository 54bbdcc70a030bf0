#include "kernels/int8_cache_attention.hpp"

#include "kernels/cache_attention_kernels.hpp"
#include "kernels/cache_attention_rows.hpp"
#include "kernels/int8_cache_rows.hpp"

namespace emopiano::kernels {

namespace {

struct Kernel {
  detail::Int8CacheAttentionKernel run;
  const char* name;
};

Kernel kernel_for(GemvIsa isa) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  const bool avx512 = isa == GemvIsa::avx512f || isa == GemvIsa::avx512_bf16;
  if (avx512 && detail::avx512_attention_supported()) return {detail::cache_attention_int8_avx512, "avx512"};
  if (isa != GemvIsa::scalar && gemv_isa_supported(GemvIsa::avx2_fma))
    return {detail::cache_attention_int8_avx2_fma, "avx2_fma"};
#else
  (void)isa;
#endif
  return {detail::cache_attention_int8_scalar, "scalar"};
}

void attend(const Kernel& kernel, const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t KVH, int64_t D,
            int8_t* key_cache, int8_t* value_cache, int64_t capacity, int64_t past, float* out, int64_t out_stride,
            int64_t T, int64_t window) {
  auto write_row = [D](const float* x, int8_t* row) { quantize_int8_row(x, D, row); };
  const int64_t R = int8_row_bytes(D);
  auto write_key = [&](const float* x, int8_t* head, int64_t s) { write_row(x, head + s * R); };
  detail::attend_new_tokens(kernel.run, nullptr, write_key, write_row, qkv, qkv_stride, B, T, H, KVH, D, R, key_cache,
                            capacity * R, R, value_cache, capacity, past, out, out_stride, window);
}

}  // namespace

const char* int8_cache_attention_kernel_name(GemvIsa isa) { return kernel_for(isa).name; }

void int8_cache_attention(GemvIsa isa, const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t KVH,
                          int64_t D, int8_t* key_cache, int8_t* value_cache, int64_t capacity, int64_t past, float* out,
                          int64_t out_stride) {
  attend(kernel_for(isa), qkv, qkv_stride, B, H, KVH, D, key_cache, value_cache, capacity, past, out, out_stride, 1, 0);
}

void int8_cache_attention(const float* qkv, int64_t qkv_stride, int64_t B, int64_t H, int64_t KVH, int64_t D,
                          int8_t* key_cache, int8_t* value_cache, int64_t capacity, int64_t past, float* out,
                          int64_t out_stride, int64_t tokens, int64_t window) {
  static const Kernel chosen = kernel_for(gemv_isa());
  attend(chosen, qkv, qkv_stride, B, H, KVH, D, key_cache, value_cache, capacity, past, out, out_stride, tokens,
         window);
}

}  // namespace emopiano::kernels
