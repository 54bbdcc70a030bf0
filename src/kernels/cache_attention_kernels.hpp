// The per-instruction-set kernels behind bf16_cache_attention(): the
// attention of one query over one head's run of cached positions. Each lives
// in its own file, compiled for its instruction set by function attributes
// only, and all follow the same three steps: the scores q.k of every
// position (each key row read once), the softmax's exponentials over those
// scores (at most a few KiB, in L1), and the weighted sum of the value rows
// (each read once).
#pragma once

#include <cstdint>

namespace emopiano::kernels::detail {

// q: D floats. keys: one K/V head's keys in panels (key_panels.hpp), of
// which the first S positions are read; values: S rows of D bf16 values, one
// after the other.
// out: D floats = sum_s softmax(scale * q.k_s) v_s. scratch: at least
// cache_attention_scratch_floats(S, D) floats, overwritten.
using CacheAttentionKernel = void (*)(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S,
                                      int64_t D, float scale, float* scratch, float* out);

inline int64_t cache_attention_scratch_floats(int64_t S, int64_t D) {
  return (S + 15) / 16 * 16 + 2 * ((D + 31) / 32 * 32);
}

// G queries (D floats each, one after the other) over the same keys and
// values: the query heads of one K/V head in grouped-query attention. Each
// key and value row is read once for all G. out: G rows of D floats.
// scratch: at least G * cache_attention_scratch_floats(S, D) floats.
using CacheAttentionGroupKernel = void (*)(const float* q, int64_t G, const uint16_t* keys, const uint16_t* values,
                                           int64_t S, int64_t D, float scale, float* scratch, float* out);

// The same over int8 rows (int8_cache_rows.hpp): keys and values are both S
// rows of int8_row_bytes(D) bytes.
using Int8CacheAttentionKernel = void (*)(const float* q, const int8_t* keys, const int8_t* values, int64_t S,
                                          int64_t D, float scale, float* scratch, float* out);

void cache_attention_scalar(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S, int64_t D,
                            float scale, float* scratch, float* out);

void cache_attention_int8_scalar(const float* q, const int8_t* keys, const int8_t* values, int64_t S, int64_t D,
                                 float scale, float* scratch, float* out);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The AVX-512 kernels need AVX512F, BW (masked loads of 8- and 16-bit
// values) and VL (of 16 bytes).
bool avx512_attention_supported();
void cache_attention_avx2_fma(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S, int64_t D,
                              float scale, float* scratch, float* out);
void cache_attention_avx512(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S, int64_t D,
                            float scale, float* scratch, float* out);
void cache_attention_group_avx512(const float* q, int64_t G, const uint16_t* keys, const uint16_t* values, int64_t S,
                                  int64_t D, float scale, float* scratch, float* out);
// The same with the scores by vdpbf16ps (q rounded to bf16): AVX-512 BF16 too.
bool avx512_bf16_attention_supported();
void cache_attention_avx512_bf16(const float* q, const uint16_t* keys, const uint16_t* values, int64_t S, int64_t D,
                                 float scale, float* scratch, float* out);
void cache_attention_group_avx512_bf16(const float* q, int64_t G, const uint16_t* keys, const uint16_t* values,
                                       int64_t S, int64_t D, float scale, float* scratch, float* out);
void cache_attention_int8_avx2_fma(const float* q, const int8_t* keys, const int8_t* values, int64_t S, int64_t D,
                                   float scale, float* scratch, float* out);
void cache_attention_int8_avx512(const float* q, const int8_t* keys, const int8_t* values, int64_t S, int64_t D,
                                 float scale, float* scratch, float* out);
#endif

}  // namespace emopiano::kernels::detail
