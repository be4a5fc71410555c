// CPU kernels of the gradient cosine loss.
//
// Forward: one task per image row (n, c, i) computes the gradients of sr and hr on the fly
// from the three neighbouring rows (no gradient map is stored) and writes the row's three
// partial sums; the per-sample sums are then added row by row in a fixed order, so the
// result does not depend on the thread count.
// Backward: one task per block of rows of a channel plane keeps a 3-row ring of the
// per-pixel adjoint U (the loss gradient w.r.t. each pixel's gx, gy) and applies the
// transposed, border-folded stencil to it; U rows are computed once per block (plus two
// halo rows), the images are read once.
// Strides serve NCHW-contiguous, channels_last and strided inputs alike; a unit-stride
// instantiation lets the compiler vectorise the common NCHW case.
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "common/tensor_checks.h"
#include "ops/gradient_cosine/gradient_cosine_math.h"

namespace srgan_cpp::gradient_cosine_detail {
namespace {

constexpr int kLanes = 8;            // independent accumulators: lets the row loop vectorise
constexpr int64_t kRowsPerTask = 32;  // backward block height (2 halo rows of U per block)

struct Plane {
  int64_t sN, sC, sH, sW;
};

Plane plane_of(const at::Tensor& t) { return {t.stride(0), t.stride(1), t.stride(2), t.stride(3)}; }

template <typename scalar_t, GradOp O, GradMode M, bool kUnit>
void forward_rows(const at::Tensor& sr, const at::Tensor& hr, std::vector<double>& part) {
  using acc_t = at::opmath_type<scalar_t>;
  const scalar_t* S = sr.const_data_ptr<scalar_t>();
  const scalar_t* Hp = hr.const_data_ptr<scalar_t>();
  const Plane ps = plane_of(sr), ph = plane_of(hr);
  const int64_t C = sr.size(1), H = sr.size(2), W = sr.size(3);
  const int64_t rows = sr.size(0) * C * H;
  const int64_t grain = std::max<int64_t>(1, 16384 / W);
  at::parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t i = row % H, c = (row / H) % C, n = row / (H * C);
      const scalar_t* s = S + n * ps.sN + c * ps.sC;
      const scalar_t* h = Hp + n * ph.sN + c * ph.sC;
      const int64_t sHs = ps.sH, sWs = kUnit ? 1 : ps.sW, sHh = ph.sH, sWh = kUnit ? 1 : ph.sW;
      const int64_t im = std::max<int64_t>(i - 1, 0), ip = std::min<int64_t>(i + 1, H - 1);
      acc_t lxy[kLanes] = {}, lxx[kLanes] = {}, lyy[kLanes] = {};
      auto pixel = [&](int64_t jm, int64_t j, int64_t jp, int lane) {
        acc_t gxs, gys, gxh, gyh;
        image_gradient<O, acc_t>(s, sHs, sWs, im, i, ip, jm, j, jp, gxs, gys);
        image_gradient<O, acc_t>(h, sHh, sWh, im, i, ip, jm, j, jp, gxh, gyh);
        accumulate_pixel<M, acc_t>(gxs, gys, gxh, gyh, lxy[lane], lxx[lane], lyy[lane]);
      };
      pixel(0, 0, 1, 0);  // replicate border: column -1 is column 0
      int64_t j = 1;
      for (; j + kLanes <= W - 1; j += kLanes) {
        for (int l = 0; l < kLanes; ++l) pixel(j + l - 1, j + l, j + l + 1, l);
      }
      for (; j < W - 1; ++j) pixel(j - 1, j, j + 1, 0);
      pixel(W - 2, W - 1, W - 1, 1);
      double sxy = 0, sxx = 0, syy = 0;
      for (int l = 0; l < kLanes; ++l) {
        sxy += lxy[l];
        sxx += lxx[l];
        syy += lyy[l];
      }
      double* out = part.data() + row * 3;
      out[0] = sxy;
      out[1] = sxx;
      out[2] = syy;
    }
  });
}

// Per-sample incoming gradient g_n (the reduction's scale folded in), as double.
std::vector<double> sample_grads(const at::Tensor& grad, int64_t n, LossReduction red) {
  const at::Tensor g = grad.to(at::kDouble).contiguous();
  const double* gp = g.const_data_ptr<double>();
  std::vector<double> out(n);
  for (int64_t k = 0; k < n; ++k) {
    if (red == LossReduction::None) out[k] = gp[k];
    else out[k] = red == LossReduction::Mean ? gp[0] / static_cast<double>(n) : gp[0];
  }
  return out;
}

template <typename scalar_t, GradOp O, GradMode M, bool kUnit, bool kS, bool kH>
void backward_planes(const at::Tensor& sr, const at::Tensor& hr, const std::vector<SampleCoef>& coef,
                     const std::vector<double>& g, const TransposedTaps& taps, at::Tensor& gsr, at::Tensor& ghr) {
  using acc_t = at::opmath_type<scalar_t>;
  const scalar_t* S = sr.const_data_ptr<scalar_t>();
  const scalar_t* Hp = hr.const_data_ptr<scalar_t>();
  scalar_t* GS = kS ? gsr.data_ptr<scalar_t>() : nullptr;
  scalar_t* GH = kH ? ghr.data_ptr<scalar_t>() : nullptr;
  const Plane ps = plane_of(sr), ph = plane_of(hr);
  const Plane os = kS ? plane_of(gsr) : Plane{}, oh = kH ? plane_of(ghr) : Plane{};
  const int64_t N = sr.size(0), C = sr.size(1), H = sr.size(2), W = sr.size(3);
  const int64_t blocks = (H + kRowsPerTask - 1) / kRowsPerTask;
  acc_t tx[3][3][3][3], ty[3][3][3][3];
  for (int a = 0; a < 81; ++a) {
    (&tx[0][0][0][0])[a] = static_cast<acc_t>((&taps.x[0][0][0][0])[a]);
    (&ty[0][0][0][0])[a] = static_cast<acc_t>((&taps.y[0][0][0][0])[a]);
  }
  const int64_t stride_row = W + 2;  // one zero column each side

  // About 16K pixels per task at least: small images are not worth waking threads for.
  const int64_t grain = std::max<int64_t>(1, 16384 / (std::min(H, kRowsPerTask) * W));
  at::parallel_for(0, N * C * blocks, grain, [&](int64_t begin, int64_t end) {
    // ring[slot][image 0 sr / 1 hr][component x / y] rows of W + 2
    std::vector<acc_t> ring(static_cast<size_t>(3 * 4 * stride_row), acc_t(0));
    auto row_ptr = [&](int slot, int img, int comp) { return ring.data() + ((slot * 2 + img) * 2 + comp) * stride_row + 1; };
    for (int64_t task = begin; task < end; ++task) {
      const int64_t blk = task % blocks, c = (task / blocks) % C, n = task / (blocks * C);
      const scalar_t* s = S + n * ps.sN + c * ps.sC;
      const scalar_t* h = Hp + n * ph.sN + c * ph.sC;
      const int64_t sWs = kUnit ? 1 : ps.sW, sWh = kUnit ? 1 : ph.sW;
      const acc_t ka = static_cast<acc_t>(-g[n] * coef[n].alpha);
      const acc_t kbs = static_cast<acc_t>(-g[n] * coef[n].beta);
      const acc_t kbh = static_cast<acc_t>(-g[n] * coef[n].gamma);
      // Fills ring slot `slot` with U of image row i (zeros outside the image).
      auto fill = [&](int slot, int64_t i) {
        acc_t *uxs = row_ptr(slot, 0, 0), *uys = row_ptr(slot, 0, 1), *uxh = row_ptr(slot, 1, 0),
              *uyh = row_ptr(slot, 1, 1);
        if (i < 0 || i >= H) {
          std::fill(uxs, uxs + W, acc_t(0));
          std::fill(uys, uys + W, acc_t(0));
          std::fill(uxh, uxh + W, acc_t(0));
          std::fill(uyh, uyh + W, acc_t(0));
          return;
        }
        const int64_t im = std::max<int64_t>(i - 1, 0), ip = std::min<int64_t>(i + 1, H - 1);
        auto pixel = [&](int64_t jm, int64_t j, int64_t jp) {
          acc_t gxs, gys, gxh, gyh;
          image_gradient<O, acc_t>(s, ps.sH, sWs, im, i, ip, jm, j, jp, gxs, gys);
          image_gradient<O, acc_t>(h, ph.sH, sWh, im, i, ip, jm, j, jp, gxh, gyh);
          acc_t a, b, c2, d;
          pixel_adjoint<M, acc_t>(gxs, gys, gxh, gyh, ka, kbs, kbh, a, b, c2, d);
          // Only the requested image's adjoint is stored, so the other one is dead code.
          if constexpr (kS) {
            uxs[j] = a;
            uys[j] = b;
          }
          if constexpr (kH) {
            uxh[j] = c2;
            uyh[j] = d;
          }
        };
        pixel(0, 0, 1);
        for (int64_t j = 1; j < W - 1; ++j) pixel(j - 1, j, j + 1);
        pixel(W - 2, W - 1, W - 1);
      };
      // Writes grad of one image row p from the ring slots holding U rows p-1, p, p+1.
      auto emit = [&](const int slots[3], int img, scalar_t* out, const Plane& o, int64_t p) {
        const int ch = border_class<int64_t>(p, H);
        const acc_t* ux[3] = {row_ptr(slots[0], img, 0), row_ptr(slots[1], img, 0), row_ptr(slots[2], img, 0)};
        const acc_t* uy[3] = {row_ptr(slots[0], img, 1), row_ptr(slots[1], img, 1), row_ptr(slots[2], img, 1)};
        scalar_t* dst = out + n * o.sN + c * o.sC + p * o.sH;
        const int64_t oW = kUnit ? 1 : o.sW;
        auto at_col = [&](int cw, int64_t q) {
          acc_t v = 0;
          for (int di = 0; di < 3; ++di)
            for (int dj = 0; dj < 3; ++dj)
              v += tx[ch][cw][di][dj] * ux[di][q + dj - 1] + ty[ch][cw][di][dj] * uy[di][q + dj - 1];
          dst[q * oW] = static_cast<scalar_t>(v);
        };
        at_col(0, 0);
        for (int64_t q = 1; q < W - 1; ++q) at_col(1, q);
        at_col(2, W - 1);
      };
      const int64_t p0 = blk * kRowsPerTask, p1 = std::min(H, p0 + kRowsPerTask);
      int slots[3] = {0, 1, 2};
      fill(slots[0], p0 - 1);
      fill(slots[1], p0);
      for (int64_t p = p0; p < p1; ++p) {
        fill(slots[2], p + 1);
        if constexpr (kS) emit(slots, 0, GS, os, p);
        if constexpr (kH) emit(slots, 1, GH, oh, p);
        const int first = slots[0];
        slots[0] = slots[1];
        slots[1] = slots[2];
        slots[2] = first;
      }
    }
  });
}

bool unit_w(const at::Tensor& t) { return !t.defined() || t.stride(3) == 1; }

}  // namespace

std::tuple<at::Tensor, at::Tensor> forward_cpu(const at::Tensor& sr, const at::Tensor& hr, GradOp op, GradMode mode,
                                               LossReduction red, double eps) {
  const int64_t N = sr.size(0), C = sr.size(1), H = sr.size(2);
  std::vector<double> part(static_cast<size_t>(N * C * H * 3), 0.0);
  if (sr.numel() > 0) {
    const bool unit = unit_w(sr) && unit_w(hr);
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, sr.scalar_type(), "srgan_cpp_gradient_cosine_cpu", [&] {
      dispatch_op_mode(op, mode, [&](auto o, auto m) {
        constexpr GradOp O = decltype(o)::value;
        constexpr GradMode M = decltype(m)::value;
        if (unit) forward_rows<scalar_t, O, M, true>(sr, hr, part);
        else forward_rows<scalar_t, O, M, false>(sr, hr, part);
      });
    });
  }
  at::Tensor stats = at::empty({N, 3}, sr.options().dtype(at::kDouble));
  double* st = stats.data_ptr<double>();
  double total = 0.0;
  std::vector<double> losses(N);
  for (int64_t n = 0; n < N; ++n) {
    double sums[3] = {0, 0, 0};
    for (int64_t r = n * C * H; r < (n + 1) * C * H; ++r)
      for (int k = 0; k < 3; ++k) sums[k] += part[r * 3 + k];
    for (int k = 0; k < 3; ++k) st[n * 3 + k] = sums[k];
    losses[n] = sample_coef(sums[0], sums[1], sums[2], eps).loss;
    total += losses[n];
  }
  at::Tensor loss;
  if (red == LossReduction::None) {
    loss = at::empty({N}, stats.options());
    std::copy(losses.begin(), losses.end(), loss.data_ptr<double>());
  } else {
    const double v = red == LossReduction::Mean ? total / static_cast<double>(N) : total;
    loss = at::empty({}, stats.options());
    *loss.data_ptr<double>() = v;
  }
  return {loss.to(sr.scalar_type()), stats};
}

std::tuple<at::Tensor, at::Tensor> backward_cpu(const at::Tensor& grad, const at::Tensor& sr, const at::Tensor& hr,
                                                const at::Tensor& stats, GradOp op, GradMode mode, LossReduction red,
                                                double eps, bool need_sr, bool need_hr) {
  const int64_t N = sr.size(0);
  at::Tensor gsr = need_sr ? at::empty(sr.sizes(), sr.options().memory_format(
                                 is_channels_last_input(sr) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous))
                           : at::Tensor();
  at::Tensor ghr = need_hr ? at::empty(hr.sizes(), hr.options().memory_format(
                                 is_channels_last_input(hr) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous))
                           : at::Tensor();
  if ((need_sr || need_hr) && sr.numel() > 0) {
    const at::Tensor st = stats.to(at::kDouble).contiguous();
    const double* sp = st.const_data_ptr<double>();
    std::vector<SampleCoef> coef(N);
    for (int64_t n = 0; n < N; ++n) coef[n] = sample_coef(sp[n * 3], sp[n * 3 + 1], sp[n * 3 + 2], eps);
    const std::vector<double> g = sample_grads(grad, N, red);
    const TransposedTaps taps = transposed_taps(op);
    const bool unit = unit_w(sr) && unit_w(hr) && unit_w(gsr) && unit_w(ghr);
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, sr.scalar_type(), "srgan_cpp_gradient_cosine_bwd_cpu", [&] {
      dispatch_op_mode(op, mode, [&](auto o, auto m) {
        constexpr GradOp O = decltype(o)::value;
        constexpr GradMode M = decltype(m)::value;
        auto run = [&](auto u, auto ks, auto kh) {
          backward_planes<scalar_t, O, M, decltype(u)::value, decltype(ks)::value, decltype(kh)::value>(
              sr, hr, coef, g, taps, gsr, ghr);
        };
        using T = std::true_type;
        using Fa = std::false_type;
        if (unit) {
          if (need_sr && need_hr) run(T{}, T{}, T{});
          else if (need_sr) run(T{}, T{}, Fa{});
          else run(T{}, Fa{}, T{});
        } else {
          if (need_sr && need_hr) run(Fa{}, T{}, T{});
          else if (need_sr) run(Fa{}, T{}, Fa{});
          else run(Fa{}, Fa{}, T{});
        }
      });
    });
  }
  if (!need_sr) gsr = at::empty({0}, sr.options());
  if (!need_hr) ghr = at::empty({0}, hr.options());
  return {gsr, ghr};
}

}  // namespace srgan_cpp::gradient_cosine_detail
