#pragma once
// Branch-free float softplus / sigmoid for the CPU RaGAN kernel. libm's expf/log1pf are
// opaque calls that keep the element loops scalar; these use only arithmetic and bit
// operations, so the compiler vectorises the loops (the float path was ~10x slower than
// ATen's vectorised eager ops with libm). Max relative error ~2e-7 (a few float ulps).
// double keeps libm (gradcheck-level accuracy).
#include <cmath>
#include <cstdint>

namespace srgan_cpp::ragan_detail::cpu_math {

// exp(x) for x <= 0 (the only use: exp(-|z|)); 0 below -87 (no denormals).
inline float exp_nonpositive(float x) {
  const float keep = x < -87.0f ? 0.0f : 1.0f;
  x = std::fmax(x, -87.0f);
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
  return p * scale * keep;
}

// log(1 + t) for t in [0, 1]: 2 atanh(s), s = t / (2 + t) in [0, 1/3], odd series to s^15.
inline float log1p_unit(float t) {
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

inline float softplus(float z) {
  const float az = std::fabs(z);
  return (z > 0.0f ? z : 0.0f) + log1p_unit(exp_nonpositive(-az));
}

inline float sigmoid(float z) {
  const float t = exp_nonpositive(-std::fabs(z));
  const float inv = 1.0f / (1.0f + t);
  return z >= 0.0f ? inv : t * inv;
}

inline double softplus(double z) { return (z > 0 ? z : 0) + std::log1p(std::exp(-std::fabs(z))); }
inline double sigmoid(double z) {
  const double t = std::exp(-std::fabs(z));
  return z >= 0 ? 1.0 / (1.0 + t) : t / (1.0 + t);
}

}  // namespace srgan_cpp::ragan_detail::cpu_math
