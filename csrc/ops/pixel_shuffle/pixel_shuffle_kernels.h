#pragma once
// Internal: the device kernels behind the pixel (un)shuffle ops, their shared argument
// checks and the activation codes. Not part of the public API.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

#include <string>
#include <tuple>

#include "common/device_kernels.h"

namespace srgan_cpp::pixel_shuffle_detail {

enum class Act : int { None = 0, ReLU = 1, LeakyReLU = 2, PReLU = 3 };

Act parse_activation(const std::string& activation);

// Shapes of a shuffle (upscale) viewed as 4-D: input (n, c*r*r, h, w) -> (n, c, h*r, w*r).
struct ShuffleGeometry {
  int64_t n, c, h, w, r;
};

// Validates `input`/`factor` for pixel_shuffle (upscale=true) or pixel_unshuffle and
// returns the input viewed as 4-D (leading dims flattened).
at::Tensor as_4d_checked(const at::Tensor& input, int64_t factor, bool upscale, const char* op);

// Validates every argument of fused_pixel_shuffle; returns the geometry.
ShuffleGeometry check_fused_args(const at::Tensor& input, int64_t r, const c10::optional<at::Tensor>& bias,
                                 Act act, const c10::optional<at::Tensor>& prelu_weight,
                                 const c10::optional<at::Tensor>& residual, const char* op);

// Allocates a 4-D output following the op family's memory-format rule.
at::Tensor empty_like_layout(const at::Tensor& input, at::IntArrayRef sizes);

// Kernels: plain shuffle/unshuffle take and return 4-D tensors.
#define SRGAN_CPP_PIXEL_SHUFFLE_KERNELS(dev)                                                           \
  at::Tensor shuffle_##dev(const at::Tensor& x4, int64_t r, bool upscale);                             \
  at::Tensor fused_forward_##dev(const at::Tensor& input, int64_t r, const at::Tensor& bias, Act act,  \
                                 const at::Tensor& weight, double slope, const at::Tensor& residual);  \
  std::tuple<at::Tensor, at::Tensor, at::Tensor> fused_backward_##dev(                                 \
      const at::Tensor& grad_out, const at::Tensor& input, int64_t r, const at::Tensor& bias, Act act, \
      const at::Tensor& weight, double slope);
SRGAN_CPP_DECLARE_DEVICE_KERNELS(SRGAN_CPP_PIXEL_SHUFFLE_KERNELS)
#undef SRGAN_CPP_PIXEL_SHUFFLE_KERNELS

}  // namespace srgan_cpp::pixel_shuffle_detail
