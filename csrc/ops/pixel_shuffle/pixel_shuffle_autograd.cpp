// Autograd for the pixel-shuffle family, registered on the Autograd key so gradients
// flow from Python and from C++ alike. pixel_shuffle and pixel_unshuffle are each other's
// backward (so double backward works); the fused op has a fused backward op.
#include <torch/library.h>

#include "common/autograd_function.h"
#include "common/op_handle.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::pixel_shuffle_detail {
namespace {

class PixelShuffleFn : public AutogradFunction<PixelShuffleFn> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, int64_t factor, bool upscale) {
    ctx->saved_data["factor"] = factor;
    ctx->saved_data["upscale"] = upscale;
    at::AutoDispatchBelowADInplaceOrView guard;
    return upscale ? ops::pixel_shuffle(input, factor) : ops::pixel_unshuffle(input, factor);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const int64_t factor = ctx->saved_data["factor"].toInt();
    const bool upscale = ctx->saved_data["upscale"].toBool();
    const at::Tensor& g = grads[0];
    return {upscale ? ops::pixel_unshuffle(g, factor) : ops::pixel_shuffle(g, factor), at::Tensor(), at::Tensor()};
  }
};

at::Tensor pixel_shuffle_autograd(const at::Tensor& input, int64_t upscale_factor) {
  return PixelShuffleFn::apply(input, upscale_factor, true);
}

at::Tensor pixel_unshuffle_autograd(const at::Tensor& input, int64_t downscale_factor) {
  return PixelShuffleFn::apply(input, downscale_factor, false);
}

class FusedPixelShuffleFn : public AutogradFunction<FusedPixelShuffleFn> {
 public:
  // Optional tensors stay c10::optional all the way: autograd::Function records them as
  // possibly-absent inputs, where an undefined at::Tensor would not be accepted.
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, int64_t r,
                            const c10::optional<at::Tensor>& bias, const std::string& activation,
                            const c10::optional<at::Tensor>& prelu_weight, double negative_slope,
                            const c10::optional<at::Tensor>& residual) {
    ctx->saved_data["r"] = r;
    ctx->saved_data["activation"] = activation;
    ctx->saved_data["slope"] = negative_slope;
    ctx->saved_data["has_residual"] = residual.has_value() && residual->defined();
    // The backward recomputes the pre-activation from the input, so the output is not kept.
    ctx->save_for_backward({input, bias.value_or(at::Tensor()), prelu_weight.value_or(at::Tensor())});
    at::AutoDispatchBelowADInplaceOrView guard;
    return ops::fused_pixel_shuffle(input, r, bias, activation, prelu_weight, negative_slope, residual);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    static auto bwd = op_handle<std::tuple<at::Tensor, at::Tensor, at::Tensor>(
        const at::Tensor&, const at::Tensor&, int64_t, const c10::optional<at::Tensor>&, c10::string_view,
        const c10::optional<at::Tensor>&, double)>("srgan_cpp::fused_pixel_shuffle_backward");
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &input = saved[0], &bias = saved[1], &weight = saved[2];
    const at::Tensor& g = grads[0];
    const std::string activation = ctx->saved_data["activation"].toStringRef();
    auto [gi, gb, gw] = bwd.call(g, input, ctx->saved_data["r"].toInt(),
                                 bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt, activation,
                                 weight.defined() ? c10::optional<at::Tensor>(weight) : c10::nullopt,
                                 ctx->saved_data["slope"].toDouble());
    if (weight.defined()) gw = gw.view(weight.sizes());
    return {gi,
            at::Tensor(),
            bias.defined() ? gb : at::Tensor(),
            at::Tensor(),
            weight.defined() ? gw : at::Tensor(),
            at::Tensor(),
            ctx->saved_data["has_residual"].toBool() ? g : at::Tensor()};
  }
};

at::Tensor fused_autograd(const at::Tensor& input, int64_t r, const c10::optional<at::Tensor>& bias,
                          c10::string_view activation, const c10::optional<at::Tensor>& prelu_weight,
                          double negative_slope, const c10::optional<at::Tensor>& residual) {
  return FusedPixelShuffleFn::apply(input, r, bias, std::string(activation), prelu_weight, negative_slope, residual);
}

}  // namespace

TORCH_LIBRARY_IMPL(srgan_cpp, Autograd, m) {
  m.impl("pixel_shuffle", &pixel_shuffle_autograd);
  m.impl("pixel_unshuffle", &pixel_unshuffle_autograd);
  m.impl("fused_pixel_shuffle", &fused_autograd);
}

}  // namespace srgan_cpp::pixel_shuffle_detail
