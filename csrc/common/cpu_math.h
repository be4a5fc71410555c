#pragma once
// Branch-free float exp / sigmoid for CPU element loops. libm's expf is an opaque call that
// keeps a loop scalar; these use only arithmetic and bit operations, so the compiler
// vectorises the loops that call them (with the AVX2 copies of common/cpu_isa.h). Max
// relative error ~2e-7 (a few float ulps). double keeps libm (gradcheck-level accuracy).
// Always-inline: the kernels' AVX2 copies must get them inlined. Used by the RaGAN loss and
// the attention ops.
#include <cmath>
#include <cstdint>

#include "common/cpu_isa.h"

namespace srgan_cpp::cpu_math {

// exp(x) for x <= 0 (the only use: exp(-|z|)). x is clamped at -87, so the result is
// never below e^-87 ~ 1.6e-38 (no denormals, exponent bits in range); that is far below
// the resolution of every value it feeds (1 + t, max(z, 0) + log1p(t)). The clamp is an
// integer min on the bit pattern (for x <= 0 a larger |x| is a larger int32): a float
// select feeding arithmetic is not if-converted by GCC under -ftrapping-math and
// std::fmax is an opaque call - either would keep the loops scalar.
SRGAN_CPP_ALWAYS_INLINE float exp_nonpositive(float x) {
  const int32_t lim = __builtin_bit_cast(int32_t, -87.0f);
  const int32_t xi = __builtin_bit_cast(int32_t, x);
  x = __builtin_bit_cast(float, xi > lim ? lim : xi);
  // round(x / ln 2) by the 1.5 * 2^23 trick: plain adds (nearbyint may be a libm call
  // without SSE4.1); exact for |x / ln 2| < 2^22, and the compiler may not fold it
  // without -ffast-math.
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;                            // Cody-Waite: ln 2 = hi + lo
  r = r + n * 2.12194440e-4f;
  // e^r on [-ln2/2, ln2/2]: degree-6 Taylor/minimax (Cephes expf coefficients).
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;  // 2^n, n in [-126, 0]
  const float scale = __builtin_bit_cast(float, bits);  // (GCC >= 11, Clang): vectorises, memcpy does not
  return p * scale;
}

// Selects are done on int32 bit patterns (a float select feeding arithmetic keeps GCC's
// loop scalar under -ftrapping-math): for floats, the int32 view is negative exactly when
// the sign bit is set. `z * 0` is 0 for finite z and NaN for NaN: it carries a NaN through.
SRGAN_CPP_ALWAYS_INLINE float sigmoid(float z) {
  const float t = exp_nonpositive(-std::fabs(z));
  const int32_t zi = __builtin_bit_cast(int32_t, z);
  const float num = __builtin_bit_cast(float, zi < 0 ? __builtin_bit_cast(int32_t, t) : __builtin_bit_cast(int32_t, 1.0f));
  return num / (1.0f + t) + z * 0.0f;  // 1/(1+t) for z >= 0, t/(1+t) below
}

SRGAN_CPP_ALWAYS_INLINE double sigmoid(double z) {
  const double t = std::exp(-std::fabs(z));
  return z >= 0 ? 1.0 / (1.0 + t) : t / (1.0 + t);
}

}  // namespace srgan_cpp::cpu_math
