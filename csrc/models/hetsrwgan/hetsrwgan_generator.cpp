#include "models/hetsrwgan/hetsrwgan_generator.h"

#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/relu.h>

#include "models/blocks/sr_common.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::models {

HetSRWGANGeneratorImpl::HetSRWGANGeneratorImpl(const HetSRWGANGeneratorOptions& o)
    : nn::ModuleWithOptions<HetSRWGANGeneratorOptions>("srgan_cpp::models::HetSRWGANGenerator", o) {
  const std::string& act = o.act();
  TORCH_CHECK_VALUE(act == "prelu" || act == "leaky_relu" || act == "relu",
                    "HetSRWGANGenerator: expected `act` 'prelu', 'leaky_relu' or 'relu', got '", act, "'");
  TORCH_CHECK_VALUE(o.upscale() == 2 || o.upscale() == 3 || o.upscale() == 4,
                    "HetSRWGANGenerator: expected `upscale` 2, 3 or 4, got ", o.upscale());
  TORCH_CHECK_VALUE(o.num_in_ch() > 0 && o.num_out_ch() > 0, "HetSRWGANGenerator: expected positive `num_in_ch` "
                    "and `num_out_ch`, got ", o.num_in_ch(), " and ", o.num_out_ch());
  TORCH_CHECK_VALUE(o.num_block() >= 0, "HetSRWGANGenerator: expected `num_block` >= 0, got ", o.num_block());
  TORCH_CHECK_VALUE(o.num_feat() > 0 && o.parts() > 0 && o.num_feat() % o.parts() == 0,
                    "HetSRWGANGenerator: expected positive `num_feat` divisible by `parts`, got num_feat=",
                    o.num_feat(), " parts=", o.parts());
  const int64_t f = o.num_feat();
  const bool prelu = act == "prelu";
  // Registration order = state_dict order: conv_first, act_first, body, conv_body, upconv1, ...
  conv_first = register_module("conv_first", conv3x3(o.num_in_ch(), f));
  // One slope per channel (as SRVGGNetCompact): the fused pixel-shuffle op takes them as is.
  if (prelu) act_first = register_module("act_first", nn::PReLU(f, o.negative_slope()));
  body = register_module("body", nn::Repeated<HetResidualBlock>());
  for (int64_t i = 0; i < o.num_block(); ++i) {
    body->push_back(HetResidualBlock(HetResidualBlockOptions()
                                         .channels(f)
                                         .parts(o.parts())
                                         .activation(act)
                                         .negative_slope(o.negative_slope())
                                         .res_scale(o.res_scale())));
  }
  conv_body = register_module("conv_body", conv3x3(f, f));
  const int64_t r1 = o.upscale() == 4 ? 2 : o.upscale();
  upconv1 = register_module("upconv1", conv3x3(f, f * r1 * r1));
  if (prelu) act_up1 = register_module("act_up1", nn::PReLU(f, o.negative_slope()));
  if (o.upscale() == 4) {
    upconv2 = register_module("upconv2", conv3x3(f, f * 4));
    if (prelu) act_up2 = register_module("act_up2", nn::PReLU(f, o.negative_slope()));
  }
  conv_last = register_module("conv_last", conv3x3(f, o.num_out_ch()));
}

at::Tensor HetSRWGANGeneratorImpl::activate(const at::Tensor& x, const nn::PReLU& prelu) const {
  const std::string& act = options_.act();
  if (act == "prelu") return prelu->forward(x);
  if (act == "relu") return at::relu(x);
  return at::leaky_relu(x, options_.negative_slope());
}

at::Tensor HetSRWGANGeneratorImpl::upsample(const at::Tensor& x, const nn::Conv2d& conv, const nn::PReLU& prelu,
                                            int64_t r) const {
  // conv (bias folded into the shuffle) -> pixel shuffle -> activation in one fused op.
  const std::string& act = options_.act();
  c10::optional<at::Tensor> slopes;
  if (act == "prelu") slopes = prelu->weight();
  return ops::fused_pixel_shuffle(conv_without_bias(*conv, x), r, conv->bias(), act, slopes,
                                  options_.negative_slope(), c10::nullopt);
}

at::Tensor HetSRWGANGeneratorImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "HetSRWGANGenerator.forward";
  check_sr_input(input, op, options_.num_in_ch(), conv_first->weight());
  const at::Tensor fea = activate(conv_first->forward(input), act_first);
  at::Tensor out = fea;
  for (auto& b : *body) out = b->forward(out);
  out = conv_body->forward(out).add_(fea);
  if (options_.upscale() == 4) {
    out = upsample(out, upconv1, act_up1, 2);
    out = upsample(out, upconv2, act_up2, 2);
  } else {
    out = upsample(out, upconv1, act_up1, options_.upscale());
  }
  return conv_last->forward(out);
}

}  // namespace srgan_cpp::models
