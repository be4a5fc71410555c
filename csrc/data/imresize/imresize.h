#pragma once
// MATLAB-compatible bicubic imresize on the CPU: the two separable 1-D passes, each a
// weighted sum of precomputed taps (MATLAB's "contributions"). The taps themselves come
// from the caller (Python computes and caches them: srgan_cpp.data.resize_weights), so
// this file holds only the hot loops; C++ callers can compute them with resize_contributions. Not a dispatcher op: it is non-differentiable,
// CPU-only and called on NumPy arrays and CPU tensors by srgan_cpp.data.imresize.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

#include <utility>

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

// MATLAB's contributions(): the taps of a 1-D bicubic resize from in_length to out_length
// samples at `scale` (a = -0.5 cubic, widened by 1/scale when shrinking with antialias,
// u = x/scale + 0.5 (1 - 1/scale), rows normalised to sum 1, all-zero tap columns dropped).
// Out-of-range taps are mirrored (symmetric = true, current imresize.m) or clamped (false,
// the older imresize.m). Returns {weights (out_length, P) float64, indices (out_length, P)
// int64, 0-based}. Equal to srgan_cpp.data.resize_weights up to float rounding.
std::pair<at::Tensor, at::Tensor> resize_contributions(int64_t in_length, int64_t out_length, double scale,
                                                       bool antialias = true, bool symmetric = true);

// MATLAB imresize(x, [scale_h scale_w]) of a (B, H, W, C) uint8/float32/float64 CPU tensor
// for C++ callers: output size ceil(scale * in), taps from resize_contributions, the
// dimension with the smaller scale first (H on ties), identity passes skipped.
at::Tensor imresize_bhwc_scale(const at::Tensor& x, double scale_h, double scale_w, bool antialias = true,
                               bool symmetric = true);

}  // namespace srgan_cpp::data
