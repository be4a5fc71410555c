// Autograd of the RaGAN loss, registered on the Autograd key: saves the logits and their
// means; the backward op computes only the gradients autograd asks for.
#include <torch/library.h>

#include "common/autograd_function.h"
#include "common/op_handle.h"
#include "ops/ragan_loss/ragan_loss_kernels.h"

namespace srgan_cpp::ragan_detail {
namespace {

class RaganFn : public AutogradFunction<RaganFn> {
 public:
  static variable_list forward(AutogradContext* ctx, const at::Tensor& real, const at::Tensor& fake,
                               const std::string& target, const std::string& reduction) {
    static auto fwd = op_handle<std::tuple<at::Tensor, at::Tensor>(
        const at::Tensor&, const at::Tensor&, c10::string_view, c10::string_view)>("srgan_cpp::ragan_loss");
    at::Tensor loss, stats;
    {
      at::AutoDispatchBelowADInplaceOrView guard;
      std::tie(loss, stats) = fwd.call(real, fake, target, reduction);
    }
    ctx->saved_data["target"] = target;
    ctx->saved_data["reduction"] = reduction;
    ctx->save_for_backward({real, fake, stats});
    ctx->mark_non_differentiable({stats});
    return {loss, stats};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    static auto bwd = op_handle<std::tuple<at::Tensor, at::Tensor>(
        const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&, c10::string_view, c10::string_view,
        bool, bool)>("srgan_cpp::ragan_loss_backward");
    const auto saved = ctx->get_saved_variables();
    const bool need_r = ctx->needs_input_grad(0), need_f = ctx->needs_input_grad(1);
    variable_list out(4);
    if (!grads[0].defined() || !(need_r || need_f)) return out;
    auto [gr, gf] = bwd.call(grads[0], saved[0], saved[1], saved[2], ctx->saved_data["target"].toStringRef(),
                             ctx->saved_data["reduction"].toStringRef(), need_r, need_f);
    if (need_r) out[0] = gr;
    if (need_f) out[1] = gf;
    return out;
  }
};

std::tuple<at::Tensor, at::Tensor> autograd_impl(const at::Tensor& real, const at::Tensor& fake,
                                                 c10::string_view target, c10::string_view reduction) {
  auto out = RaganFn::apply(real, fake, std::string(target), std::string(reduction));
  return {out[0], out[1]};
}

}  // namespace

TORCH_LIBRARY_IMPL(srgan_cpp, Autograd, m) { m.impl("ragan_loss", &autograd_impl); }

}  // namespace srgan_cpp::ragan_detail
