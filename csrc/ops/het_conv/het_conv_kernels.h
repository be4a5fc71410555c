#pragma once
// Internal: shapes, argument checks and compute paths of the HetConv op. Not public API.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

#include <array>
#include <tuple>

#include "common/device_kernels.h"

namespace srgan_cpp::het_conv_detail {

struct HetGeometry {
  int64_t n, in, out, h, w, parts, stride, out_h, out_w;
  int64_t in_group() const { return in / parts; }    // cg: input channels per group
  int64_t out_group() const { return out / parts; }  // og: output channels per group
};

// Checks `parts` against in/out and both weights' shapes (no input needed).
void check_weights(const at::Tensor& weight3x3, const at::Tensor& weight1x1, int64_t parts, const char* op);

// Validates every argument of het_conv2d; returns the geometry.
HetGeometry check_args(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                       const c10::optional<at::Tensor>& bias, int64_t parts, int64_t stride, const char* op);

// Column of the dense (out, in) 1x1 matrix that entry [o][j] of weight1x1 occupies: (out, in - cg) int64.
at::Tensor one_by_one_columns(int64_t in, int64_t out, int64_t parts, const at::TensorOptions& device);
// weight1x1 scattered into an (out, in) matrix with zero diagonal blocks.
at::Tensor one_by_one_full(const at::Tensor& weight1x1, int64_t in, int64_t parts);

// Device-generic compute (ATen convolution + GEMM). channels_last selects the NHWC
// formulation (the 1x1 part is one 2-D GEMM over all pixels) versus the NCHW one (a
// batched GEMM per sample). Outputs follow `input`'s memory-format rule.
at::Tensor forward_composite(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                             const at::Tensor& bias, const HetGeometry& g, bool channels_last);
// Returns (grad_input, grad_weight3x3, grad_weight1x1, grad_bias); entries not asked for
// in `mask` (same order) are empty (0-element) tensors.
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward_composite(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight3x3,
    const at::Tensor& weight1x1, const HetGeometry& g, std::array<bool, 4> mask, bool channels_last);

// Device kernels: choose the formulation that is fastest on the device.
// CPU: whether the composite runs in channels_last for this input (het_conv_cpu.cpp).
bool cpu_computes_channels_last(const at::Tensor& input);
#define SRGAN_CPP_HET_CONV_KERNELS(dev)                                                                       \
  at::Tensor forward_##dev(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1, \
                           const at::Tensor& bias, const HetGeometry& g);                                     \
  std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward_##dev(                                  \
      const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight3x3,                    \
      const at::Tensor& weight1x1, const HetGeometry& g, std::array<bool, 4> mask);
SRGAN_CPP_DECLARE_DEVICE_KERNELS(SRGAN_CPP_HET_CONV_KERNELS)
#undef SRGAN_CPP_HET_CONV_KERNELS

}  // namespace srgan_cpp::het_conv_detail
