// The device-generic bodies of the channel-attention op: checks, then pool -> gate -> scale
// on the input's device. The weight gradients are small matrix products of per-sample gate
// quantities, left to ATen (deterministic on both devices).
#include <ATen/OpMathType.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/sum.h>
#include <ATen/ops/zeros.h>

#include <tuple>

#include "common/device_kernels.h"
#include "common/tensor_checks.h"
#include "ops/channel_attention/channel_attention_kernels.h"

namespace srgan_cpp::channel_attention_detail {
namespace {

constexpr const char* kForward = "srgan_cpp.ops.channel_attention";
constexpr const char* kBackward = "srgan_cpp.ops.channel_attention_backward";

at::Tensor bias_or_zeros(const c10::optional<at::Tensor>& b, int64_t size, const at::TensorOptions& acc) {
  if (b.has_value() && b->defined()) return b->to(acc).contiguous();
  return at::zeros({size}, acc);
}

GateWeights gate_weights(const Geometry& g, const at::Tensor& w1, const c10::optional<at::Tensor>& b1,
                         const at::Tensor& w2, const c10::optional<at::Tensor>& b2, const at::TensorOptions& acc) {
  return {w1.reshape({g.cr, g.c}).to(acc).contiguous(), bias_or_zeros(b1, g.cr, acc),
          w2.reshape({g.c, g.cr}).to(acc).contiguous(), bias_or_zeros(b2, g.c, acc)};
}

at::MemoryFormat format_of(const Geometry& g) {
  return g.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
}

at::TensorOptions acc_options(const at::Tensor& input) {
  return input.options().dtype(at::toOpMathType(input.scalar_type())).memory_format(c10::nullopt);
}

// The kernels by device, with the one dispatch idiom (common/device_kernels.h).
void run_pool(const at::Tensor& x, const at::Tensor& g, at::Tensor& sums, const char* op) {
  run_on_device(x, op, [&] { pool_cpu(x, g, sums); }, SRGAN_CPP_CUDA_KERNEL([&] { pool_cuda(x, g, sums); }));
}

// The gate's outputs, allocated once here for both kernels (which fill them).
GateTensors allocate_gate(const at::Tensor& sums, int64_t cr, bool backward) {
  const int64_t n = sums.size(1), c = sums.size(2);
  const auto opts = sums.options();
  GateTensors t;
  t.pooled = at::empty({n, c}, opts);
  t.hidden = at::empty({n, cr}, opts);
  t.scale = at::empty({n, c}, opts);
  if (backward) {
    t.d_excite = at::empty({n, c}, opts);
    t.d_squeeze = at::empty({n, cr}, opts);
    t.d_pixel = at::empty({n, c}, opts);
  }
  return t;
}

void run_gate(const at::Tensor& sums, const GateWeights& w, int64_t hw, GateTensors& t, bool backward,
              const char* op) {
  t = allocate_gate(sums, w.w1.size(0), backward);
  run_on_device(sums, op, [&] { gate_cpu(sums, w, hw, t, backward); },
                SRGAN_CPP_CUDA_KERNEL([&] { gate_cuda(sums, w, hw, t, backward); }));
}

at::Tensor run_scale(const at::Tensor& x, const at::Tensor& scale, const at::Tensor& add, const char* op) {
  return run_on_device(x, op, [&] { return scale_cpu(x, scale, add); },
                       SRGAN_CPP_CUDA_KERNEL([&] { return scale_cuda(x, scale, add); }));
}

}  // namespace

at::Tensor forward(const at::Tensor& input, const at::Tensor& squeeze_weight, const c10::optional<at::Tensor>& squeeze_bias,
                   const at::Tensor& excite_weight, const c10::optional<at::Tensor>& excite_bias) {
  const Geometry g = check_args(input, squeeze_weight, squeeze_bias, excite_weight, excite_bias, at::Tensor(), kForward);
  const at::Tensor x = input.contiguous(format_of(g));
  if (g.n == 0) return at::empty_like(x);
  const auto acc = acc_options(input);
  at::Tensor sums = at::empty({1, g.n, g.c}, acc);
  run_pool(x, at::Tensor(), sums, kForward);
  GateTensors t;
  run_gate(sums, gate_weights(g, squeeze_weight, squeeze_bias, excite_weight, excite_bias, acc), g.hw(), t, false, kForward);
  return run_scale(x, t.scale, at::Tensor(), kForward);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& squeeze_weight,
    const c10::optional<at::Tensor>& squeeze_bias, const at::Tensor& excite_weight,
    const c10::optional<at::Tensor>& excite_bias) {
  TORCH_CHECK_VALUE(grad_output.defined(), kBackward, ": expected a defined `grad_output`");
  const Geometry g = check_args(input, squeeze_weight, squeeze_bias, excite_weight, excite_bias, grad_output, kBackward);
  const bool has_b1 = squeeze_bias.has_value() && squeeze_bias->defined();
  const bool has_b2 = excite_bias.has_value() && excite_bias->defined();
  const auto acc = acc_options(input);
  const at::Tensor x = input.contiguous(format_of(g)), gr = grad_output.contiguous(format_of(g));
  GateTensors t;
  if (g.n == 0) {
    t.d_excite = at::zeros({0, g.c}, acc);
    t.d_squeeze = at::zeros({0, g.cr}, acc);
    t.hidden = t.d_squeeze;
    t.pooled = t.d_excite;
  } else {
    at::Tensor sums = at::empty({2, g.n, g.c}, acc);
    run_pool(x, gr, sums, kBackward);
    run_gate(sums, gate_weights(g, squeeze_weight, squeeze_bias, excite_weight, excite_bias, acc), g.hw(), t, true, kBackward);
  }
  const at::Tensor grad_input = g.n == 0 ? at::empty_like(x) : run_scale(gr, t.scale, t.d_pixel, kBackward);
  const auto wdt = input.scalar_type();
  at::Tensor grad_w2 = t.d_excite.t().mm(t.hidden).to(wdt).view(excite_weight.sizes());
  at::Tensor grad_w1 = t.d_squeeze.t().mm(t.pooled).to(wdt).view(squeeze_weight.sizes());
  at::Tensor grad_b2 = has_b2 ? t.d_excite.sum(0).to(wdt) : at::empty({0}, input.options());
  at::Tensor grad_b1 = has_b1 ? t.d_squeeze.sum(0).to(wdt) : at::empty({0}, input.options());
  return {grad_input, grad_w1, grad_b1, grad_w2, grad_b2};
}

}  // namespace srgan_cpp::channel_attention_detail
