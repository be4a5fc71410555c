#include "models/hetsrwgan/het_residual_block.h"

#include <ATen/ops/full.h>
#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/prelu.h>
#include <ATen/ops/relu.h>

#include "models/blocks/sr_common.h"

namespace srgan_cpp::models {

HetResidualBlockImpl::HetResidualBlockImpl(const HetResidualBlockOptions& o)
    : nn::ModuleWithOptions<HetResidualBlockOptions>("srgan_cpp::models::HetResidualBlock", o) {
  const std::string& act = o.activation();
  TORCH_CHECK_VALUE(act == "relu" || act == "leaky_relu" || act == "prelu",
                    "HetResidualBlock: expected `activation` 'relu', 'leaky_relu' or 'prelu', got '", act, "'");
  auto conv = [&] {
    return nn::HetConv2d(nn::HetConv2dOptions(o.channels(), o.channels(), o.parts()).bias(o.bias()));
  };
  conv1 = register_module("conv1", conv());
  conv2 = register_module("conv2", conv());
  // One PReLU slope per channel, as SRResNet's blocks use.
  if (act == "prelu") register_parameter("prelu_weight", at::full({o.channels()}, o.negative_slope()));
}

at::Tensor HetResidualBlockImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "HetResidualBlock.forward";
  // Under autocast het_conv2d casts to the autocast dtype itself, so only the device must match.
  check_sr_input(input, op, options_.channels(), conv1->weight3x3(), /*allow_autocast=*/true);
  at::Tensor h = conv1->forward(input);
  const std::string& act = options_.activation();
  if (act == "relu") {
    h = at::relu(h);
  } else if (act == "leaky_relu") {
    h = at::leaky_relu(h, options_.negative_slope());
  } else {
    h = at::prelu(h, param("prelu_weight"));
  }
  h = conv2->forward(h);
  if (options_.res_scale() != 1.0) h = h.mul(options_.res_scale());
  return h.add(input);
}

}  // namespace srgan_cpp::models
