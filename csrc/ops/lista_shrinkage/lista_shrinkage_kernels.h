#pragma once
// Internal: argument checks and device kernels of the LISTA shrinkage op.
//
// Forward, with a = x (+ r) (rounded to the dtype) and t = threshold[c]:
//   y = sign(a) * max(|a| - t, 0).
// Backward from the output alone (the inputs are not kept): y != 0 exactly where |a| > t
// (and a != 0), where dy/da = 1 and dy/dt = -sign(a) = -sign(y); elsewhere both are 0. So
//   grad_input = grad_addend = g * [y != 0],   grad_threshold[c] = -sum over c's elements of g * sign(y).
// Kernels take tensors laid out alike (all NCHW- or all channels_last-contiguous) and the
// thresholds as a contiguous (C,) tensor of the accumulation type (float, or double for
// float64 inputs).
#include <ATen/core/Tensor.h>
#include <c10/macros/Macros.h>

#include <tuple>

#include "common/device_kernels.h"

namespace srgan_cpp::lista_detail {

// The threshold function; written so that compilers vectorise it (selects, no branches).
template <typename acc_t>
C10_HOST_DEVICE inline acc_t shrink(acc_t a, acc_t t) {
  const acc_t m = (a < acc_t(0) ? -a : a) - t;
  const acc_t pos = m > acc_t(0) ? m : acc_t(0);
  return a > acc_t(0) ? pos : (a < acc_t(0) ? -pos : acc_t(0));
}

// input + addend rounded to the tensors' dtype, as the eager sum is: with it the forward
// (and the mask of the backward) is bit-identical to the eager composite in every dtype,
// since |a| - t of two float16/bfloat16 values is exact in float32 and then rounded once.
template <typename scalar_t, typename acc_t>
C10_HOST_DEVICE inline acc_t rounded_sum(scalar_t x, scalar_t r) {
  return static_cast<acc_t>(static_cast<scalar_t>(static_cast<acc_t>(x) + static_cast<acc_t>(r)));
}

// -g * sign(y): the per-element term of grad_threshold.
template <typename acc_t>
C10_HOST_DEVICE inline acc_t threshold_term(acc_t g, acc_t y) {
  return y > acc_t(0) ? -g : (y < acc_t(0) ? g : acc_t(0));
}

// Validates input / threshold / addend; names the op and the argument.
void check_forward_args(const at::Tensor& input, const at::Tensor& threshold, const at::Tensor& addend,
                        const char* op);
void check_backward_args(const at::Tensor& grad, const at::Tensor& output, const at::Tensor& threshold,
                         const char* op);

// y: preallocated like x; r undefined when there is no addend.
// backward: grad_input (like y) and, when need_threshold, grad_threshold (C,) in the accumulation type.
#define SRGAN_CPP_LISTA_KERNELS(dev)                                                                    \
  void forward_##dev(const at::Tensor& x, const at::Tensor& r, const at::Tensor& theta, at::Tensor& y); \
  std::tuple<at::Tensor, at::Tensor> backward_##dev(const at::Tensor& g, const at::Tensor& y, bool need_threshold);
SRGAN_CPP_DECLARE_DEVICE_KERNELS(SRGAN_CPP_LISTA_KERNELS)
#undef SRGAN_CPP_LISTA_KERNELS

}  // namespace srgan_cpp::lista_detail
