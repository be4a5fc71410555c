// The device-generic bodies of the pixel-attention gate: checks, one memory format for the
// tensors the kernels read together, then the kernels of the input's device.
#include <ATen/OpMathType.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>

#include "common/device_kernels.h"
#include "ops/pixel_attention/pixel_attention_kernels.h"

namespace srgan_cpp::pixel_attention_detail {
namespace {

constexpr const char* kForward = "srgan_cpp.ops.pixel_attention";
constexpr const char* kBackward = "srgan_cpp.ops.pixel_attention_backward";

at::MemoryFormat format_of(const Geometry& g) {
  return g.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
}

at::Tensor acc_bias(const c10::optional<at::Tensor>& bias, const Geometry& g, const at::Tensor& input) {
  const auto acc = input.options().dtype(at::toOpMathType(input.scalar_type()));
  if (bias.has_value() && bias->defined()) return bias->to(acc).contiguous();
  return at::zeros({g.gate_channels}, acc);
}

}  // namespace

at::Tensor forward(const at::Tensor& input, const at::Tensor& gate, const c10::optional<at::Tensor>& bias) {
  const Geometry g = check_args(input, gate, bias, at::Tensor(), kForward);
  const auto fmt = format_of(g);
  const at::Tensor x = input.contiguous(fmt), z = gate.contiguous(fmt), b = acc_bias(bias, g, input);
  return run_on_device(x, kForward, forward_cpu, SRGAN_CPP_CUDA_KERNEL(forward_cuda), x, z, b);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> backward(const at::Tensor& grad_output, const at::Tensor& input,
                                                        const at::Tensor& gate, const c10::optional<at::Tensor>& bias) {
  TORCH_CHECK_VALUE(grad_output.defined(), kBackward, ": expected a defined `grad_output`");
  const Geometry g = check_args(input, gate, bias, grad_output, kBackward);
  const auto fmt = format_of(g);
  const at::Tensor x = input.contiguous(fmt), z = gate.contiguous(fmt), go = grad_output.contiguous(fmt);
  const at::Tensor b = acc_bias(bias, g, input);
  const bool has_bias = bias.has_value() && bias->defined();
  auto out = run_on_device(x, kBackward, backward_cpu, SRGAN_CPP_CUDA_KERNEL(backward_cuda), go, x, z, b, has_bias);
  auto& [gx, gz, gb] = out;
  gb = has_bias ? gb.to(input.scalar_type()) : at::empty({0}, input.options());
  return out;
}

}  // namespace srgan_cpp::pixel_attention_detail
