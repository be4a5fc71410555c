// Schemas of the gradient cosine loss ops, their device-generic checked entry points and
// the public C++ API.
//
// The forward op returns (loss, stats): stats (N, 3) float64 holds the per-sample sums
// the backward needs, so the backward reads the images only once more.
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

#include "common/device_kernels.h"
#include "common/op_handle.h"
#include "common/op_registration.h"
#include "common/tensor_checks.h"
#include "ops/gradient_cosine/gradient_cosine.h"
#include "ops/gradient_cosine/gradient_cosine_kernels.h"

namespace srgan_cpp {
namespace gradient_cosine_detail {
namespace {

std::tuple<at::Tensor, at::Tensor> forward_impl(const at::Tensor& sr, const at::Tensor& hr, c10::string_view op_name,
                                                c10::string_view mode_name, c10::string_view reduction, double eps) {
  constexpr const char* op = "srgan_cpp.ops.gradient_cosine_loss";
  const GradOp gop = parse_operator(std::string(op_name), op);
  const GradMode mode = parse_mode(std::string(mode_name), op);
  const LossReduction red = parse_loss_reduction(std::string(reduction), op);
  check_images(sr, hr, eps, op);
  return run_on_device(sr, op, forward_cpu, SRGAN_CPP_CUDA_KERNEL(forward_cuda), sr, hr, gop, mode, red, eps);
}

std::tuple<at::Tensor, at::Tensor> backward_impl(const at::Tensor& grad, const at::Tensor& sr, const at::Tensor& hr,
                                                 const at::Tensor& stats, c10::string_view op_name,
                                                 c10::string_view mode_name, c10::string_view reduction, double eps,
                                                 bool need_sr, bool need_hr) {
  constexpr const char* op = "srgan_cpp.ops.gradient_cosine_loss_backward";
  const GradOp gop = parse_operator(std::string(op_name), op);
  const GradMode mode = parse_mode(std::string(mode_name), op);
  const LossReduction red = parse_loss_reduction(std::string(reduction), op);
  check_images(sr, hr, eps, op);
  check_same_device(grad, sr, op, "grad", "sr");
  check_same_dtype(grad, sr, op, "grad", "sr");
  const auto shape = loss_shape(sr.size(0), red);
  TORCH_CHECK_VALUE(grad.sizes() == at::IntArrayRef(shape), op, ": expected `grad` of shape ", at::IntArrayRef(shape),
                    ", got ", grad.sizes());
  TORCH_CHECK_VALUE(stats.dim() == 2 && stats.size(0) == sr.size(0) && stats.size(1) == 3 &&
                        stats.scalar_type() == at::kDouble && stats.device() == sr.device(),
                    op, ": expected `stats` float64 of shape (", sr.size(0), ", 3) on ", sr.device(),
                    " (the second output of gradient_cosine_loss), got ", stats.scalar_type(), " ", stats.sizes());
  return run_on_device(sr, op, backward_cpu, SRGAN_CPP_CUDA_KERNEL(backward_cuda), grad, sr, hr, stats, gop, mode,
                       red, eps, need_sr, need_hr);
}

}  // namespace
}  // namespace gradient_cosine_detail

TORCH_LIBRARY_FRAGMENT(srgan_cpp, m) {
  m.def(
      "gradient_cosine_loss(Tensor sr, Tensor hr, str operator=\"sobel\", str mode=\"magnitude\", "
      "str reduction=\"mean\", float eps=1e-08) -> (Tensor, Tensor)");
  m.def(
      "gradient_cosine_loss_backward(Tensor grad, Tensor sr, Tensor hr, Tensor stats, str operator, str mode, "
      "str reduction, float eps, bool need_sr, bool need_hr) -> (Tensor, Tensor)");
}

SRGAN_CPP_REGISTER_WITH_BACKWARD("gradient_cosine_loss", &gradient_cosine_detail::forward_impl,
                                 &gradient_cosine_detail::backward_impl)

namespace ops {

at::Tensor gradient_cosine_loss(const at::Tensor& sr, const at::Tensor& hr, const std::string& op,
                                const std::string& mode, const std::string& reduction, double eps) {
  static auto handle = op_handle<std::tuple<at::Tensor, at::Tensor>(
      const at::Tensor&, const at::Tensor&, c10::string_view, c10::string_view, c10::string_view, double)>(
      "srgan_cpp::gradient_cosine_loss");
  return std::get<0>(handle.call(sr, hr, op, mode, reduction, eps));
}

}  // namespace ops
}  // namespace srgan_cpp
