#pragma once
// Per-pixel and per-sample math of the gradient cosine loss, shared by the CPU and CUDA
// kernels so both devices compute exactly the same function.
//
// Image gradient with a replicate border (indices clamped into the image), per channel:
//   sobel:   gx = [-1 0 1; -2 0 2; -1 0 1] * x,   gy = its transpose
//   central: gx = (x[i, j+1] - x[i, j-1]) / 2,   gy = (x[i+1, j] - x[i-1, j]) / 2
//   forward: gx = x[i, j+1] - x[i, j],           gy = x[i+1, j] - x[i, j]
// (all written as correlation, like conv2d). The vectors compared per sample are
//   mode "components": X' = (gx, gy) of every pixel and channel  (length 2*C*H*W)
//   mode "magnitude":  X' = sqrt(gx^2 + gy^2) of every pixel and channel (length C*H*W).
// Both modes share |X'|^2 = sum(gx^2 + gy^2); only the dot product differs.
#include <c10/macros/Macros.h>

#include "ops/gradient_cosine/gradient_cosine_kernels.h"

namespace srgan_cpp::gradient_cosine_detail {

// Gradient (gx, gy) at row i, column j of one channel plane `p` (strides sH, sW); im/ip
// and jm/jp are the clamped neighbour rows/columns.
template <GradOp O, typename acc_t, typename scalar_t, typename index_t>
C10_HOST_DEVICE inline void image_gradient(const scalar_t* p, index_t sH, index_t sW, index_t im, index_t i,
                                           index_t ip, index_t jm, index_t j, index_t jp, acc_t& gx, acc_t& gy) {
  const scalar_t* r0 = p + im * sH;
  const scalar_t* r1 = p + i * sH;
  const scalar_t* r2 = p + ip * sH;
  if constexpr (O == GradOp::Sobel) {
    const acc_t a00 = static_cast<acc_t>(r0[jm * sW]), a01 = static_cast<acc_t>(r0[j * sW]),
                a02 = static_cast<acc_t>(r0[jp * sW]);
    const acc_t a10 = static_cast<acc_t>(r1[jm * sW]), a12 = static_cast<acc_t>(r1[jp * sW]);
    const acc_t a20 = static_cast<acc_t>(r2[jm * sW]), a21 = static_cast<acc_t>(r2[j * sW]),
                a22 = static_cast<acc_t>(r2[jp * sW]);
    gx = (a02 - a00) + acc_t(2) * (a12 - a10) + (a22 - a20);
    gy = (a20 + acc_t(2) * a21 + a22) - (a00 + acc_t(2) * a01 + a02);
  } else if constexpr (O == GradOp::Central) {
    gx = acc_t(0.5) * (static_cast<acc_t>(r1[jp * sW]) - static_cast<acc_t>(r1[jm * sW]));
    gy = acc_t(0.5) * (static_cast<acc_t>(r2[j * sW]) - static_cast<acc_t>(r0[j * sW]));
  } else {
    const acc_t c = static_cast<acc_t>(r1[j * sW]);
    gx = static_cast<acc_t>(r1[jp * sW]) - c;
    gy = static_cast<acc_t>(r2[j * sW]) - c;
  }
}

// The three per-sample sums, accumulated pixel by pixel: X.Y, X.X, Y.Y with X from hr and
// Y from sr.
template <GradMode M, typename acc_t>
C10_HOST_DEVICE inline void accumulate_pixel(acc_t gxs, acc_t gys, acc_t gxh, acc_t gyh, acc_t& sxy, acc_t& sxx,
                                             acc_t& syy) {
  const acc_t ns = gxs * gxs + gys * gys, nh = gxh * gxh + gyh * gyh;
  if constexpr (M == GradMode::Components) {
    sxy += gxh * gxs + gyh * gys;
  } else {
    sxy += ::sqrt(nh * ns);  // |grad hr| * |grad sr|, one rounding less than the product of roots
  }
  sxx += nh;
  syy += ns;
}

// Loss of one sample and the coefficients of its gradient:
//   F = sxy / (max(|X|, eps) * max(|Y|, eps)),  loss = 1 - F,
//   dloss/dY = -(alpha X + beta Y),  dloss/dX = -(alpha Y + gamma X),
// where the max() is differentiated as written (the norm gets no gradient once clamped).
struct SampleCoef {
  double loss, alpha, beta, gamma;
};

C10_HOST_DEVICE inline SampleCoef sample_coef(double sxy, double sxx, double syy, double eps) {
  const double nx = ::sqrt(sxx), ny = ::sqrt(syy);
  const double a = nx > eps ? nx : eps, b = ny > eps ? ny : eps;
  const double f = sxy / (a * b);
  SampleCoef c;
  c.loss = 1.0 - f;
  c.alpha = 1.0 / (a * b);
  c.beta = ny > eps ? -f / syy : 0.0;
  c.gamma = nx > eps ? -f / sxx : 0.0;
  return c;
}

// The adjoint at one pixel: gradient of the loss w.r.t. that pixel's (gx, gy) of sr (us*)
// and of hr (uh*). ka = -g*alpha, kbs = -g*beta, kbh = -g*gamma for the sample's
// incoming gradient g. A zero-magnitude pixel gets a zero gradient (the sub-gradient
// torch.linalg.vector_norm uses), so flat images stay finite.
template <GradMode M, typename acc_t>
C10_HOST_DEVICE inline void pixel_adjoint(acc_t gxs, acc_t gys, acc_t gxh, acc_t gyh, acc_t ka, acc_t kbs, acc_t kbh,
                                          acc_t& uxs, acc_t& uys, acc_t& uxh, acc_t& uyh) {
  if constexpr (M == GradMode::Components) {
    uxs = ka * gxh + kbs * gxs;
    uys = ka * gyh + kbs * gys;
    uxh = ka * gxs + kbh * gxh;
    uyh = ka * gys + kbh * gyh;
  } else {
    const acc_t ms = ::sqrt(gxs * gxs + gys * gys), mh = ::sqrt(gxh * gxh + gyh * gyh);
    const acc_t fs = ms > acc_t(0) ? ka * mh / ms + kbs : acc_t(0);
    const acc_t fh = mh > acc_t(0) ? ka * ms / mh + kbh : acc_t(0);
    uxs = fs * gxs;
    uys = fs * gys;
    uxh = fh * gxh;
    uyh = fh * gyh;
  }
}

// Class of a row/column for the transposed taps: 0 first, 2 last, 1 interior (size >= 2).
template <typename index_t>
C10_HOST_DEVICE inline int border_class(index_t k, index_t size) {
  return k == 0 ? 0 : (k == size - 1 ? 2 : 1);
}

}  // namespace srgan_cpp::gradient_cosine_detail
