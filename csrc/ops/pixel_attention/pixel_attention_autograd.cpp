// Autograd of the pixel-attention gate, registered on the Autograd key so gradients flow
// from Python and C++ alike. The backward is one fused op (first order only); it recomputes
// the sigmoid from the gate, so nothing but the inputs is saved.
#include <torch/library.h>

#include "common/autograd_function.h"
#include "common/op_handle.h"
#include "ops/pixel_attention/pixel_attention.h"

namespace srgan_cpp::pixel_attention_detail {
namespace {

class PixelAttentionFn : public AutogradFunction<PixelAttentionFn> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& gate,
                            const c10::optional<at::Tensor>& bias) {
    ctx->save_for_backward({input, gate, bias.value_or(at::Tensor())});
    at::AutoDispatchBelowADInplaceOrView guard;
    return ops::pixel_attention(input, gate, bias);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    static auto bwd = op_handle<std::tuple<at::Tensor, at::Tensor, at::Tensor>(
        const at::Tensor&, const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&)>(
        "srgan_cpp::pixel_attention_backward");
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &input = saved[0], &gate = saved[1], &bias = saved[2];
    auto [gi, gg, gb] = bwd.call(grads[0], input, gate, bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt);
    return {gi, gg, bias.defined() ? gb : at::Tensor()};
  }
};

at::Tensor pixel_attention_autograd(const at::Tensor& input, const at::Tensor& gate,
                                    const c10::optional<at::Tensor>& bias) {
  return PixelAttentionFn::apply(input, gate, bias);
}

}  // namespace

TORCH_LIBRARY_IMPL(srgan_cpp, Autograd, m) { m.impl("pixel_attention", &pixel_attention_autograd); }

}  // namespace srgan_cpp::pixel_attention_detail
