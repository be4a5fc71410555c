#pragma once
// Branch-free float softplus / sigmoid for the CPU RaGAN kernel. libm's expf/log1pf are
// opaque calls that keep the element loops scalar; these use only arithmetic and bit
// operations, so the compiler vectorises the loops (the float path was ~10x slower than
// ATen's vectorised eager ops with libm). Max relative error ~2e-7 (a few float ulps).
// double keeps libm (gradcheck-level accuracy). Always-inline: the kernels' AVX2 copies
// (common/cpu_isa.h) must get them inlined.
#include <cmath>
#include <cstdint>

#include "common/cpu_isa.h"

namespace srgan_cpp::ragan_detail::cpu_math {

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

// log(1 + t) for t in [0, 1]: 2 atanh(s), s = t / (2 + t) in [0, 1/3], odd series to s^15.
SRGAN_CPP_ALWAYS_INLINE float log1p_unit(float t) {
  const float s = t / (2.0f + t), s2 = s * s;
  float p = 1.0f / 15.0f;
  p = p * s2 + 1.0f / 13.0f;
  p = p * s2 + 1.0f / 11.0f;
  p = p * s2 + 1.0f / 9.0f;
  p = p * s2 + 1.0f / 7.0f;
  p = p * s2 + 1.0f / 5.0f;
  p = p * s2 + 1.0f / 3.0f;
  p = p * s2 + 1.0f;
  return 2.0f * s * p;
}

// Selects are done on int32 bit patterns for the same reason as the clamp above (a float
// select feeding arithmetic keeps GCC's loop scalar): for floats, the int32 view is
// negative exactly when the sign bit is set. `z * 0` is 0 for finite z and NaN for NaN:
// it carries a NaN logit through the clamps. (An infinite logit makes the batch means
// infinite, so the loss is NaN either way.)
SRGAN_CPP_ALWAYS_INLINE float softplus(float z) {
  const int32_t zi = __builtin_bit_cast(int32_t, z);
  const float pos = __builtin_bit_cast(float, zi > 0 ? zi : 0);  // max(z, 0)
  return pos + log1p_unit(exp_nonpositive(-std::fabs(z))) + z * 0.0f;
}

SRGAN_CPP_ALWAYS_INLINE float sigmoid(float z) {
  const float t = exp_nonpositive(-std::fabs(z));
  const int32_t zi = __builtin_bit_cast(int32_t, z);
  const float num = __builtin_bit_cast(float, zi < 0 ? __builtin_bit_cast(int32_t, t) : __builtin_bit_cast(int32_t, 1.0f));
  return num / (1.0f + t) + z * 0.0f;  // 1/(1+t) for z >= 0, t/(1+t) below
}

SRGAN_CPP_ALWAYS_INLINE double softplus(double z) { return (z > 0 ? z : 0) + std::log1p(std::exp(-std::fabs(z))); }
SRGAN_CPP_ALWAYS_INLINE double sigmoid(double z) {
  const double t = std::exp(-std::fabs(z));
  return z >= 0 ? 1.0 / (1.0 + t) : t / (1.0 + t);
}

}  // namespace srgan_cpp::ragan_detail::cpu_math
