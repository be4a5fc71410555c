#include "models/discriminators/vgg_discriminator96.h"

#include "models/blocks/sr_common.h"
#include "models/discriminators/discriminator_checks.h"
#include "nn/activation.h"
#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"

namespace srgan_cpp::models {

namespace {
constexpr double kSlope = 0.2;
constexpr int64_t kSize = 96;
}  // namespace

VGGDiscriminator96Impl::VGGDiscriminator96Impl(const VGGDiscriminator96Options& o)
    : nn::ModuleWithOptions<VGGDiscriminator96Options>("srgan_cpp::models::VGGDiscriminator96", o) {
  TORCH_CHECK_VALUE(o.in_nc() > 0 && o.base_nc() > 0, "VGGDiscriminator96: expected positive `in_nc` and `base_nc`, "
                    "got ", o.in_nc(), " and ", o.base_nc());
  // An optional batch norm then one activation: the in-place activation may then overwrite
  // its input (a conv or batch-norm output, which their backward does not need).
  const std::string& ac = o.ac_type();
  const std::string act = ac.size() == 2 && ac[0] == 'B' ? ac.substr(1) : ac;
  TORCH_CHECK_VALUE(act == "L" || act == "l" || act == "R" || act == "r", "VGGDiscriminator96: expected `ac_type` "
                    "'BL' (KAIR's default), 'BR', 'L' or 'R' (B: batch norm, L: LeakyReLU(0.2), R: ReLU), got '", ac,
                    "'");
  features = register_module("features", nn::Sequence());
  const int64_t b = o.base_nc();
  nn::Conv2d first = features->push_back(nn::Conv2d(nn::Conv2dOptions(o.in_nc(), b, 3).padding(1)));
  layers_.emplace_back([first](const at::Tensor& x) { return first->forward(x); });
  // (out channels, kernel) of the nine conv + ac_type groups; 4x4 convs have stride 2.
  const int64_t spec[9][2] = {{b, 4},     {2 * b, 3}, {2 * b, 4}, {4 * b, 3}, {4 * b, 4},
                              {8 * b, 3}, {8 * b, 4}, {8 * b, 3}, {8 * b, 4}};
  int64_t ch = b;
  for (const auto& s : spec) {
    const int64_t out = s[0], k = s[1];
    nn::Conv2d conv = features->push_back(nn::Conv2d(nn::Conv2dOptions(ch, out, k).stride(k == 4 ? 2 : 1).padding(1)));
    layers_.emplace_back([conv](const at::Tensor& x) { return conv->forward(x); });
    for (char c : o.ac_type()) {
      if (c == 'B') {
        // KAIR's basicblock.conv uses BatchNorm2d(momentum=0.9, eps=1e-4).
        nn::BatchNorm2d bn = features->push_back(nn::BatchNorm2d(nn::BatchNorm2dOptions(out).momentum(0.9).eps(1e-4)));
        layers_.emplace_back([bn](const at::Tensor& x) { return bn->forward(x); });
      } else {
        const bool leaky = c == 'L' || c == 'l';
        features->push_back(nn::Activation(leaky ? "leaky_relu" : "relu", kSlope));
        layers_.emplace_back([leaky](const at::Tensor& x) {
          return leaky ? leaky_relu_inplace(x, kSlope) : x.relu_();
        });
      }
    }
    ch = out;
  }
  classifier = register_module("classifier", nn::Sequence());
  linear0 = classifier->push_back(nn::Linear(8 * b * 3 * 3, 100));
  classifier->push_back(nn::Activation("leaky_relu", kSlope));
  linear1 = classifier->push_back(nn::Linear(100, 1));
}

at::Tensor VGGDiscriminator96Impl::forward(const at::Tensor& input) {
  constexpr const char* op = "VGGDiscriminator96";
  const nn::Conv2dImpl& first = static_cast<const nn::Conv2dImpl&>(*(*features)[0]);
  check_discriminator_input(input, op, options_.in_nc(), first.weight());
  check_fixed_size(input, op, kSize);
  at::Tensor x = input;
  for (const auto& layer : layers_) x = layer(x);
  x = x.reshape({x.size(0), -1});
  x = leaky_relu_inplace(linear0->forward(x), kSlope);
  return linear1->forward(x);
}

}  // namespace srgan_cpp::models
