// Schemas of the HetConv op family, their device-generic checked entry points, the dense
// converters (CompositeImplicitAutograd: plain ATen ops, so autograd, tracing and every
// device come for free), and the public C++ API that calls the dispatcher.
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/zeros.h>
#include <torch/library.h>

#include "common/device_kernels.h"
#include "common/op_handle.h"
#include "common/op_registration.h"
#include "common/tensor_checks.h"
#include "ops/het_conv/het_conv.h"
#include "ops/het_conv/het_conv_kernels.h"

namespace srgan_cpp {
namespace het_conv_detail {
namespace {

at::Tensor forward_impl(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                        const c10::optional<at::Tensor>& bias, int64_t parts, int64_t stride) {
  constexpr const char* op = "srgan_cpp.ops.het_conv2d";
  const HetGeometry g = check_args(input, weight3x3, weight1x1, bias, parts, stride, op);
  const at::Tensor b = bias.has_value() ? *bias : at::Tensor();
  return run_on_device(input, op, forward_cpu, SRGAN_CPP_CUDA_KERNEL(forward_cuda), input, weight3x3, weight1x1, b, g);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward_impl(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight3x3,
    const at::Tensor& weight1x1, int64_t parts, int64_t stride, std::array<bool, 4> output_mask) {
  constexpr const char* op = "srgan_cpp.ops.het_conv2d_backward";
  const HetGeometry g = check_args(input, weight3x3, weight1x1, c10::nullopt, parts, stride, op);
  check_floating(grad_output, op, "grad_output");
  check_same_device(grad_output, input, op, "grad_output");
  check_same_dtype(grad_output, input, op, "grad_output");
  const std::vector<int64_t> out_sizes{g.n, g.out, g.out_h, g.out_w};
  TORCH_CHECK_VALUE(grad_output.sizes() == at::IntArrayRef(out_sizes), op, ": expected `grad_output` of shape ",
                    at::IntArrayRef(out_sizes), ", got ", grad_output.sizes());
  return run_on_device(input, op, backward_cpu, SRGAN_CPP_CUDA_KERNEL(backward_cuda), grad_output, input, weight3x3,
                       weight1x1, g, output_mask);
}

// Dense in-channel of 3x3 entry [o][c] of weight3x3: the row's own group g*cg + c. (out, cg).
at::Tensor three_by_three_columns(int64_t in, int64_t out, int64_t parts, const at::TensorOptions& device) {
  const int64_t cg = in / parts, og = out / parts;
  const auto opts = device.dtype(at::kLong);
  return at::arange(out, opts).div(og, "floor").mul_(cg).unsqueeze(1).add(at::arange(cg, opts).unsqueeze(0));
}

at::Tensor to_dense_impl(const at::Tensor& weight3x3, const at::Tensor& weight1x1, int64_t parts) {
  check_weights(weight3x3, weight1x1, parts, "srgan_cpp.ops.het_conv2d_to_dense");
  const int64_t out = weight3x3.size(0), cg = weight3x3.size(1), in = cg * parts;
  const at::Tensor cols3 = three_by_three_columns(in, out, parts, weight3x3.options()).unsqueeze(2).expand({out, cg, 9});
  at::Tensor dense = at::zeros({out, in, 9}, weight3x3.options()).scatter(1, cols3, weight3x3.reshape({out, cg, 9}));
  // The 1x1 weights are the centre taps outside the diagonal blocks. (Used even when P = 1
  // and weight1x1 is empty, so autograd sees every input take part.)
  const at::Tensor centre = at::zeros({9}, weight3x3.options()).index_fill(0, at::arange(4, 5, cols3.options()), 1);
  dense = dense.add(one_by_one_full(weight1x1, in, parts).unsqueeze(2).mul(centre));
  return dense.view({out, in, 3, 3});
}

std::tuple<at::Tensor, at::Tensor> from_dense_impl(const at::Tensor& dense_weight, int64_t parts) {
  constexpr const char* op = "srgan_cpp.ops.het_conv2d_from_dense";
  check_floating(dense_weight, op, "dense_weight");
  TORCH_CHECK_VALUE(parts >= 1, op, ": expected `parts` >= 1, got ", parts);
  TORCH_CHECK_VALUE(dense_weight.dim() == 4 && dense_weight.size(2) == 3 && dense_weight.size(3) == 3, op,
                    ": expected `dense_weight` of shape (out_channels, in_channels, 3, 3), got ", dense_weight.sizes());
  const int64_t out = dense_weight.size(0), in = dense_weight.size(1);
  TORCH_CHECK_VALUE(out > 0 && in > 0 && out % parts == 0 && in % parts == 0, op,
                    ": expected in_channels (", in, ") and out_channels (", out, ") of `dense_weight` to be positive "
                    "and divisible by `parts` (", parts, ")");
  const int64_t cg = in / parts;
  const at::Tensor cols3 =
      three_by_three_columns(in, out, parts, dense_weight.options()).unsqueeze(2).expand({out, cg, 9});
  at::Tensor w3 = dense_weight.reshape({out, in, 9}).gather(1, cols3).view({out, cg, 3, 3});
  at::Tensor w1 = dense_weight.select(3, 1).select(2, 1).gather(
      1, one_by_one_columns(in, out, parts, dense_weight.options()));
  return {w3, w1};
}

}  // namespace
}  // namespace het_conv_detail

TORCH_LIBRARY_FRAGMENT(srgan_cpp, m) {
  m.def(
      "het_conv2d(Tensor input, Tensor weight3x3, Tensor weight1x1, Tensor? bias=None, int parts=1, "
      "int stride=1) -> Tensor");
  m.def(
      "het_conv2d_backward(Tensor grad_output, Tensor input, Tensor weight3x3, Tensor weight1x1, int parts, "
      "int stride, bool[4] output_mask) -> (Tensor, Tensor, Tensor, Tensor)");
  m.def("het_conv2d_to_dense(Tensor weight3x3, Tensor weight1x1, int parts) -> Tensor");
  m.def("het_conv2d_from_dense(Tensor dense_weight, int parts) -> (Tensor, Tensor)");
}

SRGAN_CPP_REGISTER_WITH_BACKWARD("het_conv2d", &het_conv_detail::forward_impl, &het_conv_detail::backward_impl)

TORCH_LIBRARY_IMPL(srgan_cpp, CompositeImplicitAutograd, m) {
  m.impl("het_conv2d_to_dense", &het_conv_detail::to_dense_impl);
  m.impl("het_conv2d_from_dense", &het_conv_detail::from_dense_impl);
}

namespace ops {

at::Tensor het_conv2d(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                      const c10::optional<at::Tensor>& bias, int64_t parts, int64_t stride) {
  static auto op = op_handle<at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                        const c10::optional<at::Tensor>&, int64_t, int64_t)>("srgan_cpp::het_conv2d");
  return op.call(input, weight3x3, weight1x1, bias, parts, stride);
}

at::Tensor het_conv2d_to_dense(const at::Tensor& weight3x3, const at::Tensor& weight1x1, int64_t parts) {
  static auto op =
      op_handle<at::Tensor(const at::Tensor&, const at::Tensor&, int64_t)>("srgan_cpp::het_conv2d_to_dense");
  return op.call(weight3x3, weight1x1, parts);
}

std::tuple<at::Tensor, at::Tensor> het_conv2d_from_dense(const at::Tensor& dense_weight, int64_t parts) {
  static auto op =
      op_handle<std::tuple<at::Tensor, at::Tensor>(const at::Tensor&, int64_t)>("srgan_cpp::het_conv2d_from_dense");
  return op.call(dense_weight, parts);
}

}  // namespace ops
}  // namespace srgan_cpp
