#pragma once
// Internal: argument checks and device kernels of the pixel-attention gate. The kernels take
// `x`, `z` (the gate) and `g` (grad_output) contiguous in one memory format (NCHW or
// channels_last) and the bias as a (G,) tensor of the accumulation dtype (float32, or
// float64 for float64 inputs; zeros when the op got none). Not part of the public API.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

#include <tuple>

#include "common/device_kernels.h"

namespace srgan_cpp::pixel_attention_detail {

struct Geometry {
  int64_t n, c, h, w;
  int64_t gate_channels;  // C (one gate per element) or 1 (one per pixel)
  bool channels_last;     // the op's memory-format rule (common/tensor_checks.h)
};

// Validates every argument of the forward (`grad_output` undefined) or the backward op.
Geometry check_args(const at::Tensor& input, const at::Tensor& gate, const c10::optional<at::Tensor>& bias,
                    const at::Tensor& grad_output, const char* op);

// out = x * sigmoid(z + bias).
// backward: (grad_input, grad_gate, grad_bias): grad_bias (G,) in the accumulation dtype,
// computed only when `bias_grad` (else undefined).
#define SRGAN_CPP_PIXEL_ATTENTION_KERNELS(dev)                                                \
  at::Tensor forward_##dev(const at::Tensor& x, const at::Tensor& z, const at::Tensor& bias); \
  std::tuple<at::Tensor, at::Tensor, at::Tensor> backward_##dev(                              \
      const at::Tensor& g, const at::Tensor& x, const at::Tensor& z, const at::Tensor& bias, bool bias_grad);
SRGAN_CPP_DECLARE_DEVICE_KERNELS(SRGAN_CPP_PIXEL_ATTENTION_KERNELS)
#undef SRGAN_CPP_PIXEL_ATTENTION_KERNELS

// The device-generic op bodies (argument checks, then the kernels of input's device).
at::Tensor forward(const at::Tensor& input, const at::Tensor& gate, const c10::optional<at::Tensor>& bias);
std::tuple<at::Tensor, at::Tensor, at::Tensor> backward(const at::Tensor& grad_output, const at::Tensor& input,
                                                        const at::Tensor& gate, const c10::optional<at::Tensor>& bias);

}  // namespace srgan_cpp::pixel_attention_detail
