#pragma once
// PAN (Zhao et al., "Efficient Image Super-Resolution Using Pixel Attention", ECCV 2020
// workshops; 272K parameters at x4) with the authors' key names (PAN_arch.py):
// conv_first (3x3, in_nc -> nf), SCPA_trunk.N (nb SCPA blocks), trunk_conv (3x3) with a skip,
// then per x2 stage (x2 / x3: one stage of factor 2 / 3; x4: two stages of 2) nearest
// up-sampling, upconvK (3x3, -> unf), attK (pixel attention), LeakyReLU(0.2), HRconvK (3x3),
// LeakyReLU(0.2); conv_last (3x3, unf -> out_nc); plus the bilinear-upscaled input
// (align_corners=False). Inputs in [0, 1].
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/blocks/pixel_attention.h"
#include "models/pan/scpa.h"
#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct PANOptions {
  TORCH_ARG(int64_t, in_nc) = 3;
  TORCH_ARG(int64_t, out_nc) = 3;
  TORCH_ARG(int64_t, nf) = 40;   // the paper's x4 configuration: nf 40, unf 24, nb 16
  TORCH_ARG(int64_t, unf) = 24;
  TORCH_ARG(int64_t, nb) = 16;
  TORCH_ARG(int64_t, scale) = 4;  // 2, 3 or 4
  SRGAN_CPP_OPTIONS(in_nc, out_nc, nf, unf, nb, scale);
};

class PANImpl : public nn::ModuleWithOptions<PANOptions> {
 public:
  explicit PANImpl(const PANOptions& options = {});
  // (N, in_nc, H, W) in [0, 1], any H, W >= 1 -> (N, out_nc, H*scale, W*scale).
  at::Tensor forward(const at::Tensor& input);

  nn::Conv2d conv_first{nullptr}, trunk_conv{nullptr}, conv_last{nullptr};
  nn::Sequence trunk{nullptr};  // SCPA_trunk
  std::vector<SCPA> blocks;
  std::vector<nn::Conv2d> upconvs, hrconvs;  // upconv1, HRconv1 (, upconv2, HRconv2)
  std::vector<PixelAttention> atts;          // att1 (, att2)
  std::vector<int64_t> factors;              // the nearest up-sampling factor of each stage
};
TORCH_MODULE(PAN);

}  // namespace srgan_cpp::models
