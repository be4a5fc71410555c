#include "models/edsr/edsr.h"

#include <ATen/ops/tensor.h>

#include "models/blocks/sr_common.h"
#include "nn/activation.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::models {

EDSRImpl::EDSRImpl(const EDSROptions& o) : nn::ModuleWithOptions<EDSROptions>("srgan_cpp::models::EDSR", o) {
  const int64_t s = o.upscale();
  TORCH_CHECK_VALUE(s == 3 || (s > 0 && (s & (s - 1)) == 0), "EDSR: expected `upscale` a power of 2 or 3, got ", s);
  TORCH_CHECK_VALUE(o.num_in_ch() > 0 && o.num_feat() > 0 && o.num_block() >= 0,
                    "EDSR: expected positive num_in_ch/num_feat and num_block >= 0, got ", o.num_in_ch(), ", ",
                    o.num_feat(), ", ", o.num_block());
  TORCH_CHECK_VALUE(o.img_range() > 0, "EDSR: expected `img_range` > 0, got ", o.img_range());
  // The output adds the mean back, so input, output and mean channel counts must agree.
  TORCH_CHECK_VALUE(o.num_out_ch() == o.num_in_ch() && static_cast<int64_t>(o.rgb_mean().size()) == o.num_in_ch(),
                    "EDSR: expected `num_out_ch` == `num_in_ch` == len(`rgb_mean`), got ", o.num_out_ch(), ", ",
                    o.num_in_ch(), ", ", o.rgb_mean().size());
  const int64_t f = o.num_feat();
  // Non-persistent: BasicSR's files have no `mean` key (a plain attribute there).
  register_non_persistent_buffer("mean", at::tensor(o.rgb_mean(), at::kFloat).view({1, o.num_in_ch(), 1, 1}));
  conv_first = register_module("conv_first", conv3x3(o.num_in_ch(), f));
  body = register_module("body", nn::Repeated<ResidualBlockNoBN>());
  for (int64_t i = 0; i < o.num_block(); ++i) {
    body->push_back(ResidualBlockNoBN(f, o.res_scale(), /*basicsr_init=*/false));
  }
  conv_after_body = register_module("conv_after_body", conv3x3(f, f));
  upsample = register_module("upsample", nn::Sequence());
  auto stage = [&](int64_t r) {
    up_convs.push_back(upsample->push_back(conv3x3(f, r * r * f)));
    upsample->push_back(nn::PixelShuffle(r));
    up_factors.push_back(r);
  };
  if (s == 3) {
    stage(3);
  } else {
    for (int64_t k = s; k > 1; k /= 2) stage(2);
  }
  conv_last = register_module("conv_last", conv3x3(f, o.num_out_ch()));
}

at::Tensor EDSRImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "EDSR.forward";
  check_sr_input(input, op, options_.num_in_ch(), conv_first->weight());
  const at::Tensor mean = buffer("mean").to(input.scalar_type());
  const double range = options_.img_range();
  at::Tensor x = conv_first->forward((input - mean) * range);
  at::Tensor res = conv_after_body->forward([&] {
    at::Tensor h = x;
    for (const auto& b : *body) h = b->forward(h);
    return h;
  }());
  res.add_(x);
  for (size_t i = 0; i < up_convs.size(); ++i) {
    res = ops::fused_pixel_shuffle(conv_without_bias(*up_convs[i], res), up_factors[i], up_convs[i]->bias(), "none",
                                   c10::nullopt, 0.0, c10::nullopt);
  }
  return conv_last->forward(res).div_(range).add_(mean);
}

}  // namespace srgan_cpp::models
