#pragma once
// Row kernels of the CPU gradient cosine loss (internal to gradient_cosine_cpu.cpp).
//
// An image is seen as planes of H rows of L contiguous elements whose horizontal
// neighbours are `d` elements apart: one NCHW channel plane (L = W, d = 1) or a whole
// channels_last image (L = W * C, d = C: a pixel's channels are interleaved and never
// mix, and the per-sample sums run over all channels anyway). Each row is processed in
// three segments - the left border column [0, d), the interior [d, L - d) and the right
// border column [L - d, L) - each with fixed neighbour offsets (the replicate border is an
// offset of 0), so the loops have no branches and the compiler vectorises them (sqrt
// included: the file is built with -fno-math-errno; selects: -fno-trapping-math).
//
// The arithmetic per pixel is the one of gradient_cosine_math.h (the CUDA kernel's), in the
// same order.
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "common/cpu_isa.h"
#include "ops/gradient_cosine/gradient_cosine_kernels.h"

namespace srgan_cpp::gradient_cosine_detail::cpu_rows {

// Independent accumulators per sum: lets the reduction loop vectorise without
// reassociating float additions (-ffast-math), so results stay reproducible.
constexpr int kLanes = 16;

// Three rows of one image as acc_t: above (clamped), at, below (clamped).
template <typename acc_t>
struct Rows {
  const acc_t* r0;
  const acc_t* r1;
  const acc_t* r2;
};

// Calls f(begin, end, dl, dr) for the three column segments of a row: element k's left
// neighbour is k - dl, its right neighbour k + dr.
template <typename F>
SRGAN_CPP_ALWAYS_INLINE void for_segments(int64_t L, int64_t d, const F& f) {
  f(int64_t(0), d, int64_t(0), d);
  f(d, L - d, d, d);
  f(L - d, L, d, int64_t(0));
}

// Image gradient at element k (gradient_cosine_math.h's image_gradient on a row triple).
template <GradOp O, typename acc_t>
SRGAN_CPP_ALWAYS_INLINE void gradient_at(const Rows<acc_t>& x, int64_t k, int64_t dl, int64_t dr, acc_t& gx, acc_t& gy) {
  const int64_t kl = k - dl, kr = k + dr;
  if constexpr (O == GradOp::Sobel) {
    gx = (x.r0[kr] - x.r0[kl]) + acc_t(2) * (x.r1[kr] - x.r1[kl]) + (x.r2[kr] - x.r2[kl]);
    gy = (x.r2[kl] + acc_t(2) * x.r2[k] + x.r2[kr]) - (x.r0[kl] + acc_t(2) * x.r0[k] + x.r0[kr]);
  } else if constexpr (O == GradOp::Central) {
    gx = acc_t(0.5) * (x.r1[kr] - x.r1[kl]);
    gy = acc_t(0.5) * (x.r2[k] - x.r0[k]);
  } else {
    const acc_t c = x.r1[k];
    gx = x.r1[kr] - c;
    gy = x.r2[k] - c;
  }
}

// The row's contribution to the three per-sample sums (X.Y, X.X, Y.Y; X from hr, Y from
// sr), in double. Lanes are added in a fixed order: the result depends only on the row.
template <GradOp O, GradMode M, typename acc_t>
SRGAN_CPP_ALWAYS_INLINE void row_sums(const Rows<acc_t>& s, const Rows<acc_t>& h, int64_t L, int64_t d, double out[3]) {
  acc_t xy[kLanes] = {}, xx[kLanes] = {}, yy[kLanes] = {};
  auto pixel = [&](int64_t k, int64_t dl, int64_t dr, int l) SRGAN_CPP_INLINE_LAMBDA {
    acc_t gxs, gys, gxh, gyh;
    gradient_at<O>(s, k, dl, dr, gxs, gys);
    gradient_at<O>(h, k, dl, dr, gxh, gyh);
    const acc_t ns = gxs * gxs + gys * gys, nh = gxh * gxh + gyh * gyh;
    if constexpr (M == GradMode::Components) xy[l] += gxh * gxs + gyh * gys;
    else xy[l] += std::sqrt(nh * ns);  // |grad hr| * |grad sr| with one sqrt
    xx[l] += nh;
    yy[l] += ns;
  };
  for_segments(L, d, [&](int64_t b, int64_t e, int64_t dl, int64_t dr) SRGAN_CPP_INLINE_LAMBDA {
    int64_t k = b;
    for (; k + kLanes <= e; k += kLanes)
      for (int l = 0; l < kLanes; ++l) pixel(k + l, dl, dr, l);
    for (int l = 0; k < e; ++k, ++l) pixel(k, dl, dr, l);
  });
  double sxy = 0, sxx = 0, syy = 0;
  for (int l = 0; l < kLanes; ++l) {
    sxy += xy[l];
    sxx += xx[l];
    syy += yy[l];
  }
  out[0] = sxy;
  out[1] = sxx;
  out[2] = syy;
}

// The adjoint U of one row: gradient of the loss w.r.t. every element's (gx, gy), for sr
// (uxs, uys; written when kS) and hr (uxh, uyh; when kH). ka = -g*alpha, kbs = -g*beta,
// kbh = -g*gamma (gradient_cosine_math.h's pixel_adjoint). Magnitude mode: the factor
// ka * |grad hr| / |grad sr| is ka * sqrt(nh * ns) / ns - one sqrt per pixel, the forward's;
// a pixel of zero magnitude gets the zero sub-gradient.
template <GradOp O, GradMode M, bool kS, bool kH, typename acc_t>
SRGAN_CPP_ALWAYS_INLINE void row_adjoint(const Rows<acc_t>& s, const Rows<acc_t>& h, int64_t L, int64_t d, acc_t ka, acc_t kbs,
                        acc_t kbh, acc_t* __restrict uxs, acc_t* __restrict uys, acc_t* __restrict uxh,
                        acc_t* __restrict uyh) {
  for_segments(L, d, [&](int64_t b, int64_t e, int64_t dl, int64_t dr) SRGAN_CPP_INLINE_LAMBDA {
    for (int64_t k = b; k < e; ++k) {
      acc_t gxs, gys, gxh, gyh;
      gradient_at<O>(s, k, dl, dr, gxs, gys);
      gradient_at<O>(h, k, dl, dr, gxh, gyh);
      if constexpr (M == GradMode::Components) {
        if constexpr (kS) {
          uxs[k] = ka * gxh + kbs * gxs;
          uys[k] = ka * gyh + kbs * gys;
        }
        if constexpr (kH) {
          uxh[k] = ka * gxs + kbh * gxh;
          uyh[k] = ka * gys + kbh * gyh;
        }
      } else {
        const acc_t ns = gxs * gxs + gys * gys, nh = gxh * gxh + gyh * gyh;
        const acc_t q = ka * std::sqrt(nh * ns);
        if constexpr (kS) {
          // The division by a zero ns is discarded by the select (no trap: -fno-trapping-math).
          const acc_t fs = ns > acc_t(0) ? q / ns + kbs : acc_t(0);
          uxs[k] = fs * gxs;
          uys[k] = fs * gys;
        }
        if constexpr (kH) {
          const acc_t fh = nh > acc_t(0) ? q / nh + kbh : acc_t(0);
          uxh[k] = fh * gxh;
          uyh[k] = fh * gyh;
        }
      }
    }
  });
}

// Transposed taps of one row class: t[cls_w][di][dj] (TransposedTaps fixed to a row class).
template <typename acc_t>
struct RowTaps {
  acc_t x[3][3][3];
  acc_t y[3][3][3];
};

// Gradient of one image row from the U rows above, at and below it (each padded with d
// zeros on both sides, rows outside the image all zeros): the transposed, border-folded
// stencil. out[k] for all k in [0, L).
template <typename acc_t, typename scalar_t>
SRGAN_CPP_ALWAYS_INLINE void row_emit(const acc_t* const ux[3], const acc_t* const uy[3], const RowTaps<acc_t>& taps, int64_t L,
                     int64_t d, scalar_t* __restrict out) {
  const acc_t *x0 = ux[0], *x1 = ux[1], *x2 = ux[2], *y0 = uy[0], *y1 = uy[1], *y2 = uy[2];
  int cls = 0;
  for_segments(L, d, [&](int64_t b, int64_t e, int64_t, int64_t) SRGAN_CPP_INLINE_LAMBDA {
    // Local copies: the compiler keeps the 18 taps in registers (they cannot alias `out`).
    acc_t a[3][3], c[3][3];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        a[i][j] = taps.x[cls][i][j];
        c[i][j] = taps.y[cls][i][j];
      }
    ++cls;
    for (int64_t k = b; k < e; ++k) {
      const int64_t km = k - d, kp = k + d;
      const acc_t v = a[0][0] * x0[km] + a[0][1] * x0[k] + a[0][2] * x0[kp] + a[1][0] * x1[km] + a[1][1] * x1[k] +
                      a[1][2] * x1[kp] + a[2][0] * x2[km] + a[2][1] * x2[k] + a[2][2] * x2[kp] +
                      c[0][0] * y0[km] + c[0][1] * y0[k] + c[0][2] * y0[kp] + c[1][0] * y1[km] + c[1][1] * y1[k] +
                      c[1][2] * y1[kp] + c[2][0] * y2[km] + c[2][1] * y2[k] + c[2][2] * y2[kp];
      out[k] = static_cast<scalar_t>(v);
    }
  });
}

// Rows of scalar_t as acc_t: the row itself when the types agree, else a converted copy
// in one of `slots` per-thread buffers.
template <typename scalar_t, typename acc_t>
class RowReader {
 public:
  RowReader(int64_t L, int slots) : L_(L) {
    if constexpr (!std::is_same_v<scalar_t, acc_t>) buf_.resize(static_cast<size_t>(L * slots));
  }
  SRGAN_CPP_ALWAYS_INLINE const acc_t* get(const scalar_t* row, int slot) {
    if constexpr (std::is_same_v<scalar_t, acc_t>) {
      return row;
    } else {
      acc_t* dst = buf_.data() + slot * L_;
      for (int64_t k = 0; k < L_; ++k) dst[k] = static_cast<acc_t>(row[k]);
      return dst;
    }
  }

 private:
  int64_t L_;
  std::vector<acc_t> buf_;
};

}  // namespace srgan_cpp::gradient_cosine_detail::cpu_rows
