#pragma once
// Public C++ API of the gradient cosine-similarity loss (HetSRWGAN, Algorithm 1). The
// call goes through the PyTorch dispatcher, so autograd and CPU/CUDA selection apply.
#include <ATen/core/Tensor.h>
#include <string>

namespace srgan_cpp::ops {

// loss_n = 1 - <G(hr_n), G(sr_n)> / (max(|G(hr_n)|, eps) * max(|G(sr_n)|, eps)), where G is
// the per-channel image gradient (replicate border) flattened over (C, H, W):
//   op:   "sobel" | "central" | "forward";  mode: "magnitude" (|grad| per pixel) | "components" (x and y maps)
//   reduction: "mean" | "sum" (0-dim result) | "none" ((N,) result).
// sr, hr: (N, C, H, W), H, W >= 2, same shape, dtype and device.
at::Tensor gradient_cosine_loss(const at::Tensor& sr, const at::Tensor& hr, const std::string& op = "sobel",
                                const std::string& mode = "magnitude", const std::string& reduction = "mean",
                                double eps = 1e-8);

}  // namespace srgan_cpp::ops
