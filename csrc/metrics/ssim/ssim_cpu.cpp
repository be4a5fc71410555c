// Fused CPU SSIM. A task owns a block of consecutive output rows of one compared plane. It
// keeps the last k input rows of both images converted to float64 (scaled, and turned into
// luma when asked) in a ring, so every input sample is read and converted once per task;
// for each output row it filters the k ring rows vertically into five row buffers (the
// products x^2, y^2, xy formed on the fly), filters those horizontally, evaluates the SSIM
// formula and stores the row's sum. Row sums are added in a fixed order at the end.
#include "metrics/ssim/ssim.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace srgan_cpp::metrics {
namespace {

constexpr const char* kOp = "ssim_per_image";
// Output rows per task: large enough that re-reading the k - 1 rows above a block is cheap.
constexpr int64_t kRowsPerTask = 48;
// MATLAB's rgb2ycbcr luma, on the [0, 255] scale, for RGB on the [0, 255] scale.
constexpr double kYR = 65.481, kYG = 128.553, kYB = 24.966;

struct Geometry {
  int64_t C, H, W, k, OH, OW, planes_per_image;
  int64_t sN, sC, sH, sW;  // strides of x (y has its own, same meaning)
};

// Converts input row h of compared plane (n, c) to float64 on the [0, 255] scale.
template <typename scalar_t>
void load_row(const scalar_t* base, const Geometry& g, int64_t sN, int64_t sC, int64_t sH, int64_t sW, int64_t n,
              int64_t c, int64_t h, double scale, SSIMColor color, double* __restrict out) {
  const scalar_t* row = base + n * sN + h * sH;
  if (color == SSIMColor::kAll) {
    const scalar_t* p = row + c * sC;
    for (int64_t j = 0; j < g.W; ++j) out[j] = static_cast<double>(p[j * sW]) * scale;
    return;
  }
  const scalar_t *r = row, *gr = row + sC, *b = row + 2 * sC;
  for (int64_t j = 0; j < g.W; ++j) {
    const double vr = static_cast<double>(r[j * sW]) * scale;
    const double vg = static_cast<double>(gr[j * sW]) * scale;
    const double vb = static_cast<double>(b[j * sW]) * scale;
    const double dot = vr * kYR + vg * kYG + vb * kYB;
    if (color == SSIMColor::kY) {
      out[j] = 16.0 + dot / 255.0;
    } else {
      // Scaled by 1000 the sum is an exact integer for 8-bit inputs, so floor((n + 0.5
      // * 255000) / 255000) rounds half away from zero exactly (the PyTorch path's formula).
      const double num = (vr * (1000.0 * kYR) + vg * (1000.0 * kYG) + vb * (1000.0 * kYB)) + (16.0 * 255000.0 + 127500.0);
      out[j] = std::min(std::max(std::floor(num / 255000.0), 0.0), 255.0);
    }
  }
}

template <typename scalar_t>
void ssim_rows_kernel(const at::Tensor& x, const at::Tensor& y, const std::vector<double>& win, double c1, double c2,
                      double scale, SSIMColor color, std::vector<double>& row_sums) {
  Geometry g{};
  g.C = x.size(1);
  g.H = x.size(2);
  g.W = x.size(3);
  g.k = static_cast<int64_t>(win.size());
  g.OH = g.H - g.k + 1;
  g.OW = g.W - g.k + 1;
  g.planes_per_image = color == SSIMColor::kAll ? g.C : 1;
  const int64_t N = x.size(0), k = g.k, W = g.W, OW = g.OW, OH = g.OH;
  const int64_t blocks_per_plane = (OH + kRowsPerTask - 1) / kRowsPerTask;
  const scalar_t* xp = x.const_data_ptr<scalar_t>();
  const scalar_t* yp = y.const_data_ptr<scalar_t>();
  at::parallel_for(0, N * g.planes_per_image * blocks_per_plane, 1, [&](int64_t begin, int64_t end) {
    // ring of k converted rows per image, vertical sums (5 x W), horizontal results (5 x OW)
    std::vector<double> ring(static_cast<size_t>(2 * k * W)), v(static_cast<size_t>(5 * W)),
        hb(static_cast<size_t>(5 * OW));
    double* __restrict vx = v.data();
    double* __restrict vy = vx + W;
    double* __restrict vxx = vy + W;
    double* __restrict vyy = vxx + W;
    double* __restrict vxy = vyy + W;
    double* __restrict mx = hb.data();
    double* __restrict my = mx + OW;
    double* __restrict mxx = my + OW;
    double* __restrict myy = mxx + OW;
    double* __restrict mxy = myy + OW;
    for (int64_t task = begin; task < end; ++task) {
      const int64_t block = task % blocks_per_plane, plane = task / blocks_per_plane;
      const int64_t n = plane / g.planes_per_image, c = plane % g.planes_per_image;
      const int64_t i0 = block * kRowsPerTask, i1 = std::min(OH, i0 + kRowsPerTask);
      auto load = [&](int64_t h) {
        double* slot = ring.data() + (h % k) * 2 * W;
        load_row(xp, g, x.stride(0), x.stride(1), x.stride(2), x.stride(3), n, c, h, scale, color, slot);
        load_row(yp, g, y.stride(0), y.stride(1), y.stride(2), y.stride(3), n, c, h, scale, color, slot + W);
      };
      for (int64_t h = i0; h < i0 + k - 1; ++h) load(h);
      for (int64_t i = i0; i < i1; ++i) {
        load(i + k - 1);
        std::fill(v.begin(), v.end(), 0.0);
        for (int64_t t = 0; t < k; ++t) {
          const double* __restrict a = ring.data() + ((i + t) % k) * 2 * W;
          const double* __restrict b = a + W;
          const double gt = win[t];
          for (int64_t j = 0; j < W; ++j) {
            const double ga = gt * a[j], gb = gt * b[j];
            vx[j] += ga;
            vy[j] += gb;
            vxx[j] += ga * a[j];
            vyy[j] += gb * b[j];
            vxy[j] += ga * b[j];
          }
        }
        std::fill(hb.begin(), hb.end(), 0.0);
        for (int64_t t = 0; t < k; ++t) {
          const double gt = win[t];
          for (int64_t j = 0; j < OW; ++j) {
            mx[j] += gt * vx[j + t];
            my[j] += gt * vy[j + t];
            mxx[j] += gt * vxx[j + t];
            myy[j] += gt * vyy[j + t];
            mxy[j] += gt * vxy[j + t];
          }
        }
        double sum = 0.0;
        for (int64_t j = 0; j < OW; ++j) {
          const double m1 = mx[j], m2 = my[j];
          const double m11 = m1 * m1, m22 = m2 * m2, m12 = m1 * m2;
          const double s1 = mxx[j] - m11, s2 = myy[j] - m22, s12 = mxy[j] - m12;
          sum += ((2.0 * m12 + c1) * (2.0 * s12 + c2)) / ((m11 + m22 + c1) * (s1 + s2 + c2));
        }
        row_sums[static_cast<size_t>(plane * OH + i)] = sum;
      }
    }
  });
}

}  // namespace

at::Tensor ssim_per_image(const at::Tensor& x, const at::Tensor& y, const at::Tensor& window, double c1, double c2,
                          double value_scale, int64_t color) {
  TORCH_CHECK_VALUE(x.defined() && x.dim() == 4, kOp, ": expected `x` of rank 4 (N, C, H, W), got ",
                    x.defined() ? x.sizes() : c10::IntArrayRef{});
  TORCH_CHECK_VALUE(y.defined() && y.sizes() == x.sizes(), kOp, ": expected `y` of the shape of `x` ", x.sizes(),
                    ", got ", y.defined() ? y.sizes() : c10::IntArrayRef{});
  TORCH_CHECK_VALUE(x.device().is_cpu() && y.device().is_cpu(), kOp, ": expected CPU tensors, got ", x.device(),
                    " and ", y.device(), " (srgan_cpp.metrics.ssim uses the PyTorch path on other devices)");
  const auto st = x.scalar_type();
  TORCH_CHECK_TYPE(st == at::kByte || st == at::kFloat || st == at::kDouble, kOp,
                   ": expected `x` of dtype uint8, float32 or float64, got ", st);
  TORCH_CHECK_TYPE(y.scalar_type() == st, kOp, ": expected `y` of dtype ", st, " like `x`, got ", y.scalar_type());
  TORCH_CHECK_VALUE(window.defined() && window.dim() == 1 && window.numel() % 2 == 1, kOp,
                    ": expected `window` of rank 1 and odd length, got ",
                    window.defined() ? window.sizes() : c10::IntArrayRef{});
  TORCH_CHECK_TYPE(window.scalar_type() == at::kDouble && window.device().is_cpu(), kOp,
                   ": expected `window` as a float64 CPU tensor, got ", window.scalar_type(), " on ",
                   window.device());
  TORCH_CHECK_VALUE(color >= 0 && color <= 2, kOp, ": `color` must be 0 (all channels), 1 (Y) or 2 (rounded Y), got ",
                    color);
  TORCH_CHECK_VALUE(color == 0 || x.size(1) == 3, kOp, ": the Y channel needs 3 (RGB) channels, got ", x.size(1));
  TORCH_CHECK_VALUE(std::isfinite(value_scale) && value_scale > 0, kOp, ": `value_scale` must be positive, got ",
                    value_scale);
  const int64_t k = window.numel();
  TORCH_CHECK_VALUE(x.size(2) >= k && x.size(3) >= k, kOp, ": images must be at least ", k, "x", k, ", got ",
                    x.size(2), "x", x.size(3));
  TORCH_CHECK_VALUE(x.size(0) >= 1 && x.size(1) >= 1, kOp, ": expected N, C >= 1, got ", x.sizes());

  const at::Tensor win = window.contiguous();
  const std::vector<double> g(win.const_data_ptr<double>(), win.const_data_ptr<double>() + k);
  const auto mode = static_cast<SSIMColor>(color);
  const int64_t N = x.size(0), planes = mode == SSIMColor::kAll ? x.size(1) : 1;
  const int64_t OH = x.size(2) - k + 1, OW = x.size(3) - k + 1;
  std::vector<double> row_sums(static_cast<size_t>(N * planes * OH));
  AT_DISPATCH_FLOATING_TYPES_AND(at::kByte, st, "ssim_per_image", [&] {
    ssim_rows_kernel<scalar_t>(x, y, g, c1, c2, value_scale, mode, row_sums);
  });

  at::Tensor out = at::empty({N}, x.options().dtype(at::kDouble));
  double* o = out.data_ptr<double>();
  const int64_t per_image = planes * OH;
  const double count = static_cast<double>(per_image) * static_cast<double>(OW);
  for (int64_t n = 0; n < N; ++n) {
    double s = 0.0;
    for (int64_t r = 0; r < per_image; ++r) s += row_sums[static_cast<size_t>(n * per_image + r)];
    o[n] = s / count;
  }
  return out;
}

}  // namespace srgan_cpp::metrics
