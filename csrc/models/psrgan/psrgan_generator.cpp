#include "models/psrgan/psrgan_generator.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/upsample_nearest2d.h>

#include "models/blocks/sr_common.h"
#include "nn/activation.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::models {

namespace {
constexpr double kSlope = 0.2;  // the PSRGAN code's B.conv LeakyReLU slope ("L")
constexpr int64_t kMinSize = 13;  // ESA: 7x7 max pool on the stride-2 map

std::string act_kind(const std::string& act_mode) { return act_mode == "R" ? "relu" : "leaky_relu"; }
}  // namespace

PSRGANResBlockImpl::PSRGANResBlockImpl(int64_t c, const std::string& act)
    : nn::Module("srgan_cpp::models::PSRGANResBlock"), act_(act) {
  res = register_module("res", nn::Sequence());
  dw1 = res->push_back(DepthwiseConv2d(c, 3));
  pw1 = res->push_back(nn::Conv2d(nn::Conv2dOptions(c, c, 1)));
  res->push_back(nn::Activation(act, kSlope));  // parameter-free: keeps the indices 3, 4
  dw2 = res->push_back(DepthwiseConv2d(c, 3));
  pw2 = res->push_back(nn::Conv2d(nn::Conv2dOptions(c, c, 1)));
}

at::Tensor PSRGANResBlockImpl::forward(const at::Tensor& input) const {
  at::Tensor h = pw1->forward(dw1->forward(input));
  h = act_ == "relu" ? at::relu(h) : at::leaky_relu(h, kSlope);
  return pw2->forward(dw2->forward(h)).add_(input);
}

PSRGANGeneratorImpl::PSRGANGeneratorImpl(const PSRGANGeneratorOptions& o)
    : nn::ModuleWithOptions<PSRGANGeneratorOptions>("srgan_cpp::models::PSRGANGenerator", o) {
  TORCH_CHECK_VALUE(o.act_mode() == "R" || o.act_mode() == "L",
                    "PSRGANGenerator: expected `act_mode` 'R' (ReLU) or 'L' (LeakyReLU), got '", o.act_mode(), "'");
  TORCH_CHECK_VALUE(o.upsample_mode() == "upconv" || o.upsample_mode() == "pixelshuffle",
                    "PSRGANGenerator: expected `upsample_mode` 'upconv' or 'pixelshuffle', got '",
                    o.upsample_mode(), "'");
  TORCH_CHECK_VALUE(o.upscale() == 2 || o.upscale() == 3 || o.upscale() == 4,
                    "PSRGANGenerator: expected `upscale` 2, 3 or 4, got ", o.upscale());
  TORCH_CHECK_VALUE(o.in_nc() > 0 && o.out_nc() > 0, "PSRGANGenerator: expected positive `in_nc` and `out_nc`, got ",
                    o.in_nc(), " and ", o.out_nc());
  // nc % 4: ESA works on nc/4 channels and KDB concatenates 4 x nc/2 back into 2nc for copress.
  TORCH_CHECK_VALUE(o.nc() >= 4 && o.nc() % 4 == 0, "PSRGANGenerator: expected `nc` a positive multiple of 4, got ",
                    o.nc());
  // With nb = 0 the PSRGAN code's body would be a bare conv (keys body.sub.weight), a
  // different layout; every released configuration has blocks.
  TORCH_CHECK_VALUE(o.nb() >= 1, "PSRGANGenerator: expected `nb` >= 1, got ", o.nb());
  const int64_t nc = o.nc();
  const std::string act = act_kind(o.act_mode());
  // Registration order = the PSRGAN code's state_dict order: KD, head, body, tail, copress.
  kd = register_module("KD", KDB(nc));
  head = register_module("head", conv3x3(o.in_nc(), nc));
  body = register_module("body", std::make_shared<nn::Module>("srgan_cpp::models::ShortcutBlock"));
  body_sub = body->register_module("sub", nn::Repeated<PSRGANResBlock>());
  for (int64_t i = 0; i < o.nb(); ++i) body_sub->push_back(PSRGANResBlock(nc, act));
  body_conv = body_sub->push_back_other(conv3x3(nc, nc));
  // The PSRGAN tail is one flattened nn.Sequential; parameter-free layers (Upsample,
  // PixelShuffle, activations) get parameter-free stand-in modules here so the conv indices match.
  tail = register_module("tail", nn::Sequence());
  const bool upconv = o.upsample_mode() == "upconv";
  const int64_t stages = o.upscale() == 4 ? 2 : 1;
  const int64_t r = o.upscale() == 4 ? 2 : o.upscale();
  for (int64_t s = 0; s < stages; ++s) {
    if (upconv) {
      tail->push_back(nn::Activation("identity"));  // nn.Upsample(scale_factor=r, mode="nearest")
      upconvs.push_back(tail->push_back(conv3x3(nc, nc)));
    } else {
      upconvs.push_back(tail->push_back(conv3x3(nc, nc * r * r)));
      tail->push_back(nn::PixelShuffle(r));
    }
    tail->push_back(nn::Activation(act, kSlope));
  }
  conv_hr = tail->push_back(conv3x3(nc, nc));
  tail->push_back(nn::Activation(act, kSlope));
  conv_last = tail->push_back(nn::Conv2d(nn::Conv2dOptions(nc, o.out_nc(), 3).padding(1).bias(false)));
  copress = register_module("copress", nn::Conv2d(nn::Conv2dOptions(2 * nc, nc, 1)));
}

at::Tensor PSRGANGeneratorImpl::activate(at::Tensor x) const {
  // Applied to fresh conv outputs only, whose backward does not need them: in place is safe.
  if (options_.act_mode() == "R") return x.relu_();
  return leaky_relu_inplace(x, kSlope);
}

at::Tensor PSRGANGeneratorImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "PSRGANGenerator.forward";
  check_sr_input(input, op, options_.in_nc(), head->weight());
  TORCH_CHECK_VALUE(input.size(2) >= kMinSize && input.size(3) >= kMinSize, op,
                    ": expected `input` H and W >= ", kMinSize,
                    " (the distillation branch's ESA max-pools 7x7 at half resolution), got shape ", input.sizes());
  const at::Tensor h = head->forward(input);
  const at::Tensor kd_out = kd->forward(h);
  at::Tensor main = h;
  for (const auto& b : *body_sub) main = b->forward(main);
  main = body_conv->forward(main).add_(h);
  at::Tensor out = copress->forward(at::cat({kd_out, main}, 1));
  const int64_t r = options_.upscale() == 4 ? 2 : options_.upscale();
  const std::string kind = act_kind(options_.act_mode());
  for (const auto& conv : upconvs) {
    if (options_.upsample_mode() == "upconv") {
      const double s = static_cast<double>(r);
      out = at::upsample_nearest2d(out, {out.size(2) * r, out.size(3) * r}, s, s);
      out = activate(conv->forward(out));
    } else {
      // conv (bias folded into the shuffle) -> pixel shuffle -> activation in one fused op.
      out = ops::fused_pixel_shuffle(conv_without_bias(*conv, out), r, conv->bias(), kind, c10::nullopt, kSlope,
                                     c10::nullopt);
    }
  }
  return conv_last->forward(activate(conv_hr->forward(out)));
}

}  // namespace srgan_cpp::models
