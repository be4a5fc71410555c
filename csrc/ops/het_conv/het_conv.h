#pragma once
// Public C++ API of the heterogeneous convolution (HetConv, Singh et al., CVPR 2019).
// Each call goes through the PyTorch dispatcher, so autograd, CPU/CUDA selection and
// tracing apply from C++ too.
//
// Layout with `parts` = P: the out channels form P contiguous groups and the in channels
// P contiguous groups of cg = in / P. Output group g applies 3x3 kernels to input group g
// and 1x1 kernels to every other input channel. Parameters are stored heterogeneously:
//   weight3x3 (out, in/P, 3, 3) - the 3x3 kernels, as a grouped conv with groups = P;
//   weight1x1 (out, in - in/P)  - the 1x1 kernels; row o (in group g) lists the input
//                                 channels [0, g*cg) then [(g+1)*cg, in), in order.
// Padding is 1 ("same" size for stride 1; ceil(H/2) x ceil(W/2) for stride 2), so the op
// equals a dense 3x3 conv (padding 1) whose weight has the heterogeneous zero pattern.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

#include <tuple>

namespace srgan_cpp::ops {

// (N, in, H, W) -> (N, out, H', W'), H' = (H - 1) / stride + 1; stride 1 or 2.
at::Tensor het_conv2d(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                      const c10::optional<at::Tensor>& bias, int64_t parts, int64_t stride);

// The equivalent dense (out, in, 3, 3) weight (zeros where HetConv has no weight).
// Differentiable (built from ATen ops).
at::Tensor het_conv2d_to_dense(const at::Tensor& weight3x3, const at::Tensor& weight1x1, int64_t parts);

// Splits a dense (out, in, 3, 3) weight into (weight3x3, weight1x1), dropping the entries
// HetConv does not have. Differentiable.
std::tuple<at::Tensor, at::Tensor> het_conv2d_from_dense(const at::Tensor& dense_weight, int64_t parts);

}  // namespace srgan_cpp::ops
