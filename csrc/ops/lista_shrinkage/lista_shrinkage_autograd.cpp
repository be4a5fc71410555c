// Autograd of the LISTA shrinkage op, registered on the Autograd key. Only the output is
// saved (its zeros are the mask; see lista_shrinkage_kernels.h), not the inputs.
#include <torch/autograd.h>
#include <torch/library.h>

#include "ops/lista_shrinkage/lista_shrinkage_kernels.h"

namespace srgan_cpp::lista_detail {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class ListaShrinkageFn : public torch::autograd::Function<ListaShrinkageFn> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& threshold,
                            const c10::optional<at::Tensor>& addend) {
    static auto fwd = c10::Dispatcher::singleton()
                          .findSchemaOrThrow("srgan_cpp::lista_shrinkage", "")
                          .typed<at::Tensor(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&)>();
    at::Tensor y;
    {
      at::AutoDispatchBelowADInplaceOrView guard;
      y = fwd.call(input, threshold, addend);
    }
    ctx->saved_data["has_addend"] = addend.has_value();
    ctx->save_for_backward({y, threshold});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    static auto bwd = c10::Dispatcher::singleton()
                          .findSchemaOrThrow("srgan_cpp::lista_shrinkage_backward", "")
                          .typed<std::tuple<at::Tensor, at::Tensor>(const at::Tensor&, const at::Tensor&,
                                                                    const at::Tensor&, bool)>();
    const auto saved = ctx->get_saved_variables();
    variable_list out(3);
    if (!grads[0].defined()) return out;
    const bool need_t = ctx->needs_input_grad(1);
    auto [gi, gt] = bwd.call(grads[0], saved[0], saved[1], need_t);
    if (ctx->needs_input_grad(0)) out[0] = gi;
    if (need_t) out[1] = gt;
    if (ctx->saved_data["has_addend"].toBool() && ctx->needs_input_grad(2)) out[2] = gi;
    return out;
  }
};

at::Tensor autograd_impl(const at::Tensor& input, const at::Tensor& threshold, const c10::optional<at::Tensor>& addend) {
  return ListaShrinkageFn::apply(input, threshold, addend);
}

}  // namespace

TORCH_LIBRARY_IMPL(srgan_cpp, Autograd, m) { m.impl("lista_shrinkage", &autograd_impl); }

}  // namespace srgan_cpp::lista_detail
