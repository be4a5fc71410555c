#include "nn/conv2d.h"

#include <ATen/ops/conv2d.h>
#include <ATen/ops/conv_transpose2d.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>

#include <cmath>

#include "nn/prelu_inplace.h"

namespace srgan_cpp::nn {

void check_conv_options(const ConvOptions& o, const char* layer, bool transposed) {
  TORCH_CHECK_VALUE(
      o.in_channels() > 0 && o.out_channels() > 0 && o.kernel_size() > 0 && o.stride() > 0 && o.padding() >= 0, layer,
      ": expected positive channels, kernel_size and stride and padding >= 0, got in=", o.in_channels(),
      " out=", o.out_channels(), " kernel_size=", o.kernel_size(), " stride=", o.stride(), " padding=", o.padding());
  if (transposed) {
    TORCH_CHECK_VALUE(o.output_padding() >= 0 && o.output_padding() < o.stride(), layer,
                      ": expected 0 <= output_padding < stride, got output_padding=", o.output_padding(),
                      " stride=", o.stride());
  } else {
    TORCH_CHECK_VALUE(o.output_padding() == 0, layer, ": output_padding is for transposed convolutions, got ",
                      o.output_padding());
  }
}

bool takes_winograd(const ConvOptions& o) { return o.kernel_size() == 3 && o.stride() == 1 && o.padding() == 1; }

template <bool Transposed>
ConvImpl<Transposed>::ConvImpl(const ConvOptions& o)
    : ModuleWithOptions<ConvOptions>(Transposed ? "srgan_cpp::nn::ConvTranspose2d" : "srgan_cpp::nn::Conv2d", o) {
  check_conv_options(o, Transposed ? "ConvTranspose2d" : "Conv2d", Transposed);
  const int64_t k = o.kernel_size();
  auto w = Transposed ? at::empty({o.in_channels(), o.out_channels(), k, k})
                      : at::empty({o.out_channels(), o.in_channels(), k, k});
  // PyTorch's default (kaiming_uniform with a = sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
  // fan_in read from the weight's dim 1: in_channels * k * k, or out_channels * k * k for a
  // transposed conv's (in, out, k, k) weight.
  const double bound = 1.0 / std::sqrt(static_cast<double>(w.size(1) * k * k));
  w.uniform_(-bound, bound);
  register_parameter("weight", w);
  if (o.bias()) register_parameter("bias", at::empty({o.out_channels()}).uniform_(-bound, bound));
}

template <bool Transposed>
at::Tensor ConvImpl<Transposed>::forward(const at::Tensor& input) const {
  const auto& o = options_;
  if constexpr (Transposed) {
    return at::conv_transpose2d(input, weight(), bias(), {o.stride(), o.stride()}, {o.padding(), o.padding()},
                                {o.output_padding(), o.output_padding()});
  } else {
    return conv2d_activated(*this, input, {});
  }
}

template class ConvImpl<false>;
template class ConvImpl<true>;

at::Tensor conv2d_activated(const Conv2dImpl& conv, const at::Tensor& input, const ConvEpilogue& epilogue,
                            bool with_bias) {
  const auto& o = conv.options();
  const at::Tensor bias = with_bias ? conv.bias() : at::Tensor();
  if (takes_winograd(o) && winograd_conv3x3_applies(input, conv.weight(), bias, epilogue)) {
    return winograd_conv3x3(input, conv.weight(), bias, epilogue);
  }
  at::Tensor y = at::conv2d(input, conv.weight(), bias, {o.stride(), o.stride()}, {o.padding(), o.padding()});
  switch (epilogue.kind) {
    case ConvEpilogue::Kind::kLeakyRelu:
      return at::leaky_relu_(y, epilogue.negative_slope);
    case ConvEpilogue::Kind::kPRelu:
      return prelu_inference_(y, epilogue.prelu_weight);
    default:
      return y;
  }
}

void bilinear_init_(ConvTranspose2dImpl& conv) {
  const auto& o = conv.options();
  TORCH_CHECK_VALUE(o.in_channels() == o.out_channels(), "bilinear_init_: expected in_channels == out_channels, got ",
                    o.in_channels(), " and ", o.out_channels());
  const int64_t k = o.kernel_size();
  // The classic FCN/LapSRN filter: f = ceil(k / 2), centre c = (2f - 1 - f % 2) / (2f).
  const double f = std::ceil(static_cast<double>(k) / 2.0);
  const double c = (2.0 * f - 1.0 - std::fmod(f, 2.0)) / (2.0 * f);
  auto filt = at::empty({k, k}, at::kDouble);
  auto acc = filt.accessor<double, 2>();
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j) acc[i][j] = (1.0 - std::fabs(i / f - c)) * (1.0 - std::fabs(j / f - c));
  c10::AutoGradMode no_grad(false);
  at::Tensor w = at::zeros(conv.weight().sizes(), at::kDouble);
  for (int64_t ch = 0; ch < o.in_channels(); ++ch) w[ch][ch].copy_(filt);
  conv.weight().copy_(w);
  if (conv.bias().defined()) conv.bias().zero_();
}

}  // namespace srgan_cpp::nn
