// Schemas of the LISTA shrinkage ops, their device-generic checked entry points and the
// public C++ API. Kernels see all tensors in one layout: channels_last when `input` is
// channels_last (and not also NCHW-contiguous), else NCHW; the output follows that rule.
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/ops/empty.h>
#include <torch/library.h>

#include "common/device_kernels.h"
#include "common/op_handle.h"
#include "common/op_registration.h"
#include "common/tensor_checks.h"
#include "ops/lista_shrinkage/lista_shrinkage.h"
#include "ops/lista_shrinkage/lista_shrinkage_kernels.h"

namespace srgan_cpp {
namespace lista_detail {
namespace {

at::MemoryFormat layout_of(const at::Tensor& t) {
  return is_channels_last_input(t) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
}

at::ScalarType acc_type_of(const at::Tensor& t) { return t.scalar_type() == at::kDouble ? at::kDouble : at::kFloat; }

at::Tensor forward_impl(const at::Tensor& input, const at::Tensor& threshold, const c10::optional<at::Tensor>& addend) {
  constexpr const char* op = "srgan_cpp.ops.lista_shrinkage";
  at::Tensor r = addend.has_value() ? *addend : at::Tensor();
  check_forward_args(input, threshold, r, op);
  const auto fmt = layout_of(input);
  const at::Tensor x = input.contiguous(fmt);
  if (r.defined()) r = r.contiguous(fmt);
  const at::Tensor theta = threshold.to(acc_type_of(input)).contiguous();
  at::Tensor y = at::empty(x.sizes(), x.options().memory_format(fmt));
  run_on_device(x, op, [&] { forward_cpu(x, r, theta, y); },
                SRGAN_CPP_CUDA_KERNEL([&] { forward_cuda(x, r, theta, y); }));
  return y;
}

std::tuple<at::Tensor, at::Tensor> backward_impl(const at::Tensor& grad, const at::Tensor& output,
                                                 const at::Tensor& threshold, bool need_threshold) {
  constexpr const char* op = "srgan_cpp.ops.lista_shrinkage_backward";
  check_backward_args(grad, output, threshold, op);
  const auto fmt = layout_of(output);
  const at::Tensor y = output.contiguous(fmt), g = grad.contiguous(fmt);
  auto out = run_on_device(y, op, backward_cpu, SRGAN_CPP_CUDA_KERNEL(backward_cuda), g, y, need_threshold);
  at::Tensor& gt = std::get<1>(out);
  gt = need_threshold ? gt.to(threshold.scalar_type()) : at::empty({0}, threshold.options());
  return out;
}

}  // namespace
}  // namespace lista_detail

TORCH_LIBRARY_FRAGMENT(srgan_cpp, m) {
  m.def("lista_shrinkage(Tensor input, Tensor threshold, Tensor? addend=None) -> Tensor");
  m.def(
      "lista_shrinkage_backward(Tensor grad, Tensor output, Tensor threshold, bool need_threshold) "
      "-> (Tensor, Tensor)");
}

SRGAN_CPP_REGISTER_WITH_BACKWARD("lista_shrinkage", &lista_detail::forward_impl, &lista_detail::backward_impl)

namespace ops {

at::Tensor lista_shrinkage(const at::Tensor& input, const at::Tensor& threshold,
                           const c10::optional<at::Tensor>& addend) {
  static auto handle = op_handle<at::Tensor(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&)>(
      "srgan_cpp::lista_shrinkage");
  return handle.call(input, threshold, addend);
}

}  // namespace ops
}  // namespace srgan_cpp
