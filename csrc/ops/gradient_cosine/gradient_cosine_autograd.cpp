// Autograd of the gradient cosine loss, registered on the Autograd key: the forward keeps
// sr, hr and the per-sample stats; the backward is the fused backward op, asked only for
// the gradients autograd needs (the hr gradient only when hr requires grad).
#include <torch/library.h>

#include "common/autograd_function.h"
#include "common/op_handle.h"
#include "ops/gradient_cosine/gradient_cosine_kernels.h"

namespace srgan_cpp::gradient_cosine_detail {
namespace {

class GradientCosineFn : public AutogradFunction<GradientCosineFn> {
 public:
  static variable_list forward(AutogradContext* ctx, const at::Tensor& sr, const at::Tensor& hr,
                               const std::string& op, const std::string& mode, const std::string& reduction,
                               double eps) {
    static auto fwd = op_handle<std::tuple<at::Tensor, at::Tensor>(
        const at::Tensor&, const at::Tensor&, c10::string_view, c10::string_view, c10::string_view, double)>(
        "srgan_cpp::gradient_cosine_loss");
    at::Tensor loss, stats;
    {
      at::AutoDispatchBelowADInplaceOrView guard;
      std::tie(loss, stats) = fwd.call(sr, hr, op, mode, reduction, eps);
    }
    ctx->saved_data["op"] = op;
    ctx->saved_data["mode"] = mode;
    ctx->saved_data["reduction"] = reduction;
    ctx->saved_data["eps"] = eps;
    ctx->save_for_backward({sr, hr, stats});
    ctx->mark_non_differentiable({stats});
    return {loss, stats};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    static auto bwd = op_handle<std::tuple<at::Tensor, at::Tensor>(
        const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&, c10::string_view, c10::string_view,
        c10::string_view, double, bool, bool)>("srgan_cpp::gradient_cosine_loss_backward");
    const auto saved = ctx->get_saved_variables();
    const bool need_sr = ctx->needs_input_grad(0), need_hr = ctx->needs_input_grad(1);
    variable_list out(6);
    if (!grads[0].defined() || !(need_sr || need_hr)) return out;
    auto [gs, gh] = bwd.call(grads[0], saved[0], saved[1], saved[2], ctx->saved_data["op"].toStringRef(),
                             ctx->saved_data["mode"].toStringRef(), ctx->saved_data["reduction"].toStringRef(),
                             ctx->saved_data["eps"].toDouble(), need_sr, need_hr);
    if (need_sr) out[0] = gs;
    if (need_hr) out[1] = gh;
    return out;
  }
};

std::tuple<at::Tensor, at::Tensor> autograd_impl(const at::Tensor& sr, const at::Tensor& hr, c10::string_view op,
                                                 c10::string_view mode, c10::string_view reduction, double eps) {
  auto out = GradientCosineFn::apply(sr, hr, std::string(op), std::string(mode), std::string(reduction), eps);
  return {out[0], out[1]};
}

}  // namespace

TORCH_LIBRARY_IMPL(srgan_cpp, Autograd, m) { m.impl("gradient_cosine_loss", &autograd_impl); }

}  // namespace srgan_cpp::gradient_cosine_detail
