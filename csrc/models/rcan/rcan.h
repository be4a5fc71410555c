#pragma once
// RCAN (Zhang et al., ECCV 2018, "Image Super-Resolution Using Very Deep Residual Channel
// Attention Networks") as BasicSR's `RCAN`: mean shift (x - rgb_mean) * img_range,
// conv_first, num_group residual groups (each num_block RCABs + a conv, with a skip),
// conv_after_body with a long skip, BasicSR's Upsample (x2^n: n stages of conv ->
// PixelShuffle(2); x3: conv -> PixelShuffle(3)), conv_last, inverse mean shift.
// Keys identical to BasicSR: conv_first, body.G.residual_group.B.rcab.{0,2,3.attention.1,
// 3.attention.3}, body.G.conv, conv_after_body, upsample.0 (+ .2, ...), conv_last. The
// `mean` buffer is non-persistent (a plain attribute in BasicSR), as in EDSR.
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/blocks/basicsr_upsample.h"
#include "models/rcan/residual_group.h"
#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct RCANOptions {
  TORCH_ARG(int64_t, num_in_ch) = 3;
  TORCH_ARG(int64_t, num_out_ch) = 3;
  TORCH_ARG(int64_t, num_feat) = 64;
  TORCH_ARG(int64_t, num_group) = 10;
  TORCH_ARG(int64_t, num_block) = 20;  // the paper's (and BasicSR's configs'); BasicSR's class default is 16
  TORCH_ARG(int64_t, squeeze_factor) = 16;
  TORCH_ARG(int64_t, upscale) = 4;  // a power of 2, or 3
  TORCH_ARG(double, res_scale) = 1.0;
  TORCH_ARG(double, img_range) = 255.0;
  TORCH_ARG(std::vector<double>, rgb_mean) = std::vector<double>{0.4488, 0.4371, 0.4040};
  SRGAN_CPP_OPTIONS(num_in_ch, num_out_ch, num_feat, num_group, num_block, squeeze_factor, upscale, res_scale,
                    img_range, rgb_mean);
};

class RCANImpl : public nn::ModuleWithOptions<RCANOptions> {
 public:
  explicit RCANImpl(const RCANOptions& options = {});
  // (N, num_in_ch, H, W) in [0, 1], any H, W >= 1 -> (N, num_out_ch, H*upscale, W*upscale).
  at::Tensor forward(const at::Tensor& input);

  nn::Conv2d conv_first{nullptr}, conv_after_body{nullptr}, conv_last{nullptr};
  nn::Sequence body{nullptr};
  std::vector<ResidualGroup> groups;  // body.0, body.1, ...
  BasicSRUpsample upsample{nullptr};
};
TORCH_MODULE(RCAN);

}  // namespace srgan_cpp::models
