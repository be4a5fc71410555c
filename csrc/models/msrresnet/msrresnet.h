#pragma once
// BasicSR's MSRResNet (modified SRResNet, Wang et al. / ESRGAN): conv_first + LeakyReLU(0.1),
// num_block residual blocks without BN, pixel-shuffle upsampling (x2/x3 one stage, x4 two
// x2 stages) each followed by LeakyReLU(0.1), conv_hr + LeakyReLU, conv_last, plus a global
// bilinear-upsampled skip of the input. Keys identical to BasicSR: conv_first, body.N.conv1,
// body.N.conv2, upconv1, upconv2 (x4 only), conv_hr, conv_last.
#include <torch/nn/pimpl.h>

#include "models/blocks/residual_block_no_bn.h"
#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct MSRResNetOptions {
  TORCH_ARG(int64_t, num_in_ch) = 3;
  TORCH_ARG(int64_t, num_out_ch) = 3;
  TORCH_ARG(int64_t, num_feat) = 64;
  TORCH_ARG(int64_t, num_block) = 16;
  TORCH_ARG(int64_t, upscale) = 4;  // 2, 3 or 4
  SRGAN_CPP_OPTIONS(num_in_ch, num_out_ch, num_feat, num_block, upscale);
};

class MSRResNetImpl : public nn::ModuleWithOptions<MSRResNetOptions> {
 public:
  explicit MSRResNetImpl(const MSRResNetOptions& options = {});
  // (N, num_in_ch, H, W), any H, W >= 1 -> (N, num_out_ch, H*upscale, W*upscale).
  at::Tensor forward(const at::Tensor& input);

  nn::Conv2d conv_first{nullptr}, upconv1{nullptr}, upconv2{nullptr}, conv_hr{nullptr}, conv_last{nullptr};
  nn::Repeated<ResidualBlockNoBN> body{nullptr};
};
TORCH_MODULE(MSRResNet);

}  // namespace srgan_cpp::models
