// Autograd of the channel-attention op, registered on the Autograd key so gradients flow
// from Python and C++ alike. The backward is one fused op (first order only); it recomputes
// the per-sample gate from the input, so nothing but the inputs is saved.
#include <torch/library.h>

#include "common/autograd_function.h"
#include "common/op_handle.h"
#include "ops/channel_attention/channel_attention.h"

namespace srgan_cpp::channel_attention_detail {
namespace {

c10::optional<at::Tensor> optional_of(const at::Tensor& t) {
  return t.defined() ? c10::optional<at::Tensor>(t) : c10::nullopt;
}

class ChannelAttentionFn : public AutogradFunction<ChannelAttentionFn> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& w1,
                            const c10::optional<at::Tensor>& b1, const at::Tensor& w2,
                            const c10::optional<at::Tensor>& b2) {
    ctx->save_for_backward({input, w1, b1.value_or(at::Tensor()), w2, b2.value_or(at::Tensor())});
    at::AutoDispatchBelowADInplaceOrView guard;
    return ops::channel_attention(input, w1, b1, w2, b2);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    static auto bwd = op_handle<std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor>(
        const at::Tensor&, const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&, const at::Tensor&,
        const c10::optional<at::Tensor>&)>("srgan_cpp::channel_attention_backward");
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &input = saved[0], &w1 = saved[1], &b1 = saved[2], &w2 = saved[3], &b2 = saved[4];
    auto [gi, gw1, gb1, gw2, gb2] = bwd.call(grads[0], input, w1, optional_of(b1), w2, optional_of(b2));
    return {gi, gw1, b1.defined() ? gb1 : at::Tensor(), gw2, b2.defined() ? gb2 : at::Tensor()};
  }
};

at::Tensor channel_attention_autograd(const at::Tensor& input, const at::Tensor& w1, const c10::optional<at::Tensor>& b1,
                                      const at::Tensor& w2, const c10::optional<at::Tensor>& b2) {
  return ChannelAttentionFn::apply(input, w1, b1, w2, b2);
}

}  // namespace

TORCH_LIBRARY_IMPL(srgan_cpp, Autograd, m) { m.impl("channel_attention", &channel_attention_autograd); }

}  // namespace srgan_cpp::channel_attention_detail
