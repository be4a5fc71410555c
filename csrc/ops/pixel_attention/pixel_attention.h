#pragma once
// Public C++ API of the fused pixel-attention gate (PAN's PA: x * sigmoid(conv1x1(x))). The
// call goes through the PyTorch dispatcher, so autograd, autocast and CPU/CUDA selection
// apply from C++ too.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

namespace srgan_cpp::ops {

// out = input * sigmoid(gate + bias[None, :, None, None]) in one pass.
//   input (N, C, H, W);
//   gate  (N, C, H, W) - one gate per element (pixel attention: the output of a 1x1 conv
//         without its bias) - or (N, 1, H, W), one gate per pixel shared by all channels
//         (spatial attention);
//   bias  optional (C,) or (1,) - the bias of the conv that made `gate`.
// Same dtype for all (float32/64/16, bfloat16); computed in float32 (float64 for float64
// inputs) and rounded once. Output: input's shape, dtype and memory format.
at::Tensor pixel_attention(const at::Tensor& input, const at::Tensor& gate, const c10::optional<at::Tensor>& bias);

}  // namespace srgan_cpp::ops
