#pragma once
// Branch-free float softplus for the CPU RaGAN kernel (exp and sigmoid: common/cpu_math.h).
// libm's expf/log1pf are opaque calls that keep the element loops scalar; these use only
// arithmetic and bit operations, so the compiler vectorises the loops (the float path was
// ~10x slower than ATen's vectorised eager ops with libm). Max relative error ~2e-7 (a few
// float ulps). double keeps libm (gradcheck-level accuracy). Always-inline: the kernels'
// AVX2 copies (common/cpu_isa.h) must get them inlined.
#include <cmath>
#include <cstdint>

#include "common/cpu_isa.h"
#include "common/cpu_math.h"

namespace srgan_cpp::ragan_detail::cpu_math {

using srgan_cpp::cpu_math::exp_nonpositive;
using srgan_cpp::cpu_math::sigmoid;

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

// Selects are done on int32 bit patterns for the same reason as exp_nonpositive's clamp (a
// float select feeding arithmetic keeps GCC's loop scalar): for floats, the int32 view is
// negative exactly when the sign bit is set. `z * 0` is 0 for finite z and NaN for NaN:
// it carries a NaN logit through the clamps. (An infinite logit makes the batch means
// infinite, so the loss is NaN either way.)
SRGAN_CPP_ALWAYS_INLINE float softplus(float z) {
  const int32_t zi = __builtin_bit_cast(int32_t, z);
  const float pos = __builtin_bit_cast(float, zi > 0 ? zi : 0);  // max(z, 0)
  return pos + log1p_unit(exp_nonpositive(-std::fabs(z))) + z * 0.0f;
}

SRGAN_CPP_ALWAYS_INLINE double softplus(double z) { return (z > 0 ? z : 0) + std::log1p(std::exp(-std::fabs(z))); }

}  // namespace srgan_cpp::ragan_detail::cpu_math
