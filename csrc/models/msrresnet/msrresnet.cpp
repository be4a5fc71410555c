#include "models/msrresnet/msrresnet.h"

#include <ATen/ops/upsample_bilinear2d.h>

#include "models/blocks/sr_common.h"
#include "nn/init.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::models {

namespace {
constexpr double kSlope = 0.1;  // BasicSR's MSRResNet uses LeakyReLU(0.1)
}

MSRResNetImpl::MSRResNetImpl(const MSRResNetOptions& o)
    : nn::ModuleWithOptions<MSRResNetOptions>("srgan_cpp::models::MSRResNet", o) {
  TORCH_CHECK_VALUE(o.upscale() == 2 || o.upscale() == 3 || o.upscale() == 4,
                    "MSRResNet: expected `upscale` 2, 3 or 4, got ", o.upscale());
  TORCH_CHECK_VALUE(o.num_in_ch() > 0 && o.num_feat() > 0 && o.num_block() >= 0,
                    "MSRResNet: expected positive num_in_ch/num_feat and num_block >= 0, got ", o.num_in_ch(), ", ",
                    o.num_feat(), ", ", o.num_block());
  // The global skip adds the upsampled input to the output, so the channel counts must agree.
  TORCH_CHECK_VALUE(o.num_out_ch() == o.num_in_ch(), "MSRResNet: the bilinear skip needs `num_out_ch` == "
                    "`num_in_ch`, got ", o.num_out_ch(), " and ", o.num_in_ch());
  const int64_t f = o.num_feat();
  conv_first = register_module("conv_first", conv3x3(o.num_in_ch(), f));
  body = register_module("body", nn::Repeated<ResidualBlockNoBN>());
  for (int64_t i = 0; i < o.num_block(); ++i) body->push_back(ResidualBlockNoBN(f, 1.0, true));
  const int64_t r1 = o.upscale() == 4 ? 2 : o.upscale();
  upconv1 = register_module("upconv1", conv3x3(f, f * r1 * r1));
  if (o.upscale() == 4) upconv2 = register_module("upconv2", conv3x3(f, f * 4));
  conv_hr = register_module("conv_hr", conv3x3(f, f));
  conv_last = register_module("conv_last", conv3x3(f, o.num_out_ch()));
  // BasicSR: default_init_weights([conv_first, upconv1, conv_hr, conv_last], 0.1); upconv2 keeps
  // PyTorch's default.
  for (auto* c : {&conv_first, &upconv1, &conv_hr, &conv_last}) nn::scaled_kaiming_normal_(**c, 0.1);
}

at::Tensor MSRResNetImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "MSRResNet.forward";
  check_sr_input(input, op, options_.num_in_ch(), conv_first->weight());
  at::Tensor out = leaky_relu_inplace(conv_first->forward(input), kSlope);
  for (const auto& b : *body) out = b->forward(out);
  // conv (bias folded into the shuffle) -> pixel shuffle -> LeakyReLU in one fused op.
  auto up = [&](const nn::Conv2d& conv, int64_t r) {
    return ops::fused_pixel_shuffle(conv_without_bias(*conv, out), r, conv->bias(), "leaky_relu", c10::nullopt,
                                    kSlope, c10::nullopt);
  };
  if (options_.upscale() == 4) {
    out = up(upconv1, 2);
    out = up(upconv2, 2);
  } else {
    out = up(upconv1, options_.upscale());
  }
  out = conv_last->forward(leaky_relu_inplace(conv_hr->forward(out), kSlope));
  const double s = static_cast<double>(options_.upscale());
  // F.interpolate(x, scale_factor=s, mode="bilinear", align_corners=False) passes the scale on.
  const at::Tensor base = at::upsample_bilinear2d(
      input, {input.size(2) * options_.upscale(), input.size(3) * options_.upscale()}, false, s, s);
  return out.add_(base);
}

}  // namespace srgan_cpp::models
