#pragma once
// Public C++ API of the pixel (un)shuffle ops. Each call goes through the PyTorch
// dispatcher, so autograd, CPU/CUDA selection and tracing all apply from C++ too.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>
#include <string>

namespace srgan_cpp::ops {

// (*, C*r*r, H, W) -> (*, C, H*r, W*r); bit-identical to torch.nn.functional.pixel_shuffle.
at::Tensor pixel_shuffle(const at::Tensor& input, int64_t upscale_factor);

// (*, C, H*r, W*r) -> (*, C*r*r, H, W); bit-identical to torch.nn.functional.pixel_unshuffle.
at::Tensor pixel_unshuffle(const at::Tensor& input, int64_t downscale_factor);

// One pass of: y = act(pixel_shuffle(input + bias[None, :, None, None])) + residual.
//   input  (N, C*r*r, H, W); bias (C*r*r) - the bias of the conv it follows;
//   activation: "none" | "relu" | "leaky_relu" (negative_slope) | "prelu" (prelu_weight of
//   1 or C elements); residual (N, C, H*r, W*r). Output (N, C, H*r, W*r).
at::Tensor fused_pixel_shuffle(const at::Tensor& input, int64_t upscale_factor,
                               const c10::optional<at::Tensor>& bias, const std::string& activation,
                               const c10::optional<at::Tensor>& prelu_weight, double negative_slope,
                               const c10::optional<at::Tensor>& residual);

}  // namespace srgan_cpp::ops
