// Autograd of the LISTA shrinkage op, registered on the Autograd key. Only the output is
// saved (its zeros are the mask; see lista_shrinkage_kernels.h), not the inputs.
#include <torch/library.h>

#include "common/autograd_function.h"
#include "common/op_handle.h"
#include "ops/lista_shrinkage/lista_shrinkage_kernels.h"

namespace srgan_cpp::lista_detail {
namespace {

class ListaShrinkageFn : public AutogradFunction<ListaShrinkageFn> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& threshold,
                            const c10::optional<at::Tensor>& addend) {
    static auto fwd = op_handle<at::Tensor(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&)>(
        "srgan_cpp::lista_shrinkage");
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
    static auto bwd =
        op_handle<std::tuple<at::Tensor, at::Tensor>(const at::Tensor&, const at::Tensor&, const at::Tensor&, bool)>(
            "srgan_cpp::lista_shrinkage_backward");
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
