#pragma once
// BasicSR's EDSR (Lim et al., 2017): mean shift (x - rgb_mean) * img_range, conv_first,
// num_block residual blocks without BN (scaled by res_scale: 1 for the baseline, 0.1 for the
// large 256-feature model), conv_after_body with a long skip, BasicSR's Upsample (x2^n: n
// stages of conv -> PixelShuffle(2); x3: conv -> PixelShuffle(3)), conv_last, and the inverse
// mean shift. Keys identical to BasicSR: conv_first, body.N.conv1/conv2, conv_after_body,
// upsample.0 (+ upsample.2 for x4), conv_last. The `mean` buffer (1, C, 1, 1) is not a
// persistent state_dict entry in BasicSR (a plain attribute there): it is registered
// non-persistent here (so nn::load_state_dict reads BasicSR files) and the Python wrapper
// marks it non-persistent too, so the keys match.
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/blocks/residual_block_no_bn.h"
#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct EDSROptions {
  TORCH_ARG(int64_t, num_in_ch) = 3;
  TORCH_ARG(int64_t, num_out_ch) = 3;
  TORCH_ARG(int64_t, num_feat) = 64;
  TORCH_ARG(int64_t, num_block) = 16;
  TORCH_ARG(int64_t, upscale) = 4;  // a power of 2, or 3
  TORCH_ARG(double, res_scale) = 1.0;
  TORCH_ARG(double, img_range) = 255.0;
  TORCH_ARG(std::vector<double>, rgb_mean) = std::vector<double>{0.4488, 0.4371, 0.4040};
  SRGAN_CPP_OPTIONS(num_in_ch, num_out_ch, num_feat, num_block, upscale, res_scale, img_range, rgb_mean);
};

class EDSRImpl : public nn::ModuleWithOptions<EDSROptions> {
 public:
  explicit EDSRImpl(const EDSROptions& options = {});
  // (N, num_in_ch, H, W) in [0, 1], any H, W >= 1 -> (N, num_out_ch, H*upscale, W*upscale).
  at::Tensor forward(const at::Tensor& input);

  nn::Conv2d conv_first{nullptr}, conv_after_body{nullptr}, conv_last{nullptr};
  nn::Repeated<ResidualBlockNoBN> body{nullptr};
  nn::Sequence upsample{nullptr};
  std::vector<nn::Conv2d> up_convs;  // upsample.0, upsample.2, ...
  std::vector<int64_t> up_factors;   // the PixelShuffle factor after each
};
TORCH_MODULE(EDSR);

}  // namespace srgan_cpp::models
