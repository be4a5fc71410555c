#include "models/pan/pan.h"

#include <ATen/ops/upsample_bilinear2d.h>
#include <ATen/ops/upsample_nearest2d.h>

#include <string>

#include "models/blocks/sr_common.h"

namespace srgan_cpp::models {

PANImpl::PANImpl(const PANOptions& o) : nn::ModuleWithOptions<PANOptions>("srgan_cpp::models::PAN", o) {
  TORCH_CHECK_VALUE(o.scale() >= 2 && o.scale() <= 4, "PAN: expected `scale` 2, 3 or 4, got ", o.scale());
  TORCH_CHECK_VALUE(o.in_nc() > 0 && o.out_nc() > 0 && o.unf() > 0 && o.nb() >= 0,
                    "PAN: expected positive in_nc, out_nc, unf and nb >= 0, got ", o.in_nc(), ", ", o.out_nc(), ", ",
                    o.unf(), ", ", o.nb());
  // The output adds the bilinear-upscaled input, so the channel counts must agree.
  TORCH_CHECK_VALUE(o.in_nc() == o.out_nc(), "PAN: expected `out_nc` == `in_nc` (the output adds the upscaled input), got ",
                    o.out_nc(), " and ", o.in_nc());
  conv_first = register_module("conv_first", conv3x3(o.in_nc(), o.nf()));
  trunk = register_module("SCPA_trunk", nn::Sequence());
  for (int64_t i = 0; i < o.nb(); ++i) blocks.push_back(trunk->push_back(SCPA(o.nf())));
  trunk_conv = register_module("trunk_conv", conv3x3(o.nf(), o.nf()));
  factors = o.scale() == 4 ? std::vector<int64_t>{2, 2} : std::vector<int64_t>{o.scale()};
  for (size_t k = 0; k < factors.size(); ++k) {
    const std::string n = std::to_string(k + 1);
    upconvs.push_back(register_module("upconv" + n, conv3x3(k == 0 ? o.nf() : o.unf(), o.unf())));
    atts.push_back(register_module("att" + n, PixelAttention(PixelAttentionOptions().num_feat(o.unf()))));
    hrconvs.push_back(register_module("HRconv" + n, conv3x3(o.unf(), o.unf())));
  }
  conv_last = register_module("conv_last", conv3x3(o.unf(), o.out_nc()));
}

at::Tensor PANImpl::forward(const at::Tensor& input) {
  check_sr_input(input, "PAN.forward", options_.in_nc(), conv_first->weight());
  constexpr double kSlope = 0.2;
  const at::Tensor fea0 = conv_first->forward(input);
  at::Tensor h = fea0;
  for (const auto& b : blocks) h = b->forward(h);
  at::Tensor fea = trunk_conv->forward(h).add_(fea0);
  for (size_t k = 0; k < factors.size(); ++k) {
    const auto f = static_cast<double>(factors[k]);
    fea = upconvs[k]->forward(
        at::upsample_nearest2d(fea, {fea.size(2) * factors[k], fea.size(3) * factors[k]}, f, f));
    fea = leaky_relu_inplace(atts[k]->forward(fea), kSlope);
    fea = leaky_relu_inplace(hrconvs[k]->forward(fea), kSlope);
  }
  const int64_t s = options_.scale();
  const auto sd = static_cast<double>(s);
  const at::Tensor ilr =
      at::upsample_bilinear2d(input, {input.size(2) * s, input.size(3) * s}, /*align_corners=*/false, sd, sd);
  return conv_last->forward(fea).add_(ilr);
}

}  // namespace srgan_cpp::models
