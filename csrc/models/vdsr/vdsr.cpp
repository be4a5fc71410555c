#include "models/vdsr/vdsr.h"

#include <c10/core/GradMode.h>

#include <cmath>

#include "models/blocks/sr_common.h"

namespace srgan_cpp::models {
namespace {

nn::Conv2d conv3x3_no_bias(int64_t in, int64_t out) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false));
}

// The paper's (and the reference code's) init: N(0, sqrt(2 / (k * k * out_channels))).
void he_normal_fan_out_(const nn::Conv2dImpl& conv) {
  const auto& w = conv.weight();
  c10::AutoGradMode no_grad(false);
  w.normal_(0.0, std::sqrt(2.0 / static_cast<double>(w.size(0) * w.size(2) * w.size(3))));
}

}  // namespace

VDSRBlockImpl::VDSRBlockImpl(int64_t features) : nn::Module("srgan_cpp::models::VDSRBlock") {
  conv = register_module("conv", conv3x3_no_bias(features, features));
  he_normal_fan_out_(*conv);
}

at::Tensor VDSRBlockImpl::forward(const at::Tensor& input) const { return conv->forward(input).relu_(); }

VDSRImpl::VDSRImpl(const VDSROptions& o) : nn::ModuleWithOptions<VDSROptions>("srgan_cpp::models::VDSR", o) {
  TORCH_CHECK_VALUE(o.in_channels() > 0 && o.num_features() > 0 && o.num_layers() >= 2,
                    "VDSR: expected positive in_channels/num_features and num_layers >= 2, got ", o.in_channels(),
                    ", ", o.num_features(), ", ", o.num_layers());
  input_conv = register_module("input", conv3x3_no_bias(o.in_channels(), o.num_features()));
  residual_layer = register_module("residual_layer", nn::Sequence());
  for (int64_t i = 0; i < o.num_layers() - 2; ++i) blocks.push_back(residual_layer->push_back(VDSRBlock(o.num_features())));
  output_conv = register_module("output", conv3x3_no_bias(o.num_features(), o.in_channels()));
  he_normal_fan_out_(*input_conv);
  he_normal_fan_out_(*output_conv);
}

at::Tensor VDSRImpl::forward(const at::Tensor& input) {
  check_sr_input(input, "VDSR.forward", options_.in_channels(), input_conv->weight());
  at::Tensor x = input_conv->forward(input).relu_();
  for (const auto& b : blocks) x = b->forward(x);
  return output_conv->forward(x).add_(input);
}

}  // namespace srgan_cpp::models
