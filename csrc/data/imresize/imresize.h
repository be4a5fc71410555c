#pragma once
// MATLAB-compatible bicubic imresize on the CPU: the two separable 1-D passes, each a
// weighted sum of precomputed taps (MATLAB's "contributions"). The taps themselves come
// from the caller (Python computes and caches them: srgan_cpp.data.resize_weights), so
// this file holds only the hot loops. Not a dispatcher op: it is non-differentiable,
// CPU-only and called on NumPy arrays and CPU tensors by srgan_cpp.data.imresize.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

namespace srgan_cpp::data {

// Resizes x, viewed as (B, H, W, C), along H and/or W.
//   x: uint8, float32 or float64 CPU tensor of rank 4 (B, H, W, C); any strides for B and
//      H; (W, C) contiguous rows avoid a copy (NCHW planes are (N*C, H, W, 1) views,
//      HWC images and channels_last batches (N, H, W, C) views).
//   weights_h / indices_h: (OH, P) float64 weights and int64 0-based source rows in [0, H)
//      of the H pass, or nullopt to keep H; weights_w / indices_w the same for W.
//   h_first: run the H pass before the W pass (MATLAB resizes the dimension with the
//      smaller scale first).
//   int_max: > 0 rounds half away from zero and clamps to [0, int_max] after each pass,
//      as MATLAB does for integer images (forced to 255 for uint8 input; use 65535 with a
//      float64 copy of a uint16 image); 0 keeps float results.
// Returns a contiguous (B, OH, OW, C) tensor of x's dtype. Sums are accumulated in float64
// for uint8/float64 and in float32 for float32, tap by tap in index order.
at::Tensor imresize_bhwc(const at::Tensor& x, const c10::optional<at::Tensor>& weights_h,
                         const c10::optional<at::Tensor>& indices_h, const c10::optional<at::Tensor>& weights_w,
                         const c10::optional<at::Tensor>& indices_w, bool h_first, double int_max);

}  // namespace srgan_cpp::data
