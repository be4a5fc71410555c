// Schemas of the RaGAN loss ops, their device-generic checked entry points and the public
// C++ API. The forward op returns (loss, stats): stats (2,) float64 = (mean real, mean
// fake), kept for the backward.
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

#include "common/device_kernels.h"
#include "common/op_handle.h"
#include "common/op_registration.h"
#include "common/tensor_checks.h"
#include "ops/ragan_loss/ragan_loss.h"
#include "ops/ragan_loss/ragan_loss_kernels.h"

namespace srgan_cpp {
namespace ragan_detail {
namespace {

std::tuple<at::Tensor, at::Tensor> forward_impl(const at::Tensor& real, const at::Tensor& fake,
                                                c10::string_view target, c10::string_view reduction) {
  constexpr const char* op = "srgan_cpp.ops.ragan_loss";
  const Signs s = parse_target(std::string(target), op);
  const LossReduction red = parse_loss_reduction(std::string(reduction), op);
  check_logits(real, fake, op);
  return run_on_device(real, op, forward_cpu, SRGAN_CPP_CUDA_KERNEL(forward_cuda), real, fake, s, red);
}

std::tuple<at::Tensor, at::Tensor> backward_impl(const at::Tensor& grad, const at::Tensor& real,
                                                 const at::Tensor& fake, const at::Tensor& stats,
                                                 c10::string_view target, c10::string_view reduction, bool need_real,
                                                 bool need_fake) {
  constexpr const char* op = "srgan_cpp.ops.ragan_loss_backward";
  const Signs s = parse_target(std::string(target), op);
  const LossReduction red = parse_loss_reduction(std::string(reduction), op);
  check_logits(real, fake, op);
  check_same_device(grad, real, op, "grad", "real_logits");
  check_same_dtype(grad, real, op, "grad", "real_logits");
  if (red == LossReduction::None) {
    TORCH_CHECK_VALUE(grad.sizes() == real.sizes(), op, ": expected `grad` of shape ", real.sizes(), ", got ",
                      grad.sizes());
  } else {
    TORCH_CHECK_VALUE(grad.dim() == 0, op, ": expected a 0-dim `grad`, got shape ", grad.sizes());
  }
  TORCH_CHECK_VALUE(stats.dim() == 1 && stats.size(0) == 2 && stats.scalar_type() == at::kDouble &&
                        stats.device() == real.device(),
                    op, ": expected `stats` float64 of shape (2,) on ", real.device(),
                    " (the second output of ragan_loss), got ", stats.scalar_type(), " ", stats.sizes());
  return run_on_device(real, op, backward_cpu, SRGAN_CPP_CUDA_KERNEL(backward_cuda), grad, real, fake, stats, s, red,
                       need_real, need_fake);
}

}  // namespace
}  // namespace ragan_detail

TORCH_LIBRARY_FRAGMENT(srgan_cpp, m) {
  m.def(
      "ragan_loss(Tensor real_logits, Tensor fake_logits, str target=\"discriminator\", str reduction=\"mean\") "
      "-> (Tensor, Tensor)");
  m.def(
      "ragan_loss_backward(Tensor grad, Tensor real_logits, Tensor fake_logits, Tensor stats, str target, "
      "str reduction, bool need_real, bool need_fake) -> (Tensor, Tensor)");
}

SRGAN_CPP_REGISTER_WITH_BACKWARD("ragan_loss", &ragan_detail::forward_impl, &ragan_detail::backward_impl)

namespace ops {

at::Tensor ragan_loss(const at::Tensor& real_logits, const at::Tensor& fake_logits, const std::string& target,
                      const std::string& reduction) {
  static auto handle = op_handle<std::tuple<at::Tensor, at::Tensor>(
      const at::Tensor&, const at::Tensor&, c10::string_view, c10::string_view)>("srgan_cpp::ragan_loss");
  return std::get<0>(handle.call(real_logits, fake_logits, target, reduction));
}

}  // namespace ops
}  // namespace srgan_cpp
