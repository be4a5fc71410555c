#include "models/lapsrn/lapsrn.h"

#include <c10/core/GradMode.h>

#include <cmath>

#include "models/blocks/sr_common.h"

namespace srgan_cpp::models {
namespace {

// The paper's init (He et al., for the leaky ReLU slope): N(0, sqrt(2 / ((1 + a^2) fan_in))).
void he_normal_(const at::Tensor& w, int64_t fan_in, double slope) {
  w.normal_(0.0, std::sqrt(2.0 / ((1.0 + slope * slope) * static_cast<double>(fan_in))));
}

}  // namespace

LapSRNLevelImpl::LapSRNLevelImpl(const LapSRNOptions& o)
    : nn::Module("srgan_cpp::models::LapSRNLevel"), negative_slope_(o.negative_slope()) {
  const int64_t f = o.num_features(), c = o.in_channels();
  body = register_module("body", nn::Sequence());
  for (int64_t i = 0; i < o.depth(); ++i) convs.push_back(body->push_back(conv3x3(f, f)));
  upsample = register_module(
      "upsample", nn::Upsampler(nn::UpsamplerOptions(f, 2).mode(o.upsampler()).activation("leaky_relu").negative_slope(
                      o.negative_slope())));
  to_residual = register_module("to_residual", conv3x3(f, c));
  image_up = register_module("image_up", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(c, c, 4).stride(2).padding(1)));
  c10::AutoGradMode no_grad(false);
  for (const auto& conv : convs) {
    he_normal_(conv->weight(), f * 9, o.negative_slope());
    conv->bias().zero_();
  }
  for (const auto& p : upsample->named_parameters()) {
    if (p.key().size() >= 6 && p.key().compare(p.key().size() - 6, 6, "weight") == 0) {
      he_normal_(p.value(), p.value().size(1) * p.value().size(2) * p.value().size(3), o.negative_slope());
    } else {
      p.value().zero_();
    }
  }
  he_normal_(to_residual->weight(), f * 9, 1.0);
  to_residual->weight().mul_(0.1);  // small residuals at the start: each level starts near bilinear
  to_residual->bias().zero_();
  nn::bilinear_init_(*image_up);
}

std::pair<at::Tensor, at::Tensor> LapSRNLevelImpl::forward(const at::Tensor& features, const at::Tensor& image) const {
  at::Tensor h = features;
  for (const auto& conv : convs) h = leaky_relu_inplace(conv->forward(h), negative_slope_);
  h = upsample->forward(h);
  at::Tensor img = image_up->forward(image).add_(to_residual->forward(h));
  return {h, img};
}

LapSRNImpl::LapSRNImpl(const LapSRNOptions& o) : nn::ModuleWithOptions<LapSRNOptions>("srgan_cpp::models::LapSRN", o) {
  const int64_t s = o.scale();
  TORCH_CHECK_VALUE(s >= 2 && (s & (s - 1)) == 0, "LapSRN: expected `scale` a power of 2 >= 2, got ", s);
  TORCH_CHECK_VALUE(o.in_channels() > 0 && o.num_features() > 0 && o.depth() >= 0,
                    "LapSRN: expected positive in_channels/num_features and depth >= 0, got ", o.in_channels(), ", ",
                    o.num_features(), ", ", o.depth());
  conv_input = register_module("conv_input", conv3x3(o.in_channels(), o.num_features()));
  levels = register_module("levels", nn::Sequence());
  for (int64_t k = s; k > 1; k /= 2) level_list.push_back(levels->push_back(LapSRNLevel(o)));
  c10::AutoGradMode no_grad(false);
  he_normal_(conv_input->weight(), o.in_channels() * 9, o.negative_slope());
  conv_input->bias().zero_();
}

std::vector<at::Tensor> LapSRNImpl::forward_pyramid(const at::Tensor& input) {
  check_sr_input(input, "LapSRN.forward", options_.in_channels(), conv_input->weight());
  at::Tensor h = leaky_relu_inplace(conv_input->forward(input), options_.negative_slope());
  at::Tensor img = input;
  std::vector<at::Tensor> out;
  for (const auto& level : level_list) {
    std::tie(h, img) = level->forward(h, img);
    out.push_back(img);
  }
  return out;
}

at::Tensor LapSRNImpl::forward(const at::Tensor& input) { return forward_pyramid(input).back(); }

}  // namespace srgan_cpp::models
