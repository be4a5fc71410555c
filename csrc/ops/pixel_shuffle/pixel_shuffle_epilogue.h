#pragma once
// The element-wise epilogue of the fused shuffle, shared by the CPU and CUDA kernels so
// both devices round exactly like the eager composite act(shuffle(x + b)) + residual:
// every intermediate that eager PyTorch stores in scalar_t is rounded to scalar_t here too.
#include <c10/macros/Macros.h>

#include <type_traits>
#include "ops/pixel_shuffle/pixel_shuffle_kernels.h"

namespace srgan_cpp::pixel_shuffle_detail {

// Forward activation on the pre-activation z (already rounded to scalar_t).
template <Act A, typename acc_t>
C10_HOST_DEVICE inline acc_t activate(acc_t z, acc_t w) {
  if constexpr (A == Act::ReLU) {
    return (z > acc_t(0) || z != z) ? z : acc_t(0);  // NaN propagates like torch.relu
  } else if constexpr (A == Act::LeakyReLU || A == Act::PReLU) {
    const acc_t neg = z * w;  // computed unconditionally so the choice compiles to a select
    return z > acc_t(0) ? z : neg;
  } else {
    return z;
  }
}

// d act / d z applied to the incoming gradient g (torch's convention: slope 1 only for z > 0).
template <Act A, typename acc_t>
C10_HOST_DEVICE inline acc_t activate_backward(acc_t z, acc_t g, acc_t w) {
  if constexpr (A == Act::ReLU) {
    return z > acc_t(0) ? g : acc_t(0);
  } else if constexpr (A == Act::LeakyReLU || A == Act::PReLU) {
    return z > acc_t(0) ? g : g * w;
  } else {
    return g;
  }
}

// Calls f with the activation as a compile-time constant, so each kernel is instantiated
// per activation and its inner loops carry no activation switch.
template <typename F>
void dispatch_act(Act act, F&& f) {
  switch (act) {
    case Act::None: f(std::integral_constant<Act, Act::None>{}); break;
    case Act::ReLU: f(std::integral_constant<Act, Act::ReLU>{}); break;
    case Act::LeakyReLU: f(std::integral_constant<Act, Act::LeakyReLU>{}); break;
    case Act::PReLU: f(std::integral_constant<Act, Act::PReLU>{}); break;
  }
}

}  // namespace srgan_cpp::pixel_shuffle_detail
