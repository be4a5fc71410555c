#pragma once
// HetSRWGAN's generator (Huang et al., PRICAI 2021). The paper publishes no code; it
// describes an SRResNet-like generator whose residual blocks are heterogeneous-kernel
// (HetConv) blocks. The layout chosen here is SRResNet's without batch norm (see
// docs/s3-issue5b.md for why):
//   fea = act(conv_first(x))
//   out = conv_body(HetResidualBlock x num_block (fea)) + fea          (global feature skip)
//   out = act(pixel_shuffle(upconv(out)))   once (x2, x3) or twice (x4), one fused op each
//   y   = conv_last(out)
// State-dict keys: conv_first, [act_first.weight], body.N.{conv1,conv2}.{weight3x3,
// weight1x1,bias}[, body.N.prelu_weight], conv_body, upconv1, [act_up1.weight], upconv2 and
// [act_up2.weight] (x4 only), conv_last.
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "models/hetsrwgan/het_residual_block.h"
#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/prelu.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct HetSRWGANGeneratorOptions {
  TORCH_ARG(int64_t, num_in_ch) = 3;
  TORCH_ARG(int64_t, num_out_ch) = 3;
  TORCH_ARG(int64_t, num_feat) = 64;
  TORCH_ARG(int64_t, num_block) = 16;
  TORCH_ARG(int64_t, parts) = 4;                 // HetConv P of every block (divides num_feat)
  TORCH_ARG(int64_t, upscale) = 4;               // 2, 3 or 4
  TORCH_ARG(std::string, act) = "prelu";         // "prelu" | "leaky_relu" | "relu"
  TORCH_ARG(double, negative_slope) = 0.2;       // leaky_relu slope; initial PReLU slopes
  TORCH_ARG(double, res_scale) = 1.0;            // residual scaling inside every block
  SRGAN_CPP_OPTIONS(num_in_ch, num_out_ch, num_feat, num_block, parts, upscale, act, negative_slope, res_scale);
};

class HetSRWGANGeneratorImpl : public nn::ModuleWithOptions<HetSRWGANGeneratorOptions> {
 public:
  explicit HetSRWGANGeneratorImpl(const HetSRWGANGeneratorOptions& options = {});
  // (N, num_in_ch, H, W), any H, W >= 1 -> (N, num_out_ch, H*upscale, W*upscale).
  at::Tensor forward(const at::Tensor& input);

  nn::Conv2d conv_first{nullptr}, conv_body{nullptr}, upconv1{nullptr}, upconv2{nullptr}, conv_last{nullptr};
  nn::PReLU act_first{nullptr}, act_up1{nullptr}, act_up2{nullptr};  // "prelu" only
  nn::Repeated<HetResidualBlock> body{nullptr};

 private:
  at::Tensor activate(const at::Tensor& x, const nn::PReLU& prelu) const;
  at::Tensor upsample(const at::Tensor& x, const nn::Conv2d& conv, const nn::PReLU& prelu, int64_t r) const;
};
TORCH_MODULE(HetSRWGANGenerator);

}  // namespace srgan_cpp::models
