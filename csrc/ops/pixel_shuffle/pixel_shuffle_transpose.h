#pragma once
// Internal: the per-pixel transposes behind the channels_last pixel (un)shuffle kernels.
//
// In channels_last, the C*r*r channels of one low-resolution pixel form a C x (r*r) matrix
// (channel k = c*r*r + s, sub-pixel s = i*r + j), and sub-pixel s's C values are one
// contiguous run of the high-resolution image (row i, pixel j of the r x r block). A
// shuffle is therefore one small transpose per pixel, an unshuffle its inverse. Done with
// 4x4 float blocks in SSE registers, each block is four vector loads and four vector stores
// instead of sixteen scalar gathers. Pure data movement (plus, for the fused forward, one
// float add that rounds exactly like the scalar add), so results are bit-identical to the
// scalar loops.
#include <cstdint>
#include <type_traits>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "common/cpu_isa.h"

namespace srgan_cpp::pixel_shuffle_detail {

// dst[s][off + c] = src[c*rr + s] (+ bias[c*rr + s], rounded to T like eager's add), for
// c < C, s < rr. bias may be null.
template <typename T, typename Acc>
SRGAN_CPP_ALWAYS_INLINE void pixel_to_subpixels(const T* __restrict__ src, const T* __restrict__ bias, int64_t C,
                                                int64_t rr, T* const* dst, int64_t off) {
  int64_t c = 0;
#if defined(__SSE2__)
  if constexpr (std::is_same_v<T, float>) {
    if (rr % 4 == 0) {
      for (; c + 4 <= C; c += 4) {
        for (int64_t s = 0; s < rr; s += 4) {
          const float* p = src + c * rr + s;
          __m128 a0 = _mm_loadu_ps(p), a1 = _mm_loadu_ps(p + rr), a2 = _mm_loadu_ps(p + 2 * rr),
                 a3 = _mm_loadu_ps(p + 3 * rr);
          if (bias != nullptr) {
            const float* q = bias + c * rr + s;
            a0 = _mm_add_ps(a0, _mm_loadu_ps(q));
            a1 = _mm_add_ps(a1, _mm_loadu_ps(q + rr));
            a2 = _mm_add_ps(a2, _mm_loadu_ps(q + 2 * rr));
            a3 = _mm_add_ps(a3, _mm_loadu_ps(q + 3 * rr));
          }
          _MM_TRANSPOSE4_PS(a0, a1, a2, a3);  // now a_q holds sub-pixel s+q of channels c..c+3
          _mm_storeu_ps(dst[s] + off + c, a0);
          _mm_storeu_ps(dst[s + 1] + off + c, a1);
          _mm_storeu_ps(dst[s + 2] + off + c, a2);
          _mm_storeu_ps(dst[s + 3] + off + c, a3);
        }
      }
    }
  }
#endif
  for (; c < C; ++c) {
    const T* p = src + c * rr;
    if (bias != nullptr) {
      const T* q = bias + c * rr;
      for (int64_t s = 0; s < rr; ++s) dst[s][off + c] = static_cast<T>(static_cast<Acc>(p[s]) + static_cast<Acc>(q[s]));
    } else {
      for (int64_t s = 0; s < rr; ++s) dst[s][off + c] = p[s];
    }
  }
}

// One channels_last input row of W pixels (pixel iw at src + iw * sW, C*r*r channels) into
// its r output rows: output row i starts at out_row0 + i * row_len, and sub-pixel (i, j) of
// pixel iw lands at column (iw * r + j) * C. `dst` is r*r pointers of scratch. bias may be null.
template <typename T, typename Acc>
SRGAN_CPP_ALWAYS_INLINE void input_row_to_output_rows(const T* src, int64_t sW, int64_t W, const T* bias, int64_t C,
                                                      int64_t r, T* out_row0, int64_t row_len, T** dst) {
  const int64_t rr = r * r;
  for (int64_t s = 0; s < rr; ++s) dst[s] = out_row0 + (s / r) * row_len + (s % r) * C;
  for (int64_t iw = 0; iw < W; ++iw) pixel_to_subpixels<T, Acc>(src + iw * sW, bias, C, rr, dst, iw * r * C);
}

// The inverse: dst[c*rr + s] = src[s][off + c] for c < C, s < rr.
template <typename T>
SRGAN_CPP_ALWAYS_INLINE void subpixels_to_pixel(const T* const* src, int64_t off, int64_t C, int64_t rr,
                                                T* __restrict__ dst) {
  int64_t c = 0;
#if defined(__SSE2__)
  if constexpr (std::is_same_v<T, float>) {
    if (rr % 4 == 0) {
      for (; c + 4 <= C; c += 4) {
        for (int64_t s = 0; s < rr; s += 4) {
          __m128 a0 = _mm_loadu_ps(src[s] + off + c), a1 = _mm_loadu_ps(src[s + 1] + off + c),
                 a2 = _mm_loadu_ps(src[s + 2] + off + c), a3 = _mm_loadu_ps(src[s + 3] + off + c);
          _MM_TRANSPOSE4_PS(a0, a1, a2, a3);  // now a_p holds sub-pixels s..s+3 of channel c+p
          float* q = dst + c * rr + s;
          _mm_storeu_ps(q, a0);
          _mm_storeu_ps(q + rr, a1);
          _mm_storeu_ps(q + 2 * rr, a2);
          _mm_storeu_ps(q + 3 * rr, a3);
        }
      }
    }
  }
#endif
  for (; c < C; ++c) {
    T* q = dst + c * rr;
    for (int64_t s = 0; s < rr; ++s) q[s] = src[s][off + c];
  }
}

}  // namespace srgan_cpp::pixel_shuffle_detail
