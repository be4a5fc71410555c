#pragma once
// PReLU applied in place, for inference: the activation of a tensor the caller owns (a
// fresh conv output) without allocating and filling a second activation-sized tensor, which
// is what makes torch's out-of-place prelu cost about twice an in-place elementwise pass.
#include <ATen/core/Tensor.h>

namespace srgan_cpp::nn {

// x = x > 0 ? x : weight[c] * x, rounded once to x's dtype (bit-identical to at::prelu), in
// place, when nothing needs a gradient (grad mode off, or neither tensor requires grad), x is
// a 4-D CPU float32 / bfloat16 tensor, contiguous in NCHW or channels_last, and weight has
// x's dtype and 1 or C elements. Otherwise returns at::prelu(x, weight) and leaves x alone.
// Returns the activation (x itself when done in place).
at::Tensor prelu_inference_(at::Tensor& x, const at::Tensor& weight);

}  // namespace srgan_cpp::nn
