#pragma once
// Public C++ API of the fused channel-attention op (RCAN's CA layer, a squeeze-and-excitation
// gate). The call goes through the PyTorch dispatcher, so autograd, autocast and CPU/CUDA
// selection apply from C++ too.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

namespace srgan_cpp::ops {

// out[n, c] = input[n, c] * sigmoid(W2 relu(W1 mean_hw(input[n]) + b1) + b2)[c], in one op:
// one pass over `input` for the means, the small gate per sample, one pass for the product.
//   input          (N, C, H, W), H, W >= 1, contiguous or channels_last (others are copied);
//   squeeze_weight (Cr, C) or (Cr, C, 1, 1) - the first 1x1 conv of the gate; squeeze_bias (Cr,);
//   excite_weight  (C, Cr) or (C, Cr, 1, 1) - the second 1x1 conv; excite_bias (C,).
// All in input's dtype (float32/64/16, bfloat16); the gate is computed in float32 (float64
// for float64 inputs). Output: input's shape, dtype and memory format.
at::Tensor channel_attention(const at::Tensor& input, const at::Tensor& squeeze_weight,
                             const c10::optional<at::Tensor>& squeeze_bias, const at::Tensor& excite_weight,
                             const c10::optional<at::Tensor>& excite_bias);

}  // namespace srgan_cpp::ops
