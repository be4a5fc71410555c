#pragma once
// The heterogeneous kernel-based residual block of HetSRWGAN (Huang et al., PRICAI 2021):
//   y = x + res_scale * HetConv(act(HetConv(x)))
// with no batch norm and an identity skip, so it drops in where an SRResNet/EDSR residual
// block (conv3x3 -> act -> conv3x3 + skip) sits, at a fraction of the FLOPs.
#include <torch/nn/pimpl.h>

#include <string>

#include "nn/het_conv2d.h"
#include "nn/module.h"
#include "nn/options.h"

namespace srgan_cpp::models {

struct HetResidualBlockOptions {
  TORCH_ARG(int64_t, channels) = 64;
  TORCH_ARG(int64_t, parts) = 4;                 // HetConv P (divides channels)
  TORCH_ARG(std::string, activation) = "relu";   // "relu" | "leaky_relu" | "prelu"
  TORCH_ARG(double, negative_slope) = 0.2;       // leaky_relu slope; initial PReLU slope
  TORCH_ARG(double, res_scale) = 1.0;            // EDSR-style residual scaling (e.g. 0.1 for deep nets)
  TORCH_ARG(bool, bias) = true;
  SRGAN_CPP_OPTIONS(channels, parts, activation, negative_slope, res_scale, bias);
};

class HetResidualBlockImpl : public nn::ModuleWithOptions<HetResidualBlockOptions> {
 public:
  explicit HetResidualBlockImpl(const HetResidualBlockOptions& options = {});
  // (N, channels, H, W) -> (N, channels, H, W), any value range.
  at::Tensor forward(const at::Tensor& input);

  nn::HetConv2d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(HetResidualBlock);

}  // namespace srgan_cpp::models
