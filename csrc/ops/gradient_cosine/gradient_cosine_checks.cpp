// Argument validation and the stencil tables shared by the CPU and CUDA gradient cosine kernels.
#include <algorithm>

#include "common/tensor_checks.h"
#include "ops/gradient_cosine/gradient_cosine_kernels.h"

namespace srgan_cpp::gradient_cosine_detail {

GradOp parse_operator(const std::string& op, const char* name) {
  if (op == "sobel") return GradOp::Sobel;
  if (op == "central") return GradOp::Central;
  if (op == "forward") return GradOp::Forward;
  TORCH_CHECK_VALUE(false, name, ": expected `operator` to be one of 'sobel', 'central', 'forward', got '", op, "'");
}

GradMode parse_mode(const std::string& mode, const char* name) {
  if (mode == "magnitude") return GradMode::Magnitude;
  if (mode == "components") return GradMode::Components;
  TORCH_CHECK_VALUE(false, name, ": expected `mode` to be 'magnitude' or 'components', got '", mode, "'");
}

void check_images(const at::Tensor& sr, const at::Tensor& hr, double eps, const char* op) {
  check_floating(sr, op, "sr");
  check_dim(sr, 4, op, "sr", "N, C, H, W");
  check_same_device(hr, sr, op, "hr", "sr");
  check_same_dtype(hr, sr, op, "hr", "sr");
  TORCH_CHECK_VALUE(hr.sizes() == sr.sizes(), op, ": expected `hr` of the same shape as `sr` ", sr.sizes(), ", got ",
                    hr.sizes());
  TORCH_CHECK_VALUE(sr.size(1) >= 1, op, ": expected `sr` with at least one channel, got shape ", sr.sizes());
  TORCH_CHECK_VALUE(sr.size(2) >= 2 && sr.size(3) >= 2, op,
                    ": expected images of at least 2x2 pixels (H, W >= 2) - a gradient needs two pixels - got `sr` "
                    "of shape ", sr.sizes());
  TORCH_CHECK_VALUE(eps > 0.0, op, ": expected `eps` > 0 (it keeps the loss of flat images finite), got ", eps);
}

std::vector<int64_t> loss_shape(int64_t n, LossReduction red) {
  if (red == LossReduction::None) return {n};
  return {};
}

namespace {

// The stencils as 3x3 correlation kernels, k[a + 1][b + 1] weighting x[i + a, j + b]. Every
// operator's vertical kernel is its horizontal one transposed, so only kx is spelt out.
void kernels_of(GradOp op, double kx[3][3], double ky[3][3]) {
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) kx[a][b] = 0.0;
  switch (op) {
    case GradOp::Sobel:  // [-1 0 1] across, smoothed by [1 2 1] along
      for (int t = 0; t < 3; ++t) {
        kx[t][0] = t == 1 ? -2.0 : -1.0;
        kx[t][2] = t == 1 ? 2.0 : 1.0;
      }
      break;
    case GradOp::Central:  // (x[j + 1] - x[j - 1]) / 2
      kx[1][0] = -0.5;
      kx[1][2] = 0.5;
      break;
    case GradOp::Forward:  // x[j + 1] - x[j]
      kx[1][1] = -1.0;
      kx[1][2] = 1.0;
      break;
  }
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) ky[a][b] = kx[b][a];
}

// m[cls][d][a + 1] = 1 when input index k = p + d - 1 reaches output position p through
// tap offset a, i.e. clamp(k + a) == p, for p first (cls 0), interior (1) or last (2).
// Any size >= 2 gives the same table, so a size of 5 stands in for all.
void fold_table(double m[3][3][3]) {
  constexpr int size = 5;
  const int rep[3] = {0, 2, size - 1};
  for (int cls = 0; cls < 3; ++cls) {
    const int p = rep[cls];
    for (int d = 0; d < 3; ++d) {
      const int k = p + d - 1;
      for (int a = -1; a <= 1; ++a) {
        const bool valid = k >= 0 && k < size;
        const int reached = std::min(std::max(k + a, 0), size - 1);
        m[cls][d][a + 1] = (valid && reached == p) ? 1.0 : 0.0;
      }
    }
  }
}

}  // namespace

TransposedTaps transposed_taps(GradOp op) {
  double kx[3][3], ky[3][3], m[3][3][3];
  kernels_of(op, kx, ky);
  fold_table(m);
  TransposedTaps t{};
  for (int ch = 0; ch < 3; ++ch)
    for (int cw = 0; cw < 3; ++cw)
      for (int di = 0; di < 3; ++di)
        for (int dj = 0; dj < 3; ++dj) {
          double sx = 0.0, sy = 0.0;
          for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) {
              const double w = m[ch][di][a] * m[cw][dj][b];
              sx += kx[a][b] * w;
              sy += ky[a][b] * w;
            }
          t.x[ch][cw][di][dj] = sx;
          t.y[ch][cw][di][dj] = sy;
        }
  return t;
}

}  // namespace srgan_cpp::gradient_cosine_detail
