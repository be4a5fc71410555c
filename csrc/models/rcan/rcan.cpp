#include "models/rcan/rcan.h"

#include <ATen/ops/tensor.h>

#include "models/blocks/sr_common.h"

namespace srgan_cpp::models {

RCANImpl::RCANImpl(const RCANOptions& o) : nn::ModuleWithOptions<RCANOptions>("srgan_cpp::models::RCAN", o) {
  TORCH_CHECK_VALUE(o.num_in_ch() > 0 && o.num_feat() > 0 && o.num_group() >= 0 && o.num_block() >= 0,
                    "RCAN: expected positive num_in_ch/num_feat and num_group, num_block >= 0, got ", o.num_in_ch(),
                    ", ", o.num_feat(), ", ", o.num_group(), ", ", o.num_block());
  TORCH_CHECK_VALUE(o.squeeze_factor() >= 1 && o.squeeze_factor() <= o.num_feat(),
                    "RCAN: expected 1 <= `squeeze_factor` <= num_feat (", o.num_feat(), "), got ", o.squeeze_factor());
  TORCH_CHECK_VALUE(o.img_range() > 0, "RCAN: expected `img_range` > 0, got ", o.img_range());
  // The output adds the mean back, so input, output and mean channel counts must agree.
  TORCH_CHECK_VALUE(o.num_out_ch() == o.num_in_ch() && static_cast<int64_t>(o.rgb_mean().size()) == o.num_in_ch(),
                    "RCAN: expected `num_out_ch` == `num_in_ch` == len(`rgb_mean`), got ", o.num_out_ch(), ", ",
                    o.num_in_ch(), ", ", o.rgb_mean().size());
  const int64_t f = o.num_feat();
  register_non_persistent_buffer("mean", at::tensor(o.rgb_mean(), at::kFloat).view({1, o.num_in_ch(), 1, 1}));
  conv_first = register_module("conv_first", conv3x3(o.num_in_ch(), f));
  body = register_module("body", nn::Sequence());
  for (int64_t i = 0; i < o.num_group(); ++i) {
    groups.push_back(body->push_back(ResidualGroup(f, o.num_block(), o.squeeze_factor(), o.res_scale())));
  }
  conv_after_body = register_module("conv_after_body", conv3x3(f, f));
  upsample = register_module("upsample", BasicSRUpsample(o.upscale(), f, "RCAN"));
  conv_last = register_module("conv_last", conv3x3(f, o.num_out_ch()));
}

at::Tensor RCANImpl::forward(const at::Tensor& input) {
  check_sr_input(input, "RCAN.forward", options_.num_in_ch(), conv_first->weight());
  const at::Tensor mean = buffer("mean").to(input.scalar_type());
  const double range = options_.img_range();
  at::Tensor x = conv_first->forward((input - mean) * range);
  at::Tensor h = x;
  for (const auto& g : groups) h = g->forward(h);
  at::Tensor res = conv_after_body->forward(h).add_(x);
  return conv_last->forward(upsample->forward(res)).div_(range).add_(mean);
}

}  // namespace srgan_cpp::models
