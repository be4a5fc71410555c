// MATLAB's imresize contributions() in C++, for LibTorch programs that resize without
// Python (the Python package computes the same taps in NumPy and caches them).
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "data/imresize/imresize.h"

namespace srgan_cpp::data {
namespace {

// Keys' cubic with a = -0.5, written as MATLAB's cubic() evaluates it.
double cubic(double x) {
  const double ax = std::abs(x), ax2 = ax * ax, ax3 = ax2 * ax;
  if (ax <= 1.0) return 1.5 * ax3 - 2.5 * ax2 + 1.0;
  if (ax <= 2.0) return -0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0;
  return 0.0;
}

}  // namespace

std::pair<at::Tensor, at::Tensor> resize_contributions(int64_t in_length, int64_t out_length, double scale,
                                                       bool antialias, bool symmetric) {
  TORCH_CHECK_VALUE(in_length >= 1 && out_length >= 1, "resize_contributions: lengths must be >= 1, got in_length=",
                    in_length, ", out_length=", out_length);
  TORCH_CHECK_VALUE(std::isfinite(scale) && scale > 0, "resize_contributions: `scale` must be positive and finite, got ",
                    scale);
  const bool shrink = scale < 1.0 && antialias;
  const double kernel_width = shrink ? 4.0 / scale : 4.0;
  const int64_t P = static_cast<int64_t>(std::ceil(kernel_width)) + 2;
  std::vector<double> w(static_cast<size_t>(out_length * P));
  std::vector<int64_t> idx(static_cast<size_t>(out_length * P));
  std::vector<bool> keep(static_cast<size_t>(P), false);
  for (int64_t i = 0; i < out_length; ++i) {
    const double u = static_cast<double>(i + 1) / scale + 0.5 * (1.0 - 1.0 / scale);
    const double left = std::floor(u - kernel_width / 2.0);
    double sum = 0.0;
    for (int64_t p = 0; p < P; ++p) {
      const double ind = left + static_cast<double>(p);  // 1-based
      const double d = u - ind;
      const double v = shrink ? scale * cubic(d * scale) : cubic(d);
      w[i * P + p] = v;
      sum += v;
      const int64_t zero_based = static_cast<int64_t>(ind) - 1;
      int64_t src;
      if (symmetric) {  // MATLAB: aux = [1:in, in:-1:1]; aux(mod(ind - 1, 2 in) + 1)
        const int64_t period = 2 * in_length;
        const int64_t m = ((zero_based % period) + period) % period;
        src = m < in_length ? m : period - 1 - m;
      } else {  // older imresize.m: min(max(1, ind), in)
        src = std::min(std::max<int64_t>(zero_based, 0), in_length - 1);
      }
      idx[i * P + p] = src;
    }
    for (int64_t p = 0; p < P; ++p) {
      w[i * P + p] /= sum;
      if (w[i * P + p] != 0.0) keep[p] = true;
    }
  }
  std::vector<int64_t> cols;
  for (int64_t p = 0; p < P; ++p) {
    if (keep[p]) cols.push_back(p);
  }
  const int64_t K = static_cast<int64_t>(cols.size());
  at::Tensor weights = at::empty({out_length, K}, at::TensorOptions().dtype(at::kDouble));
  at::Tensor indices = at::empty({out_length, K}, at::TensorOptions().dtype(at::kLong));
  double* wo = weights.data_ptr<double>();
  int64_t* io = indices.data_ptr<int64_t>();
  for (int64_t i = 0; i < out_length; ++i) {
    for (int64_t c = 0; c < K; ++c) {
      wo[i * K + c] = w[i * P + cols[c]];
      io[i * K + c] = idx[i * P + cols[c]];
    }
  }
  return {weights, indices};
}

at::Tensor imresize_bhwc_scale(const at::Tensor& x, double scale_h, double scale_w, bool antialias, bool symmetric) {
  TORCH_CHECK_VALUE(x.defined() && x.dim() == 4, "imresize_bhwc_scale: expected `x` of rank 4 (B, H, W, C), got ",
                    x.defined() ? x.sizes() : c10::IntArrayRef{});
  TORCH_CHECK_VALUE(std::isfinite(scale_h) && scale_h > 0 && std::isfinite(scale_w) && scale_w > 0,
                    "imresize_bhwc_scale: scales must be positive and finite, got ", scale_h, " and ", scale_w);
  const int64_t H = x.size(1), W = x.size(2);
  const auto out_h = static_cast<int64_t>(std::ceil(scale_h * static_cast<double>(H)));
  const auto out_w = static_cast<int64_t>(std::ceil(scale_w * static_cast<double>(W)));
  c10::optional<at::Tensor> wh, ih, ww, iw;
  if (!(H == out_h && scale_h == 1.0)) {
    auto taps = resize_contributions(H, out_h, scale_h, antialias, symmetric);
    wh = taps.first;
    ih = taps.second;
  }
  if (!(W == out_w && scale_w == 1.0)) {
    auto taps = resize_contributions(W, out_w, scale_w, antialias, symmetric);
    ww = taps.first;
    iw = taps.second;
  }
  return imresize_bhwc(x, wh, ih, ww, iw, scale_h <= scale_w, 0.0);
}

}  // namespace srgan_cpp::data
