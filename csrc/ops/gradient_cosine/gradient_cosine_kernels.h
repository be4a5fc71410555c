#pragma once
// Internal: argument checks and device kernels of the gradient cosine loss.
//
// Forward: stats (N, 3) float64 = per-sample (sum X.Y, sum X.X, sum Y.Y) with X = G(hr),
// Y = G(sr); the loss is computed from them. The stats are saved for the backward, which
// then needs only one more pass over the images.
#include <ATen/core/Tensor.h>

#include <string>
#include <tuple>
#include <type_traits>

#include "common/device_kernels.h"
#include "common/loss_reduction.h"

namespace srgan_cpp::gradient_cosine_detail {

enum class GradOp : int { Sobel = 0, Central = 1, Forward = 2 };
enum class GradMode : int { Magnitude = 0, Components = 1 };

// Calls f(op, mode) with both as compile-time constants, so the CPU and CUDA kernels are
// instantiated per operator and mode with no switch in their inner loops.
template <typename F>
void dispatch_op_mode(GradOp op, GradMode mode, F&& f) {
  auto with_mode = [&](auto o) {
    if (mode == GradMode::Magnitude) f(o, std::integral_constant<GradMode, GradMode::Magnitude>{});
    else f(o, std::integral_constant<GradMode, GradMode::Components>{});
  };
  switch (op) {
    case GradOp::Sobel: with_mode(std::integral_constant<GradOp, GradOp::Sobel>{}); break;
    case GradOp::Central: with_mode(std::integral_constant<GradOp, GradOp::Central>{}); break;
    case GradOp::Forward: with_mode(std::integral_constant<GradOp, GradOp::Forward>{}); break;
  }
}

GradOp parse_operator(const std::string& op, const char* name);
GradMode parse_mode(const std::string& mode, const char* name);

// Validates sr/hr (and eps); returns nothing, throws ValueError/TypeError naming the argument.
void check_images(const at::Tensor& sr, const at::Tensor& hr, double eps, const char* op);

// Shape of the loss for a batch of n: () for mean/sum, (n,) for none.
std::vector<int64_t> loss_shape(int64_t n, LossReduction red);

// Folded-transpose taps of the stencil: kt[cls_h][cls_w][di][dj] for the x and y kernels,
// where cls is 0 (first row/col), 1 (interior), 2 (last). grad_input(p, q) =
// sum_{di,dj} kt[..][di][dj] * U(p + di - 1, q + dj - 1) with U zero outside the image:
// exactly the adjoint of the replicate-border stencil, borders included.
struct TransposedTaps {
  double x[3][3][3][3];
  double y[3][3][3][3];
};
TransposedTaps transposed_taps(GradOp op);

// Kernels. stats (N, 3) float64; loss in the input dtype. The backward's `grad` is the
// gradient of the loss (shape loss_shape); grads come back in the images' layout, or as
// empty tensors where not requested.
#define SRGAN_CPP_GRADIENT_COSINE_KERNELS(dev)                                                                \
  std::tuple<at::Tensor, at::Tensor> forward_##dev(const at::Tensor& sr, const at::Tensor& hr, GradOp op,     \
                                                   GradMode mode, LossReduction red, double eps);             \
  std::tuple<at::Tensor, at::Tensor> backward_##dev(                                                          \
      const at::Tensor& grad, const at::Tensor& sr, const at::Tensor& hr, const at::Tensor& stats, GradOp op, \
      GradMode mode, LossReduction red, double eps, bool need_sr, bool need_hr);
SRGAN_CPP_DECLARE_DEVICE_KERNELS(SRGAN_CPP_GRADIENT_COSINE_KERNELS)
#undef SRGAN_CPP_GRADIENT_COSINE_KERNELS

}  // namespace srgan_cpp::gradient_cosine_detail
