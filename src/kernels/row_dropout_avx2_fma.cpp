// AVX2 row dropout: eight values and eight lanes of the mask at a time
// (avx2_rows.hpp), the row's last few by the portable kernel's rule.
#include "kernels/row_dropout.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include "kernels/avx2_rows.hpp"

namespace emopiano::kernels::detail {

EMOPIANO_TARGET void dropout_rows_avx2_fma(const DropoutRows& s, const void* in, void* out, int64_t begin,
                                           int64_t end) {
  const float kept1 = 1.0f / (1.0f - s.drop);
  const __m256 kept = _mm256_set1_ps(kept1);
  const int32_t threshold1 = dropout_threshold(s.drop);
  const __m256i threshold = _mm256_set1_epi32(threshold1 - 1);
  const int64_t whole = s.width / 8 * 8;
  for (int64_t r = begin; r < end; ++r) {
    const uint32_t key = dropout_row_key(s.seed, r);
    const int64_t base = r * s.width;
    for (int64_t j = 0; j < whole; j += 8)
      store8(s.type, out, base + j,
             _mm256_and_ps(keep8(key, j, threshold), _mm256_mul_ps(load8(s.type, in, base + j), kept)));
    for (int64_t j = whole; j < s.width; ++j) drop_one(s, in, out, base + j, dropout_keeps(threshold1, key, j), kept1);
  }
}

}  // namespace emopiano::kernels::detail
#endif
