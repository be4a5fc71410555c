#include "nn/conv_transpose2d.h"

#include <ATen/ops/conv_transpose2d.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>

#include <cmath>

namespace srgan_cpp::nn {

ConvTranspose2dImpl::ConvTranspose2dImpl(const ConvTranspose2dOptions& o)
    : ModuleWithOptions<ConvTranspose2dOptions>("srgan_cpp::nn::ConvTranspose2d", o) {
  TORCH_CHECK_VALUE(o.in_channels() > 0 && o.out_channels() > 0 && o.kernel_size() > 0 && o.stride() > 0 &&
                        o.padding() >= 0 && o.output_padding() >= 0 && o.output_padding() < o.stride(),
                    "ConvTranspose2d: expected positive channels, kernel_size and stride, padding >= 0 and "
                    "0 <= output_padding < stride, got in=", o.in_channels(), " out=", o.out_channels(),
                    " kernel_size=", o.kernel_size(), " stride=", o.stride(), " padding=", o.padding(),
                    " output_padding=", o.output_padding());
  const int64_t k = o.kernel_size();
  auto w = at::empty({o.in_channels(), o.out_channels(), k, k});
  // PyTorch's default: fan_in is computed from weight.size(1) (out_channels) * k * k for a
  // transposed conv's (in, out, k, k) weight; U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  const double bound = 1.0 / std::sqrt(static_cast<double>(o.out_channels() * k * k));
  w.uniform_(-bound, bound);
  register_parameter("weight", w);
  if (o.bias()) register_parameter("bias", at::empty({o.out_channels()}).uniform_(-bound, bound));
}

at::Tensor ConvTranspose2dImpl::forward(const at::Tensor& input) const {
  const auto& o = options_;
  return at::conv_transpose2d(input, weight(), bias(), {o.stride(), o.stride()}, {o.padding(), o.padding()},
                              {o.output_padding(), o.output_padding()});
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
    for (int64_t j = 0; j < k; ++j)
      acc[i][j] = (1.0 - std::fabs(i / f - c)) * (1.0 - std::fabs(j / f - c));
  c10::AutoGradMode no_grad(false);
  at::Tensor w = at::zeros(conv.weight().sizes(), at::kDouble);
  for (int64_t ch = 0; ch < o.in_channels(); ++ch) w[ch][ch].copy_(filt);
  conv.weight().copy_(w);
  if (conv.bias().defined()) conv.bias().zero_();
}

}  // namespace srgan_cpp::nn
