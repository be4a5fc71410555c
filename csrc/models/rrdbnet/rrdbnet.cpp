#include "models/rrdbnet/rrdbnet.h"

#include <ATen/ops/upsample_nearest2d.h>

#include "models/blocks/sr_common.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::models {

namespace {
constexpr double kSlope = 0.2;

at::Tensor nearest_x2(const at::Tensor& x) {
  return at::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2}, 2.0, 2.0);
}
}  // namespace

RRDBNetImpl::RRDBNetImpl(const RRDBNetOptions& o)
    : nn::ModuleWithOptions<RRDBNetOptions>("srgan_cpp::models::RRDBNet", o) {
  TORCH_CHECK_VALUE(o.scale() == 1 || o.scale() == 2 || o.scale() == 4, "RRDBNet: expected `scale` 1, 2 or 4, got ",
                    o.scale());
  TORCH_CHECK_VALUE(o.num_in_ch() > 0 && o.num_out_ch() > 0 && o.num_feat() > 0 && o.num_grow_ch() > 0 &&
                        o.num_block() >= 0,
                    "RRDBNet: expected positive num_in_ch/num_out_ch/num_feat/num_grow_ch and num_block >= 0, got ",
                    o.num_in_ch(), ", ", o.num_out_ch(), ", ", o.num_feat(), ", ", o.num_grow_ch(), ", ",
                    o.num_block());
  const int64_t f = o.num_feat(), u = unshuffle_factor();
  conv_first = register_module("conv_first", conv3x3(o.num_in_ch() * u * u, f));
  body = register_module("body", nn::Repeated<RRDB>());
  for (int64_t i = 0; i < o.num_block(); ++i) body->push_back(RRDB(f, o.num_grow_ch()));
  conv_body = register_module("conv_body", conv3x3(f, f));
  conv_up1 = register_module("conv_up1", conv3x3(f, f));
  conv_up2 = register_module("conv_up2", conv3x3(f, f));
  conv_hr = register_module("conv_hr", conv3x3(f, f));
  conv_last = register_module("conv_last", conv3x3(f, o.num_out_ch()));
}

at::Tensor RRDBNetImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "RRDBNet.forward";
  check_sr_input(input, op, options_.num_in_ch(), conv_first->weight());
  const int64_t u = unshuffle_factor();
  TORCH_CHECK_VALUE(input.size(2) % u == 0 && input.size(3) % u == 0, op, ": with scale ", options_.scale(),
                    " the input is pixel-unshuffled by ", u, ", so its height and width must be divisible by ", u,
                    "; got shape ", input.sizes(), " (pad it, e.g. with reflection, and crop the output)");
  at::Tensor feat = conv_first->forward(u > 1 ? ops::pixel_unshuffle(input, u) : input);
  at::Tensor trunk = feat;
  for (const auto& b : *body) trunk = b->forward(trunk);
  feat = feat + conv_body->forward(trunk);
  const auto leaky = nn::ConvEpilogue::leaky_relu(kSlope);
  feat = nn::conv2d_activated(*conv_up1, nearest_x2(feat), leaky);
  feat = nn::conv2d_activated(*conv_up2, nearest_x2(feat), leaky);
  return conv_last->forward(nn::conv2d_activated(*conv_hr, feat, leaky));
}

}  // namespace srgan_cpp::models
