// CPU kernels of pixel_shuffle, pixel_unshuffle and fused_pixel_shuffle (forward and
// backward). NCHW and strided inputs: every kernel walks its output rows in memory order
// and gathers from the input through its strides, so no input needs an extra copy.
// channels_last inputs: one small transpose per low-resolution pixel
// (pixel_shuffle_transpose.h), then the element-wise work along whole contiguous rows.
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros_like.h>
#include <torch/library.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "common/cpu_isa.h"
#include "common/tensor_checks.h"
#include "ops/pixel_shuffle/pixel_shuffle_epilogue.h"
#include "ops/pixel_shuffle/pixel_shuffle_kernels.h"
#include "ops/pixel_shuffle/pixel_shuffle_transpose.h"

#if defined(__GNUC__) && !defined(__clang__)
#define SRGAN_CPP_IVDEP _Pragma("GCC ivdep")
#elif defined(__clang__)
#define SRGAN_CPP_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#else
#define SRGAN_CPP_IVDEP
#endif

namespace srgan_cpp::pixel_shuffle_detail {
namespace {

// Rows of about this many elements are handed to one task.
constexpr int64_t kGrainElements = 32768;

int64_t grain_for(int64_t row_len) { return std::max<int64_t>(1, kGrainElements / std::max<int64_t>(1, row_len)); }

// Offsets, relative to pixel (n, oh*r, ow*r) of a (N, C, H*r, W*r) tensor with strides
// (sC, sH, sW), of the r*r sub-pixels that make channel k = c*r*r + i*r + j of the
// shuffled-down view: c*sC + i*sH + j*sW. Tabulated once so inner loops do no divisions.
std::vector<int64_t> subpixel_offsets(int64_t channels, int64_t r, int64_t sC, int64_t sH, int64_t sW) {
  std::vector<int64_t> off(static_cast<size_t>(channels));
  const int64_t rr = r * r;
  for (int64_t k = 0; k < channels; ++k) off[k] = (k / rr) * sC + ((k % rr) / r) * sH + (k % r) * sW;
  return off;
}

// Plain data movement: out(n, oc, oh, ow) gathered from x.
template <typename scalar_t>
void shuffle_kernel(const at::Tensor& x, at::Tensor& out, int64_t r, bool upscale) {
  const scalar_t* in = x.const_data_ptr<scalar_t>();
  scalar_t* o = out.data_ptr<scalar_t>();
  const int64_t sN = x.stride(0), sC = x.stride(1), sH = x.stride(2), sW = x.stride(3);
  const int64_t N = out.size(0), OC = out.size(1), OH = out.size(2), OW = out.size(3);
  const int64_t rr = r * r;
  if (!is_channels_last_input(x)) {  // NCHW-contiguous output: one task per output row
    at::parallel_for(0, N * OC * OH, grain_for(OW), [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t oh = row % OH, oc = (row / OH) % OC, n = row / (OH * OC);
        scalar_t* dst = o + row * OW;
        if (upscale) {
          const int64_t ih = oh / r, i = oh % r;
          for (int64_t j = 0; j < r; ++j) {
            const scalar_t* src = in + n * sN + (oc * rr + i * r + j) * sC + ih * sH;
            for (int64_t iw = 0, ow = j; ow < OW; ++iw, ow += r) dst[ow] = src[iw * sW];
          }
        } else {
          const int64_t c = oc / rr, i = (oc % rr) / r, j = oc % r;
          const scalar_t* src = in + n * sN + c * sC + (oh * r + i) * sH + j * sW;
          const int64_t step = r * sW;
          for (int64_t ow = 0; ow < OW; ++ow) dst[ow] = src[ow * step];
        }
      }
    });
  } else if (upscale) {  // channels_last: one task per input row (n, ih), one transpose per pixel
    const int64_t H = x.size(2), W = x.size(3), oH = OW * OC;
    at::parallel_for(0, N * H, grain_for(W * OC * rr), [&](int64_t begin, int64_t end) {
      std::vector<scalar_t*> dst(static_cast<size_t>(rr));
      for (int64_t row = begin; row < end; ++row) {
        const int64_t ih = row % H, n = row / H;
        input_row_to_output_rows<scalar_t, scalar_t>(in + n * sN + ih * sH, sW, W, nullptr, OC, r,
                                                     o + (n * OH + ih * r) * oH, oH, dst.data());
      }
    });
  } else {  // channels_last unshuffle: one task per output row (n, oh), one transpose per pixel
    const int64_t C = x.size(1);
    at::parallel_for(0, N * OH, grain_for(OW * OC), [&](int64_t begin, int64_t end) {
      std::vector<const scalar_t*> src(static_cast<size_t>(rr));
      for (int64_t row = begin; row < end; ++row) {
        const int64_t oh = row % OH, n = row / OH;
        for (int64_t s = 0; s < rr; ++s) src[s] = in + n * sN + (oh * r + s / r) * sH + (s % r) * sW;
        scalar_t* dst = o + row * OW * OC;
        for (int64_t ow = 0; ow < OW; ++ow) subpixels_to_pixel<scalar_t>(src.data(), ow * r * sW, C, rr, dst + ow * OC);
      }
    });
  }
}

// y = round(act(z)) over a contiguous run of outputs already holding z (rounded to
// scalar_t), then + residual. The loops are kept simple (restrict pointers, one slope or
// a unit-stride slope array, selects instead of branches) so the compiler vectorises them:
// with random signs a branch per element would mispredict half the time.
template <Act A, typename scalar_t, typename acc_t, typename Slope>
inline void epilogue_loop(scalar_t* __restrict__ dst, int64_t n, Slope slope_of, const scalar_t* __restrict__ res,
                          int64_t res_step) {
  if (res == nullptr) {
    for (int64_t k = 0; k < n; ++k)
      dst[k] = static_cast<scalar_t>(activate<A, acc_t>(static_cast<acc_t>(dst[k]), slope_of(k)));
  } else if (res_step == 1) {
    for (int64_t k = 0; k < n; ++k) {
      const acc_t y = static_cast<acc_t>(static_cast<scalar_t>(activate<A, acc_t>(static_cast<acc_t>(dst[k]), slope_of(k))));
      dst[k] = static_cast<scalar_t>(y + static_cast<acc_t>(res[k]));
    }
  } else {
    for (int64_t k = 0; k < n; ++k) {
      const acc_t y = static_cast<acc_t>(static_cast<scalar_t>(activate<A, acc_t>(static_cast<acc_t>(dst[k]), slope_of(k))));
      dst[k] = static_cast<scalar_t>(y + static_cast<acc_t>(res[k * res_step]));
    }
  }
}

// `w` holds the negative-side slope of each element's channel, w_step 0 (one slope for the
// run) or 1 (one per element).
template <Act A, typename scalar_t, typename acc_t>
inline void epilogue_run(scalar_t* dst, int64_t n, const acc_t* w, int64_t w_step, const scalar_t* res,
                         int64_t res_step) {
  if constexpr (A == Act::None) {
    if (res == nullptr) return;
  }
  if (w_step == 0) {
    const acc_t w0 = w[0];
    epilogue_loop<A, scalar_t, acc_t>(dst, n, [w0](int64_t) { return w0; }, res, res_step);
  } else {
    const acc_t* __restrict__ wv = w;
    epilogue_loop<A, scalar_t, acc_t>(dst, n, [wv](int64_t k) { return wv[k]; }, res, res_step);
  }
}

// Negative-side slope of each output channel: PReLU's (shared or per channel) weight or
// LeakyReLU's constant.
template <typename acc_t, typename scalar_t>
std::vector<acc_t> channel_slopes(int64_t channels, const scalar_t* prelu_w, bool per_channel_w, double slope) {
  std::vector<acc_t> s(static_cast<size_t>(std::max<int64_t>(channels, 1)), static_cast<acc_t>(slope));
  if (prelu_w != nullptr) {
    for (int64_t c = 0; c < channels; ++c) s[c] = static_cast<acc_t>(prelu_w[per_channel_w ? c : 0]);
  }
  return s;
}

// Each output run is first filled with z = x (+ bias, rounded to scalar_t like eager's add),
// a pure gather; the activation and residual then run over the contiguous run in cache.
template <typename scalar_t, Act A>
void fused_forward_kernel(const at::Tensor& x, at::Tensor& out, int64_t r, const at::Tensor& bias,
                          const at::Tensor& weight, double slope, const at::Tensor& res) {
  using acc_t = at::opmath_type<scalar_t>;
  const scalar_t* in = x.const_data_ptr<scalar_t>();
  scalar_t* o = out.data_ptr<scalar_t>();
  const scalar_t* b = bias.defined() ? bias.const_data_ptr<scalar_t>() : nullptr;
  const scalar_t* rs = res.defined() ? res.const_data_ptr<scalar_t>() : nullptr;
  const int64_t rN = rs ? res.stride(0) : 0, rC = rs ? res.stride(1) : 0, rH = rs ? res.stride(2) : 0,
                rW = rs ? res.stride(3) : 0;
  const int64_t sN = x.stride(0), sC = x.stride(1), sH = x.stride(2), sW = x.stride(3);
  const int64_t N = out.size(0), C = out.size(1), OH = out.size(2), OW = out.size(3);
  const int64_t rr = r * r;
  const std::vector<acc_t> slopes = channel_slopes<acc_t>(
      C, weight.defined() ? weight.const_data_ptr<scalar_t>() : nullptr, weight.defined() && weight.numel() > 1, slope);

  if (!is_channels_last_input(x)) {
    at::parallel_for(0, N * C * OH, grain_for(OW), [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t oh = row % OH, c = (row / OH) % C, n = row / (OH * C);
        const int64_t ih = oh / r, i = oh % r;
        scalar_t* dst = o + row * OW;
        for (int64_t j = 0; j < r; ++j) {
          const int64_t ic = c * rr + i * r + j;
          const scalar_t* src = in + n * sN + ic * sC + ih * sH;
          if (b) {
            const acc_t bj = static_cast<acc_t>(b[ic]);
            for (int64_t iw = 0, ow = j; ow < OW; ++iw, ow += r)
              dst[ow] = static_cast<scalar_t>(static_cast<acc_t>(src[iw * sW]) + bj);
          } else {
            for (int64_t iw = 0, ow = j; ow < OW; ++iw, ow += r) dst[ow] = src[iw * sW];
          }
        }
        epilogue_run<A, scalar_t, acc_t>(dst, OW, &slopes[c], 0, rs ? rs + n * rN + c * rC + oh * rH : nullptr, rW);
      }
    });
  } else {
    // One task per input row (n, ih): its pixels are transposed into the r output rows
    // (z, with the bias), then the epilogue runs over each whole output row. A row
    // interleaves the C channels, so per-channel slopes come from a slope row repeating
    // them; the residual is walked along the row when it is channels_last too (else per pixel).
    const int64_t H = x.size(2), W = x.size(3), row_len = OW * C;
    const bool per_channel = slopes.size() > 1;
    std::vector<acc_t> slope_row(per_channel ? static_cast<size_t>(row_len) : 1, slopes[0]);
    if (per_channel) {
      for (int64_t k = 0; k < row_len; ++k) slope_row[k] = slopes[k % C];
    }
    const bool res_rows = rs != nullptr && res.is_contiguous(at::MemoryFormat::ChannelsLast) && (C == 1 || rC == 1) &&
                          (OW == 1 || rW == C);
    at::parallel_for(0, N * H, grain_for(W * C * rr), [&](int64_t begin, int64_t end) {
      std::vector<scalar_t*> dst(static_cast<size_t>(rr));
      for (int64_t row = begin; row < end; ++row) {
        const int64_t ih = row % H, n = row / H;
        input_row_to_output_rows<scalar_t, acc_t>(in + n * sN + ih * sH, sW, W, b, C, r,
                                                  o + (n * OH + ih * r) * row_len, row_len, dst.data());
        for (int64_t i = 0; i < r; ++i) {
          const int64_t oh = ih * r + i;
          scalar_t* orow = o + (n * OH + oh) * row_len;
          if (rs == nullptr || res_rows) {
            epilogue_run<A, scalar_t, acc_t>(orow, row_len, slope_row.data(), per_channel ? 1 : 0,
                                             rs ? rs + n * rN + oh * rH : nullptr, 1);
          } else {
            for (int64_t ow = 0; ow < OW; ++ow)
              epilogue_run<A, scalar_t, acc_t>(orow + ow * C, C, slopes.data(), per_channel ? 1 : 0,
                                               rs + n * rN + oh * rH + ow * rW, rC);
          }
        }
      }
    });
  }
}

// One channels_last input row of the fused backward, over grad_out already transposed into
// gr: gr = act'(z) * gr in place, z = x (+ bias, rounded like the forward); bsum/wsum[ic]
// accumulate (in double) the bias and PReLU-weight contributions of channel ic. Flags are
// compile-time so the channel loop is branch-free and vectorises.
template <Act A, bool kBias, bool kW, typename scalar_t, typename acc_t>
SRGAN_CPP_ALWAYS_INLINE void backward_row(const scalar_t* __restrict__ xr, scalar_t* __restrict__ gr, int64_t W,
                                          int64_t CIN, const acc_t* __restrict__ bv, const acc_t* __restrict__ sl,
                                          double* __restrict__ bsum, double* __restrict__ wsum) {
  for (int64_t iw = 0; iw < W; ++iw) {
    const scalar_t* __restrict__ xp = xr + iw * CIN;
    scalar_t* __restrict__ gp = gr + iw * CIN;
    // Six streams exceed GCC's budget of run-time alias checks once inlining has dropped the
    // restrict qualifiers; the arrays are distinct, so the checks are waived explicitly.
    SRGAN_CPP_IVDEP
    for (int64_t ic = 0; ic < CIN; ++ic) {
      const acc_t z = kBias ? static_cast<acc_t>(static_cast<scalar_t>(static_cast<acc_t>(xp[ic]) + bv[ic]))
                            : static_cast<acc_t>(xp[ic]);
      const acc_t ga = static_cast<acc_t>(gp[ic]);
      const scalar_t gz = static_cast<scalar_t>(activate_backward<A, acc_t>(z, ga, sl[ic]));
      gp[ic] = gz;
      if constexpr (kBias) bsum[ic] += static_cast<double>(gz);
      if constexpr (kW) wsum[ic] += z > acc_t(0) ? 0.0 : static_cast<double>(ga * z);
    }
  }
}

// Fused backward for channels_last input and grad_out: one task per input row (n, ih).
// grad_out's r rows are transposed pixel by pixel into grad_input's row (exact copies), then
// backward_row runs over it. Bias/weight sums are kept per row and reduced over rows in
// a fixed order, so they do not depend on the thread count.
template <typename scalar_t, Act A>
void fused_backward_channels_last(const at::Tensor& go, const at::Tensor& x, at::Tensor& gx, int64_t r,
                                  const scalar_t* b, const std::vector<at::opmath_type<scalar_t>>& slopes,
                                  bool per_channel_w, bool want_w, at::Tensor& gbias, at::Tensor& gweight) {
  using acc_t = at::opmath_type<scalar_t>;
  const scalar_t* in = x.const_data_ptr<scalar_t>();
  const scalar_t* g = go.const_data_ptr<scalar_t>();
  scalar_t* gi = gx.data_ptr<scalar_t>();
  const int64_t sN = x.stride(0), sH = x.stride(2);
  const int64_t gN = go.stride(0), gH = go.stride(2), gW = go.stride(3);
  const int64_t N = x.size(0), CIN = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t rr = r * r, C = CIN / rr, rows = N * H;
  const int64_t CW = want_w ? (per_channel_w ? C : 1) : 0;
  std::vector<acc_t> bv(static_cast<size_t>(CIN), acc_t(0)), sl(static_cast<size_t>(CIN));
  for (int64_t ic = 0; ic < CIN; ++ic) {
    if (b != nullptr) bv[ic] = static_cast<acc_t>(b[ic]);
    sl[ic] = slopes[ic / rr];
  }
  std::vector<double> row_b(b != nullptr ? static_cast<size_t>(rows * CIN) : 0);
  std::vector<double> row_w(static_cast<size_t>(rows * CW));

  at::parallel_for(0, rows, grain_for(W * CIN), [&](int64_t begin, int64_t end) {
    std::vector<const scalar_t*> src(static_cast<size_t>(rr));
    std::vector<double> bsum(static_cast<size_t>(CIN)), wsum(static_cast<size_t>(CIN));
    auto run = [&](auto has_bias, auto has_w) SRGAN_CPP_INLINE_LAMBDA {
      constexpr bool kBias = decltype(has_bias)::value, kW = decltype(has_w)::value;
      for (int64_t row = begin; row < end; ++row) {
        const int64_t ih = row % H, n = row / H;
        for (int64_t s = 0; s < rr; ++s) src[s] = g + n * gN + (ih * r + s / r) * gH + (s % r) * gW;
        scalar_t* grow = gi + row * W * CIN;
        for (int64_t iw = 0; iw < W; ++iw) subpixels_to_pixel<scalar_t>(src.data(), iw * r * gW, C, rr, grow + iw * CIN);
        if constexpr (A == Act::None && !kBias) continue;  // grad_input is the transposed grad_out
        std::fill(bsum.begin(), bsum.end(), 0.0);
        std::fill(wsum.begin(), wsum.end(), 0.0);
        backward_row<A, kBias, kW>(in + n * sN + ih * sH, grow, W, CIN, bv.data(), sl.data(), bsum.data(),
                                   wsum.data());
        if constexpr (kBias) std::copy(bsum.begin(), bsum.end(), row_b.begin() + row * CIN);
        if constexpr (kW) {
          for (int64_t ic = 0; ic < CIN; ++ic) row_w[row * CW + (per_channel_w ? ic / rr : 0)] += wsum[ic];
        }
      }
    };
    call_best_isa<std::is_same_v<scalar_t, float>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      if (b != nullptr && want_w) {
        run(std::true_type{}, std::true_type{});
      } else if (b != nullptr) {
        run(std::true_type{}, std::false_type{});
      } else if (want_w) {
        run(std::false_type{}, std::true_type{});
      } else {
        run(std::false_type{}, std::false_type{});
      }
    });
  });
  if (b != nullptr) {
    scalar_t* gb = gbias.data_ptr<scalar_t>();
    for (int64_t ic = 0; ic < CIN; ++ic) {
      double t = 0;
      for (int64_t row = 0; row < rows; ++row) t += row_b[row * CIN + ic];
      gb[ic] = static_cast<scalar_t>(t);
    }
  }
  if (want_w) {
    scalar_t* gw = gweight.data_ptr<scalar_t>();
    for (int64_t c = 0; c < CW; ++c) {
      double t = 0;
      for (int64_t row = 0; row < rows; ++row) t += row_w[row * CW + c];
      gw[c] = static_cast<scalar_t>(t);
    }
  }
}

// grad_input(n, ic, ih, iw) = act'(z) * grad_out at the shuffled position. grad_bias and
// grad_weight are sums over millions of elements: they accumulate in double, whatever
// scalar_t is, in partial sums whose extent does not depend on the thread count (one per
// input plane (n, ic) for NCHW, one per (n, ih, ic) for the mixed-layout case), reduced in
// a fixed order - so the sums do not depend on how the work was split among threads.
template <typename scalar_t, Act A>
void fused_backward_kernel(const at::Tensor& go, const at::Tensor& x, at::Tensor& gx, int64_t r,
                           const at::Tensor& bias, const at::Tensor& weight, double slope, at::Tensor& gbias,
                           at::Tensor& gweight) {
  using acc_t = at::opmath_type<scalar_t>;
  const scalar_t* in = x.const_data_ptr<scalar_t>();
  const scalar_t* g = go.const_data_ptr<scalar_t>();
  scalar_t* gi = gx.data_ptr<scalar_t>();
  const scalar_t* b = bias.defined() ? bias.const_data_ptr<scalar_t>() : nullptr;
  const bool per_channel_w = weight.defined() && weight.numel() > 1;
  const int64_t sN = x.stride(0), sC = x.stride(1), sH = x.stride(2), sW = x.stride(3);
  const int64_t gN = go.stride(0), gC = go.stride(1), gH = go.stride(2), gW = go.stride(3);
  const int64_t N = x.size(0), CIN = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t rr = r * r, C = CIN / rr;
  const bool want_bias = b != nullptr, want_w = A == Act::PReLU && weight.defined();
  const int64_t CW = want_w ? (per_channel_w ? C : 1) : 0;
  const std::vector<acc_t> slopes = channel_slopes<acc_t>(
      C, weight.defined() ? weight.const_data_ptr<scalar_t>() : nullptr, per_channel_w, slope);
  if (is_channels_last_input(x) && go.is_contiguous(at::MemoryFormat::ChannelsLast)) {
    fused_backward_channels_last<scalar_t, A>(go, x, gx, r, b, slopes, per_channel_w, want_w, gbias, gweight);
    return;
  }

  // part_b / part_w: partial sums; `inner` of them belong to each (n, ic) pair:
  // part[(n * inner + k) * CIN + ic] (NCHW: inner = 1; mixed layout: inner = H, k = ih).
  const bool nchw = !is_channels_last_input(x);
  const int64_t inner = nchw ? 1 : H;
  const size_t nparts = static_cast<size_t>(N * inner * CIN);
  std::vector<double> part_b(want_bias ? nparts : 0, 0.0);
  std::vector<double> part_w(want_w ? nparts : 0, 0.0);

  // One element: z rounded like the forward; returns grad_input, accumulates the sums.
  auto element = [&](scalar_t xv, scalar_t gv, acc_t bv, acc_t w, double& bsum, double& wsum) -> scalar_t {
    const acc_t z = b ? static_cast<acc_t>(static_cast<scalar_t>(static_cast<acc_t>(xv) + bv)) : static_cast<acc_t>(xv);
    const acc_t ga = static_cast<acc_t>(gv);
    const scalar_t gz = static_cast<scalar_t>(activate_backward<A, acc_t>(z, ga, w));
    bsum += static_cast<double>(gz);
    if constexpr (A == Act::PReLU) wsum += z > acc_t(0) ? 0.0 : static_cast<double>(ga * z);
    return gz;
  };

  if (nchw) {  // one task per input plane (n, ic), row by row
    at::parallel_for(0, N * CIN, grain_for(H * W), [&](int64_t begin, int64_t end) {
      for (int64_t plane = begin; plane < end; ++plane) {
        const int64_t ic = plane % CIN, n = plane / CIN;
        const int64_t c = ic / rr, i = (ic % rr) / r, j = ic % r;
        const acc_t w = slopes[c];
        const acc_t bv = b ? static_cast<acc_t>(b[ic]) : acc_t(0);
        const int64_t gstep = r * gW;
        double bsum = 0, wsum = 0;
        for (int64_t ih = 0; ih < H; ++ih) {
          const scalar_t* src = in + n * sN + ic * sC + ih * sH;
          const scalar_t* grow = g + n * gN + c * gC + (ih * r + i) * gH + j * gW;
          scalar_t* dst = gi + (plane * H + ih) * W;
          for (int64_t iw = 0; iw < W; ++iw) dst[iw] = element(src[iw * sW], grow[iw * gstep], bv, w, bsum, wsum);
        }
        if (want_bias) part_b[plane] = bsum;
        if (want_w) part_w[plane] = wsum;
      }
    });
  } else {  // channels_last x, NCHW grad_output: one task per (n, ih) row of pixels
    const std::vector<int64_t> goff = subpixel_offsets(CIN, r, gC, gH, gW);
    std::vector<int64_t> chan(static_cast<size_t>(CIN));  // post-shuffle channel of each input channel
    for (int64_t ic = 0; ic < CIN; ++ic) chan[ic] = ic / rr;
    at::parallel_for(0, N * H, grain_for(W * CIN), [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t ih = row % H, n = row / H;
        scalar_t* dst = gi + row * W * CIN;
        for (int64_t iw = 0; iw < W; ++iw, dst += CIN) {
          const scalar_t* src = in + n * sN + ih * sH + iw * sW;
          const scalar_t* gpix = g + n * gN + ih * r * gH + iw * r * gW;
          for (int64_t ic = 0; ic < CIN; ++ic) {
            const int64_t c = chan[ic];
            const size_t at = static_cast<size_t>(row * CIN + ic);  // row = n * H + ih: owned by this task
            double bsum = 0, wsum = 0;
            dst[ic] = element(src[ic * sC], gpix[goff[ic]], b ? static_cast<acc_t>(b[ic]) : acc_t(0), slopes[c], bsum,
                              wsum);
            if (want_bias) part_b[at] += bsum;
            if (want_w) part_w[at] += wsum;
          }
        }
      }
    });
  }
  // Fixed-order reductions of the partial sums: over (n, k) for each ic, then into channels.
  std::vector<double> per_ic_b(want_bias ? CIN : 0, 0.0), per_ic_w(want_w ? CIN : 0, 0.0);
  for (int64_t nk = 0; nk < N * inner; ++nk)
    for (int64_t ic = 0; ic < CIN; ++ic) {
      if (want_bias) per_ic_b[ic] += part_b[nk * CIN + ic];
      if (want_w) per_ic_w[ic] += part_w[nk * CIN + ic];
    }
  if (want_bias) {
    scalar_t* gb = gbias.data_ptr<scalar_t>();
    for (int64_t ic = 0; ic < CIN; ++ic) gb[ic] = static_cast<scalar_t>(per_ic_b[ic]);
  }
  if (want_w) {
    std::vector<double> wsum(static_cast<size_t>(CW), 0.0);
    for (int64_t ic = 0; ic < CIN; ++ic) wsum[per_channel_w ? ic / rr : 0] += per_ic_w[ic];
    scalar_t* gw = gweight.data_ptr<scalar_t>();
    for (int64_t c = 0; c < CW; ++c) gw[c] = static_cast<scalar_t>(wsum[c]);
  }
}

}  // namespace

at::Tensor shuffle_cpu(const at::Tensor& x, int64_t r, bool upscale) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  auto out = upscale ? empty_like_layout(x, {N, C / (r * r), H * r, W * r})
                     : empty_like_layout(x, {N, C * r * r, H / r, W / r});
  if (out.numel() == 0) return out;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "srgan_cpp_shuffle_cpu",
                                  [&] { shuffle_kernel<scalar_t>(x, out, r, upscale); });
  return out;
}

at::Tensor fused_forward_cpu(const at::Tensor& x, int64_t r, const at::Tensor& bias, Act act,
                             const at::Tensor& weight, double slope, const at::Tensor& residual) {
  auto out = empty_like_layout(x, {x.size(0), x.size(1) / (r * r), x.size(2) * r, x.size(3) * r});
  if (out.numel() == 0) return out;
  const at::Tensor b = bias.defined() ? bias.contiguous() : bias;
  const at::Tensor w = weight.defined() ? weight.contiguous() : weight;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "srgan_cpp_fused_shuffle_cpu", [&] {
    dispatch_act(act, [&](auto a) { fused_forward_kernel<scalar_t, decltype(a)::value>(x, out, r, b, w, slope, residual); });
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> fused_backward_cpu(const at::Tensor& grad_out, const at::Tensor& x,
                                                                  int64_t r, const at::Tensor& bias, Act act,
                                                                  const at::Tensor& weight, double slope) {
  auto gx = empty_like_layout(x, x.sizes());
  auto gb = bias.defined() ? at::zeros_like(bias, at::MemoryFormat::Contiguous) : at::empty({0}, x.options());
  auto gw = weight.defined() ? at::zeros_like(weight, at::MemoryFormat::Contiguous) : at::empty({0}, x.options());
  if (x.numel() == 0) return {gx, gb, gw};
  const at::Tensor b = bias.defined() ? bias.contiguous() : bias;
  const at::Tensor w = weight.defined() ? weight.contiguous() : weight;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "srgan_cpp_fused_shuffle_bwd_cpu", [&] {
    dispatch_act(act, [&](auto a) {
      fused_backward_kernel<scalar_t, decltype(a)::value>(grad_out, x, gx, r, b, w, slope, gb, gw);
    });
  });
  return {gx, gb, gw};
}

}  // namespace srgan_cpp::pixel_shuffle_detail
