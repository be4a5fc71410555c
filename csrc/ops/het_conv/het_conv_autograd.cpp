// Autograd for het_conv2d, registered on the Autograd key so gradients flow from Python
// and from C++ alike. The backward is its own op (het_conv2d_backward). When the backward
// itself is recorded (create_graph=True, e.g. a WGAN-GP gradient penalty) it runs as the
// same ATen composite with autograd on, so double backward is exact too.
#include <torch/library.h>

#include "common/autograd_function.h"
#include "common/op_handle.h"
#include "common/tensor_checks.h"
#include "ops/het_conv/het_conv.h"
#include "ops/het_conv/het_conv_kernels.h"

namespace srgan_cpp::het_conv_detail {
namespace {

class HetConv2dFn : public AutogradFunction<HetConv2dFn> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& weight3x3,
                            const at::Tensor& weight1x1, const c10::optional<at::Tensor>& bias, int64_t parts,
                            int64_t stride) {
    ctx->saved_data["parts"] = parts;
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["has_bias"] = bias.has_value() && bias->defined();
    ctx->save_for_backward({input, weight3x3, weight1x1});
    at::AutoDispatchBelowADInplaceOrView guard;
    return ops::het_conv2d(input, weight3x3, weight1x1, bias, parts, stride);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    static auto bwd = op_handle<std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor>(
        const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&, int64_t, int64_t,
        std::array<bool, 4>)>("srgan_cpp::het_conv2d_backward");
    const auto saved = ctx->get_saved_variables();
    const bool has_bias = ctx->saved_data["has_bias"].toBool();
    // Edge indices count only the tensors given: input, weight3x3, weight1x1[, bias].
    const std::array<bool, 4> mask{ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2),
                                   has_bias && ctx->needs_input_grad(3)};
    const at::Tensor& g = grads[0];
    const int64_t parts = ctx->saved_data["parts"].toInt(), stride = ctx->saved_data["stride"].toInt();
    at::Tensor gi, gw3, gw1, gb;
    if (at::GradMode::is_enabled()) {
      // create_graph: differentiable ATen ops (the op has no autograd formula of its own).
      const HetGeometry geo =
          check_args(saved[0], saved[1], saved[2], c10::nullopt, parts, stride, "srgan_cpp.ops.het_conv2d_backward");
      const bool channels_last =
          saved[0].is_cpu() ? cpu_computes_channels_last(saved[0]) : is_channels_last_input(saved[0]);
      std::tie(gi, gw3, gw1, gb) = backward_composite(g, saved[0], saved[1], saved[2], geo, mask, channels_last);
    } else {
      std::tie(gi, gw3, gw1, gb) = bwd.call(g, saved[0], saved[1], saved[2], parts, stride, mask);
    }
    return {mask[0] ? gi : at::Tensor(),  mask[1] ? gw3 : at::Tensor(), mask[2] ? gw1 : at::Tensor(),
            mask[3] ? gb : at::Tensor(), at::Tensor(),                   at::Tensor()};
  }
};

at::Tensor het_conv2d_autograd(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                               const c10::optional<at::Tensor>& bias, int64_t parts, int64_t stride) {
  return HetConv2dFn::apply(input, weight3x3, weight1x1, bias, parts, stride);
}

}  // namespace

TORCH_LIBRARY_IMPL(srgan_cpp, Autograd, m) { m.impl("het_conv2d", &het_conv2d_autograd); }

}  // namespace srgan_cpp::het_conv_detail
