// Fused CPU SSIM. One task handles a run of output rows of one or more (n, c) planes: for
// each output row it filters the k input rows vertically into five row buffers (the
// products x^2, y^2, xy formed on the fly, never stored as images), filters those
// horizontally, evaluates the SSIM formula and keeps the row's sum. Row sums are added in
// a fixed order afterwards, so the result does not depend on the thread count.
#include "metrics/ssim/ssim.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <vector>

namespace srgan_cpp::metrics {
namespace {

constexpr const char* kOp = "ssim_per_image";
// Output elements per parallel task (about).
constexpr int64_t kGrainElements = 8192;

template <typename scalar_t>
void ssim_rows_kernel(const at::Tensor& x, const at::Tensor& y, const std::vector<double>& g, double c1, double c2,
                      std::vector<double>& row_sums) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t k = static_cast<int64_t>(g.size()), OH = H - k + 1, OW = W - k + 1;
  const int64_t xsN = x.stride(0), xsC = x.stride(1), xsH = x.stride(2);
  const int64_t ysN = y.stride(0), ysC = y.stride(1), ysH = y.stride(2);
  const scalar_t* xp = x.const_data_ptr<scalar_t>();
  const scalar_t* yp = y.const_data_ptr<scalar_t>();
  const int64_t grain = std::max<int64_t>(1, kGrainElements / OW);
  at::parallel_for(0, N * C * OH, grain, [&](int64_t begin, int64_t end) {
    // Vertical sums (5 x W) and horizontal results (5 x OW) of the current output row.
    std::vector<double> v(static_cast<size_t>(5 * W)), h(static_cast<size_t>(5 * OW));
    double *vx = v.data(), *vy = vx + W, *vxx = vy + W, *vyy = vxx + W, *vxy = vyy + W;
    double *mx = h.data(), *my = mx + OW, *mxx = my + OW, *myy = mxx + OW, *mxy = myy + OW;
    for (int64_t row = begin; row < end; ++row) {
      const int64_t i = row % OH, plane = row / OH, c = plane % C, n = plane / C;
      const scalar_t* xr = xp + n * xsN + c * xsC + i * xsH;
      const scalar_t* yr = yp + n * ysN + c * ysC + i * ysH;
      std::fill(v.begin(), v.end(), 0.0);
      for (int64_t t = 0; t < k; ++t) {
        const scalar_t* a = xr + t * xsH;
        const scalar_t* b = yr + t * ysH;
        const double gt = g[t];
        for (int64_t j = 0; j < W; ++j) {
          const double aj = static_cast<double>(a[j]), bj = static_cast<double>(b[j]);
          const double ga = gt * aj, gb = gt * bj;
          vx[j] += ga;
          vy[j] += gb;
          vxx[j] += ga * aj;
          vyy[j] += gb * bj;
          vxy[j] += ga * bj;
        }
      }
      std::fill(h.begin(), h.end(), 0.0);
      for (int64_t t = 0; t < k; ++t) {
        const double gt = g[t];
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
      row_sums[static_cast<size_t>(row)] = sum;
    }
  });
}

// Strided rows along W would make every inner loop a gather: copy those to contiguous.
at::Tensor with_unit_row_stride(const at::Tensor& t) { return t.stride(3) == 1 ? t : t.contiguous(); }

}  // namespace

at::Tensor ssim_per_image(const at::Tensor& x, const at::Tensor& y, const at::Tensor& window, double c1, double c2) {
  TORCH_CHECK_VALUE(x.defined() && x.dim() == 4, kOp, ": expected `x` of rank 4 (N, C, H, W), got ",
                    x.defined() ? x.sizes() : c10::IntArrayRef{});
  TORCH_CHECK_VALUE(y.defined() && y.sizes() == x.sizes(), kOp, ": expected `y` of the shape of `x` ", x.sizes(),
                    ", got ", y.defined() ? y.sizes() : c10::IntArrayRef{});
  TORCH_CHECK_VALUE(x.device().is_cpu() && y.device().is_cpu(), kOp, ": expected CPU tensors, got ", x.device(),
                    " and ", y.device(), " (srgan_cpp.metrics.ssim uses the PyTorch path on other devices)");
  const auto st = x.scalar_type();
  TORCH_CHECK_TYPE(st == at::kFloat || st == at::kDouble, kOp, ": expected `x` of dtype float32 or float64, got ",
                   st);
  TORCH_CHECK_TYPE(y.scalar_type() == st, kOp, ": expected `y` of dtype ", st, " like `x`, got ", y.scalar_type());
  TORCH_CHECK_VALUE(window.defined() && window.dim() == 1 && window.numel() % 2 == 1, kOp,
                    ": expected `window` of rank 1 and odd length, got ",
                    window.defined() ? window.sizes() : c10::IntArrayRef{});
  TORCH_CHECK_TYPE(window.scalar_type() == at::kDouble && window.device().is_cpu(), kOp,
                   ": expected `window` as a float64 CPU tensor, got ", window.scalar_type(), " on ",
                   window.device());
  const int64_t k = window.numel();
  TORCH_CHECK_VALUE(x.size(2) >= k && x.size(3) >= k, kOp, ": images must be at least ", k, "x", k, ", got ",
                    x.size(2), "x", x.size(3));
  TORCH_CHECK_VALUE(x.size(0) >= 1 && x.size(1) >= 1, kOp, ": expected N, C >= 1, got ", x.sizes());

  const at::Tensor win = window.contiguous();
  const std::vector<double> g(win.const_data_ptr<double>(), win.const_data_ptr<double>() + k);
  const at::Tensor xc = with_unit_row_stride(x), yc = with_unit_row_stride(y);
  const int64_t N = x.size(0), C = x.size(1), OH = x.size(2) - k + 1, OW = x.size(3) - k + 1;
  std::vector<double> row_sums(static_cast<size_t>(N * C * OH));
  AT_DISPATCH_FLOATING_TYPES(st, "ssim_per_image", [&] { ssim_rows_kernel<scalar_t>(xc, yc, g, c1, c2, row_sums); });

  at::Tensor out = at::empty({N}, x.options().dtype(at::kDouble));
  double* o = out.data_ptr<double>();
  const int64_t per_image = C * OH;
  const double count = static_cast<double>(C * OH) * static_cast<double>(OW);
  for (int64_t n = 0; n < N; ++n) {
    double s = 0.0;
    for (int64_t r = 0; r < per_image; ++r) s += row_sums[static_cast<size_t>(n * per_image + r)];
    o[n] = s / count;
  }
  return out;
}

}  // namespace srgan_cpp::metrics
