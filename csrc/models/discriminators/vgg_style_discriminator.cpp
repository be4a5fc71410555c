#include "models/discriminators/vgg_style_discriminator.h"

#include <algorithm>
#include <string>

#include "models/blocks/sr_common.h"
#include "models/discriminators/discriminator_checks.h"

namespace srgan_cpp::models {

namespace {
constexpr double kSlope = 0.2;
}

VGGStyleDiscriminatorImpl::VGGStyleDiscriminatorImpl(const VGGStyleDiscriminatorOptions& o)
    : nn::ModuleWithOptions<VGGStyleDiscriminatorOptions>("srgan_cpp::models::VGGStyleDiscriminator", o) {
  TORCH_CHECK_VALUE(o.input_size() == 128 || o.input_size() == 256,
                    "VGGStyleDiscriminator: expected `input_size` 128 or 256, got ", o.input_size());
  TORCH_CHECK_VALUE(o.num_in_ch() > 0 && o.num_feat() > 0, "VGGStyleDiscriminator: expected positive `num_in_ch` "
                    "and `num_feat`, got ", o.num_in_ch(), " and ", o.num_feat());
  const int64_t f = o.num_feat();
  conv0_0 = register_module("conv0_0", nn::Conv2d(nn::Conv2dOptions(o.num_in_ch(), f, 3).padding(1)));
  auto add = [&](const std::string& suffix, int64_t in, int64_t out, int64_t k) {
    const int64_t stride = k == 4 ? 2 : 1;
    convs.push_back(register_module(
        "conv" + suffix, nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(1).bias(false))));
    bns.push_back(register_module("bn" + suffix, nn::BatchNorm2d(nn::BatchNorm2dOptions(out))));
  };
  add("0_1", f, f, 4);
  const int64_t stages = o.input_size() == 256 ? 6 : 5;
  int64_t ch = f;
  for (int64_t s = 1; s < stages; ++s) {
    const int64_t out = f * std::min<int64_t>(int64_t{1} << s, 8);  // 2f, 4f, 8f, 8f, 8f
    add(std::to_string(s) + "_0", ch, out, 3);
    add(std::to_string(s) + "_1", out, out, 4);
    ch = out;
  }
  linear1 = register_module("linear1", nn::Linear(f * 8 * 4 * 4, 100));
  linear2 = register_module("linear2", nn::Linear(100, 1));
}

at::Tensor VGGStyleDiscriminatorImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "VGGStyleDiscriminator";
  check_discriminator_input(input, op, options_.num_in_ch(), conv0_0->weight());
  check_fixed_size(input, op, options_.input_size());
  at::Tensor feat = leaky_relu_inplace(conv0_0->forward(input), kSlope);
  for (size_t i = 0; i < convs.size(); ++i) {
    // batch_norm's backward needs its input (the conv output) but not its output, so the
    // activation can overwrite the latter.
    feat = leaky_relu_inplace(bns[i]->forward(convs[i]->forward(feat)), kSlope);
  }
  feat = feat.reshape({feat.size(0), -1});
  feat = leaky_relu_inplace(linear1->forward(feat), kSlope);
  return linear2->forward(feat);
}

}  // namespace srgan_cpp::models
