// Hot loops of the MATLAB bicubic resize. Both passes read whole contiguous (W, C) rows:
// the H pass is a weighted sum of P input rows per output row (unit-stride, vectorisable
// axpys over a block of the row that stays in L1), the W pass a P-tap dot per output
// element along the contiguous row, channels innermost. Sums run tap by tap in index order
// in acc_t (float64 for uint8/float64, float32 for float32, like the tensor path's dtype).
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "data/imresize/imresize_kernels.h"

namespace srgan_cpp::data::imresize_detail {
namespace {

template <typename scalar_t>
using acc_type_t = std::conditional_t<std::is_same_v<scalar_t, float>, float, double>;

// Elements of a row accumulated at once by the H pass: the acc block plus P input blocks
// stay in L1/L2.
constexpr int64_t kBlock = 1024;
// Output elements per parallel task (about).
constexpr int64_t kGrainElements = 16384;

// MATLAB's conversion of a double result to an integer image: saturate, then round half
// away from zero (std::round does exactly that; torch.round would round half to even).
template <typename scalar_t, typename acc_t>
inline scalar_t finish(acc_t v, acc_t int_max) {
  if (int_max > acc_t(0)) {
    v = std::round(std::min(std::max(v, acc_t(0)), int_max));
  }
  return static_cast<scalar_t>(v);
}

// The H pass's inner loops, on restrict pointers so the compiler vectorises them.
template <typename scalar_t, typename acc_t>
inline void scale_row(acc_t* __restrict acc, const scalar_t* __restrict src, acc_t w, int64_t n) {
  for (int64_t j = 0; j < n; ++j) acc[j] = w * static_cast<acc_t>(src[j]);
}

template <typename scalar_t, typename acc_t>
inline void add_scaled_row(acc_t* __restrict acc, const scalar_t* __restrict src, acc_t w, int64_t n) {
  for (int64_t j = 0; j < n; ++j) acc[j] += w * static_cast<acc_t>(src[j]);
}

template <typename scalar_t, typename acc_t>
inline void store_row(scalar_t* __restrict dst, const acc_t* __restrict acc, acc_t int_max, int64_t n) {
  if (int_max > acc_t(0)) {
    for (int64_t j = 0; j < n; ++j) dst[j] = finish<scalar_t>(acc[j], int_max);
  } else {
    for (int64_t j = 0; j < n; ++j) dst[j] = static_cast<scalar_t>(acc[j]);
  }
}

template <typename acc_t>
std::vector<acc_t> weights_as(const at::Tensor& weights) {
  const double* w = weights.const_data_ptr<double>();
  return std::vector<acc_t>(w, w + weights.numel());
}

template <typename scalar_t>
void resize_h_kernel(const at::Tensor& x, const at::Tensor& weights, const at::Tensor& indices, double int_max_d,
                     at::Tensor& out) {
  using acc_t = acc_type_t<scalar_t>;
  const int64_t B = x.size(0), W = x.size(2), C = x.size(3), OH = out.size(1), P = weights.size(1);
  const int64_t L = W * C, sB = x.stride(0), sH = x.stride(1);
  const std::vector<acc_t> wv = weights_as<acc_t>(weights);
  const int64_t* idx = indices.const_data_ptr<int64_t>();
  const scalar_t* in = x.const_data_ptr<scalar_t>();
  scalar_t* o = out.data_ptr<scalar_t>();
  const acc_t int_max = static_cast<acc_t>(int_max_d);
  const int64_t grain = std::max<int64_t>(1, kGrainElements / std::max<int64_t>(1, L));
  at::parallel_for(0, B * OH, grain, [&](int64_t begin, int64_t end) {
    std::vector<acc_t> acc(static_cast<size_t>(kBlock));
    for (int64_t row = begin; row < end; ++row) {
      const int64_t b = row / OH, i = row % OH;
      const acc_t* w = wv.data() + i * P;
      const int64_t* id = idx + i * P;
      const scalar_t* base = in + b * sB;
      scalar_t* dst = o + row * L;
      for (int64_t j0 = 0; j0 < L; j0 += kBlock) {
        const int64_t n = std::min(kBlock, L - j0);
        scale_row(acc.data(), base + id[0] * sH + j0, w[0], n);
        for (int64_t k = 1; k < P; ++k) add_scaled_row(acc.data(), base + id[k] * sH + j0, w[k], n);
        store_row(dst + j0, acc.data(), int_max, n);
      }
    }
  });
}

template <typename scalar_t>
void resize_w_kernel(const at::Tensor& x, const at::Tensor& weights, const at::Tensor& indices, double int_max_d,
                     at::Tensor& out) {
  using acc_t = acc_type_t<scalar_t>;
  const int64_t B = x.size(0), H = x.size(1), C = x.size(3), OW = out.size(2), P = weights.size(1);
  const int64_t sB = x.stride(0), sH = x.stride(1);
  const std::vector<acc_t> wv = weights_as<acc_t>(weights);
  // Source offsets in elements (index * C) so the inner loops do no multiplications.
  std::vector<int64_t> off(static_cast<size_t>(OW * P));
  const int64_t* idx = indices.const_data_ptr<int64_t>();
  for (int64_t t = 0; t < OW * P; ++t) off[t] = idx[t] * C;
  const scalar_t* in = x.const_data_ptr<scalar_t>();
  scalar_t* o = out.data_ptr<scalar_t>();
  const acc_t int_max = static_cast<acc_t>(int_max_d);
  const int64_t grain = std::max<int64_t>(1, kGrainElements / std::max<int64_t>(1, OW * C));
  at::parallel_for(0, B * H, grain, [&](int64_t begin, int64_t end) {
    std::vector<acc_t> acc(static_cast<size_t>(C));
    for (int64_t row = begin; row < end; ++row) {
      const int64_t b = row / H, h = row % H;
      const scalar_t* src = in + b * sB + h * sH;
      scalar_t* dst = o + row * OW * C;
      if (C == 1) {  // NCHW planes: one dot product per output pixel
        for (int64_t i = 0; i < OW; ++i) {
          const acc_t* w = wv.data() + i * P;
          const int64_t* of = off.data() + i * P;
          acc_t s = w[0] * static_cast<acc_t>(src[of[0]]);
          for (int64_t k = 1; k < P; ++k) s += w[k] * static_cast<acc_t>(src[of[k]]);
          dst[i] = finish<scalar_t>(s, int_max);
        }
        continue;
      }
      for (int64_t i = 0; i < OW; ++i) {  // HWC / channels_last: channels innermost
        const acc_t* w = wv.data() + i * P;
        const int64_t* of = off.data() + i * P;
        for (int64_t c = 0; c < C; ++c) acc[c] = w[0] * static_cast<acc_t>(src[of[0] + c]);
        for (int64_t k = 1; k < P; ++k) {
          const scalar_t* s = src + of[k];
          const acc_t wk = w[k];
          for (int64_t c = 0; c < C; ++c) acc[c] += wk * static_cast<acc_t>(s[c]);
        }
        for (int64_t c = 0; c < C; ++c) dst[i * C + c] = finish<scalar_t>(acc[c], int_max);
      }
    }
  });
}

}  // namespace

void resize_h_cpu(const at::Tensor& x, const at::Tensor& weights, const at::Tensor& indices, double int_max,
                  at::Tensor& out) {
  AT_DISPATCH_FLOATING_TYPES_AND(at::kByte, x.scalar_type(), "imresize_h", [&] {
    resize_h_kernel<scalar_t>(x, weights, indices, int_max, out);
  });
}

void resize_w_cpu(const at::Tensor& x, const at::Tensor& weights, const at::Tensor& indices, double int_max,
                  at::Tensor& out) {
  AT_DISPATCH_FLOATING_TYPES_AND(at::kByte, x.scalar_type(), "imresize_w", [&] {
    resize_w_kernel<scalar_t>(x, weights, indices, int_max, out);
  });
}

}  // namespace srgan_cpp::data::imresize_detail
