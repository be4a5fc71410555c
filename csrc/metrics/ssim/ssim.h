#pragma once
// SSIM of the SR literature (11x11 Gaussian window, 'valid' region) on the CPU, as a
// fused loop: not a dispatcher op, because the metric is non-differentiable and CPU-only
// here (srgan_cpp.metrics.ssim calls it for CPU tensors/NumPy arrays; the differentiable
// SSIMLoss and CUDA tensors use the PyTorch path).
#include <ATen/core/Tensor.h>

namespace srgan_cpp::metrics {

// Mean SSIM per image.
//   x, y: float32 or float64 CPU tensors (N, C, H, W) of one shape, H and W >= window size;
//         any strides (rows along W are read with unit stride when contiguous).
//   window: 1-D float64 window of odd length k (the 2-D window is its outer product).
//   c1, c2: the stabilising constants ((0.01 L)^2, (0.03 L)^2).
// Returns (N,) float64: the SSIM map over the (H - k + 1, W - k + 1) valid region,
// averaged over it and the channels. All sums are float64; the five local moments
// (mu_x, mu_y, E[x^2], E[y^2], E[xy]) are filtered in one sweep, vertically then horizontally.
at::Tensor ssim_per_image(const at::Tensor& x, const at::Tensor& y, const at::Tensor& window, double c1, double c2);

}  // namespace srgan_cpp::metrics
