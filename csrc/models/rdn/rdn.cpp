#include "models/rdn/rdn.h"

#include <ATen/ops/cat.h>

#include "models/blocks/sr_common.h"
#include "nn/activation.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::models {

RDNImpl::RDNImpl(const RDNOptions& o) : nn::ModuleWithOptions<RDNOptions>("srgan_cpp::models::RDN", o) {
  TORCH_CHECK_VALUE(o.upscale() >= 2 && o.upscale() <= 4, "RDN: expected `upscale` 2, 3 or 4, got ", o.upscale());
  TORCH_CHECK_VALUE(o.num_in_ch() > 0 && o.num_out_ch() > 0 && o.num_features() > 0 && o.num_blocks() > 0 &&
                        o.num_layers() >= 0 && o.growth_rate() > 0,
                    "RDN: expected positive num_in_ch, num_out_ch, num_features, num_blocks, growth_rate and "
                    "num_layers >= 0, got ", o.num_in_ch(), ", ", o.num_out_ch(), ", ", o.num_features(), ", ",
                    o.num_blocks(), ", ", o.growth_rate(), ", ", o.num_layers());
  TORCH_CHECK_VALUE(o.img_range() > 0, "RDN: expected `img_range` > 0, got ", o.img_range());
  const int64_t g0 = o.num_features(), g = o.growth_rate(), r = o.upscale();
  sfe1 = register_module("SFENet1", conv3x3(o.num_in_ch(), g0));
  sfe2 = register_module("SFENet2", conv3x3(g0, g0));
  rdbs = register_module("RDBs", nn::Sequence());
  for (int64_t d = 0; d < o.num_blocks(); ++d) {
    blocks.push_back(rdbs->push_back(RDB(g0, g, o.num_layers())));
  }
  gff = register_module("GFF", nn::Sequence());
  gff_fuse = gff->push_back(nn::Conv2d(nn::Conv2dOptions(o.num_blocks() * g0, g0, 1)));
  gff_conv = gff->push_back(conv3x3(g0, g0));
  upnet = register_module("UPNet", nn::Sequence());
  auto stage = [&](int64_t in, int64_t factor) {
    up_convs.push_back(upnet->push_back(conv3x3(in, g * factor * factor)));
    upnet->push_back(nn::PixelShuffle(factor));
    up_factors.push_back(factor);
  };
  if (r == 4) {
    stage(g0, 2);
    stage(g, 2);
  } else {
    stage(g0, r);
  }
  up_last = upnet->push_back(conv3x3(g, o.num_out_ch()));
}

at::Tensor RDNImpl::forward(const at::Tensor& input) {
  check_sr_input(input, "RDN.forward", options_.num_in_ch(), sfe1->weight());
  const double range = options_.img_range();
  const at::Tensor f1 = sfe1->forward(range == 1.0 ? input : input * range);
  at::Tensor x = sfe2->forward(f1);
  std::vector<at::Tensor> outs;
  outs.reserve(blocks.size());
  for (const auto& b : blocks) {
    x = b->forward(x);
    outs.push_back(x);
  }
  at::Tensor h = gff_conv->forward(gff_fuse->forward(at::cat(outs, 1))).add_(f1);
  for (size_t i = 0; i < up_convs.size(); ++i) {
    h = ops::fused_pixel_shuffle(conv_without_bias(*up_convs[i], h), up_factors[i], up_convs[i]->bias(), "none",
                                 c10::nullopt, 0.0, c10::nullopt);
  }
  at::Tensor out = up_last->forward(h);
  return range == 1.0 ? out : out.div_(range);
}

}  // namespace srgan_cpp::models
