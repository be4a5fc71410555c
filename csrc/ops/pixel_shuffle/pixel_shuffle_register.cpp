// Schemas of the pixel-shuffle op family, their device-generic entry points (argument
// checks, then the CPU or CUDA kernel), and the public C++ API that calls the dispatcher.
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

#include "common/device_kernels.h"
#include "common/op_handle.h"
#include "common/op_registration.h"
#include "common/tensor_checks.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"
#include "ops/pixel_shuffle/pixel_shuffle_kernels.h"

namespace srgan_cpp {
namespace pixel_shuffle_detail {
namespace {

at::Tensor run_shuffle(const at::Tensor& input, int64_t factor, bool upscale) {
  const char* op = upscale ? "srgan_cpp.ops.pixel_shuffle" : "srgan_cpp.ops.pixel_unshuffle";
  const at::Tensor x4 = as_4d_checked(input, factor, upscale, op);
  const at::Tensor out4 = run_on_device(x4, op, shuffle_cpu, SRGAN_CPP_CUDA_KERNEL(shuffle_cuda), x4, factor, upscale);
  if (input.dim() == 4) return out4;
  std::vector<int64_t> sizes(input.sizes().begin(), input.sizes().end() - 3);
  sizes.insert(sizes.end(), out4.sizes().begin() + 1, out4.sizes().end());
  return out4.view(sizes);
}

at::Tensor pixel_shuffle_impl(const at::Tensor& input, int64_t upscale_factor) {
  return run_shuffle(input, upscale_factor, true);
}

at::Tensor pixel_unshuffle_impl(const at::Tensor& input, int64_t downscale_factor) {
  return run_shuffle(input, downscale_factor, false);
}

at::Tensor defined_or_empty(const c10::optional<at::Tensor>& t) { return t.has_value() ? *t : at::Tensor(); }

at::Tensor fused_impl(const at::Tensor& input, int64_t r, const c10::optional<at::Tensor>& bias,
                      c10::string_view activation, const c10::optional<at::Tensor>& prelu_weight,
                      double negative_slope, const c10::optional<at::Tensor>& residual) {
  constexpr const char* op = "srgan_cpp.ops.fused_pixel_shuffle";
  const Act act = parse_activation(std::string(activation));
  check_fused_args(input, r, bias, act, prelu_weight, residual, op);
  const auto b = defined_or_empty(bias), w = defined_or_empty(prelu_weight), res = defined_or_empty(residual);
  return run_on_device(input, op, fused_forward_cpu, SRGAN_CPP_CUDA_KERNEL(fused_forward_cuda), input, r, b, act, w,
                       negative_slope, res);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> fused_backward_impl(
    const at::Tensor& grad_output, const at::Tensor& input, int64_t r, const c10::optional<at::Tensor>& bias,
    c10::string_view activation, const c10::optional<at::Tensor>& prelu_weight, double negative_slope) {
  constexpr const char* op = "srgan_cpp.ops.fused_pixel_shuffle_backward";
  const Act act = parse_activation(std::string(activation));
  const auto g = check_fused_args(input, r, bias, act, prelu_weight, c10::nullopt, op);
  check_same_device(grad_output, input, op, "grad_output");
  check_same_dtype(grad_output, input, op, "grad_output");
  const std::vector<int64_t> out_sizes{g.n, g.c, g.h * r, g.w * r};
  TORCH_CHECK_VALUE(grad_output.sizes() == at::IntArrayRef(out_sizes), op, ": expected `grad_output` of shape ",
                    at::IntArrayRef(out_sizes), ", got ", grad_output.sizes());
  const auto b = defined_or_empty(bias), w = defined_or_empty(prelu_weight);
  return run_on_device(input, op, fused_backward_cpu, SRGAN_CPP_CUDA_KERNEL(fused_backward_cuda), grad_output, input,
                       r, b, act, w, negative_slope);
}

}  // namespace
}  // namespace pixel_shuffle_detail

TORCH_LIBRARY_FRAGMENT(srgan_cpp, m) {
  m.def("pixel_shuffle(Tensor input, int upscale_factor) -> Tensor");
  m.def("pixel_unshuffle(Tensor input, int downscale_factor) -> Tensor");
  m.def(
      "fused_pixel_shuffle(Tensor input, int upscale_factor, Tensor? bias=None, str activation=\"none\", "
      "Tensor? prelu_weight=None, float negative_slope=0.01, Tensor? residual=None) -> Tensor");
  m.def(
      "fused_pixel_shuffle_backward(Tensor grad_output, Tensor input, int upscale_factor, Tensor? bias, "
      "str activation, Tensor? prelu_weight, float negative_slope) -> (Tensor, Tensor, Tensor)");
}

// pixel_shuffle / pixel_unshuffle take one tensor: no device check to make.
#define SRGAN_CPP_REGISTER_PIXEL_SHUFFLE(KEY)                               \
  TORCH_LIBRARY_IMPL(srgan_cpp, KEY, m) {                                   \
    m.impl("pixel_shuffle", &pixel_shuffle_detail::pixel_shuffle_impl);     \
    m.impl("pixel_unshuffle", &pixel_shuffle_detail::pixel_unshuffle_impl); \
  }
SRGAN_CPP_REGISTER_PIXEL_SHUFFLE(CPU)
SRGAN_CPP_REGISTER_PIXEL_SHUFFLE(CUDA)

SRGAN_CPP_REGISTER_WITH_BACKWARD("fused_pixel_shuffle", &pixel_shuffle_detail::fused_impl,
                                 &pixel_shuffle_detail::fused_backward_impl)

namespace ops {

at::Tensor pixel_shuffle(const at::Tensor& input, int64_t upscale_factor) {
  static auto op = op_handle<at::Tensor(const at::Tensor&, int64_t)>("srgan_cpp::pixel_shuffle");
  return op.call(input, upscale_factor);
}

at::Tensor pixel_unshuffle(const at::Tensor& input, int64_t downscale_factor) {
  static auto op = op_handle<at::Tensor(const at::Tensor&, int64_t)>("srgan_cpp::pixel_unshuffle");
  return op.call(input, downscale_factor);
}

at::Tensor fused_pixel_shuffle(const at::Tensor& input, int64_t upscale_factor, const c10::optional<at::Tensor>& bias,
                               const std::string& activation, const c10::optional<at::Tensor>& prelu_weight,
                               double negative_slope, const c10::optional<at::Tensor>& residual) {
  static auto op = op_handle<at::Tensor(const at::Tensor&, int64_t, const c10::optional<at::Tensor>&, c10::string_view,
                                        const c10::optional<at::Tensor>&, double, const c10::optional<at::Tensor>&)>(
      "srgan_cpp::fused_pixel_shuffle");
  return op.call(input, upscale_factor, bias, activation, prelu_weight, negative_slope, residual);
}

}  // namespace ops
}  // namespace srgan_cpp
