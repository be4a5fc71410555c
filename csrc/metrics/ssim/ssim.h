#pragma once
// SSIM of the SR literature (Gaussian window, 'valid' region) on the CPU, as one fused loop:
// not a dispatcher op, because the metric is non-differentiable and CPU-only here
// (srgan_cpp.metrics.ssim calls it for NumPy arrays and CPU tensors; the differentiable
// SSIMLoss and CUDA tensors use the PyTorch path).
#include <ATen/core/Tensor.h>

namespace srgan_cpp::metrics {

// How the input channels become the compared planes.
enum class SSIMColor : int64_t {
  kAll = 0,       // every channel is a plane
  kY = 1,         // 3 channels (RGB) -> BT.601 luma 16 + (65.481 R + 128.553 G + 24.966 B) / 255
  kYRounded = 2,  // the same, rounded half away from zero and clamped to [0, 255] (MATLAB uint8)
};

// Mean SSIM per image.
//   x, y: uint8, float32 or float64 CPU tensors (N, C, H, W) of one shape and dtype, any
//         strides (views of HWC NumPy images and border crops need no copy), H and W >= k.
//   window: 1-D float64 window of odd length k (the 2-D window is its outer product).
//   c1, c2: the stabilising constants ((0.01 L)^2, (0.03 L)^2).
//   value_scale: each sample is read as double(v) * value_scale (255 / data_range puts
//         images on the [0, 255] scale the Y formula and constants assume).
//   color: see SSIMColor (kY / kYRounded need C == 3; the RGB values are the scaled ones).
// Returns (N,) float64: the SSIM map over the (H - k + 1, W - k + 1) valid region, averaged
// over it and the planes. Every sum is float64; the five local moments (mu_x, mu_y, E[x^2],
// E[y^2], E[xy]) are filtered in one sweep, vertically over a ring of k converted rows, then
// horizontally. The result does not depend on the thread count.
at::Tensor ssim_per_image(const at::Tensor& x, const at::Tensor& y, const at::Tensor& window, double c1, double c2,
                          double value_scale = 1.0, int64_t color = 0);

}  // namespace srgan_cpp::metrics
