#pragma once
// LapSRN (Lai, Huang, Ahuja, Yang, CVPR 2017, "Deep Laplacian Pyramid Networks for Fast and
// Accurate Super-Resolution"): progressive x2 up-sampling on the LR image, log2(scale)
// pyramid levels. Level l has two branches:
//   feature extraction: depth convs 3x3 (num_features, LeakyReLU 0.2), then a x2 up-sampler
//                       of the features (a 4x4 stride-2 transposed conv + LeakyReLU, the
//                       paper; or another nn::Upsampler mode), then a 3x3 conv to the
//                       residual image of that level;
//   image reconstruction: the previous level's image up-sampled x2 by a 4x4 transposed conv
//                       (initialised to bilinear) plus that residual.
// forward returns the last level (x scale); forward_pyramid every level (x2, x4, ...), which
// the paper supervises each with a Charbonnier loss against the HR image resized to it.
// Defaults: x4, depth 10 per level, 64 filters, Y channel (the paper's LapSRN).
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"
#include "nn/upsampler.h"

namespace srgan_cpp::models {

struct LapSRNOptions {
  TORCH_ARG(int64_t, in_channels) = 1;    // 1 (Y channel, the paper) or 3
  TORCH_ARG(int64_t, num_features) = 64;
  TORCH_ARG(int64_t, depth) = 10;         // convs per level in the feature branch
  TORCH_ARG(int64_t, scale) = 4;          // a power of 2 >= 2: log2(scale) levels
  TORCH_ARG(std::string, upsampler) = "transposed_conv";  // feature up-sampler, an nn::Upsampler mode
  TORCH_ARG(double, negative_slope) = 0.2;

  SRGAN_CPP_OPTIONS(in_channels, num_features, depth, scale, upsampler, negative_slope);
};

// One pyramid level: (features, image) at size S -> (features, image) at size 2S.
class LapSRNLevelImpl : public nn::Module {
 public:
  explicit LapSRNLevelImpl(const LapSRNOptions& options);
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& features, const at::Tensor& image) const;

  nn::Sequence body{nullptr};
  std::vector<nn::Conv2d> convs;
  nn::Upsampler upsample{nullptr};
  nn::Conv2d to_residual{nullptr};
  nn::ConvTranspose2d image_up{nullptr};

 private:
  double negative_slope_;
};
TORCH_MODULE(LapSRNLevel);

class LapSRNImpl : public nn::ModuleWithOptions<LapSRNOptions> {
 public:
  explicit LapSRNImpl(const LapSRNOptions& options = {});
  // (N, in_channels, H, W) LR image -> (N, in_channels, H * scale, W * scale).
  at::Tensor forward(const at::Tensor& input);
  // [x2, x4, ..., x scale] outputs, (N, in_channels, H * 2^l, W * 2^l).
  std::vector<at::Tensor> forward_pyramid(const at::Tensor& input);

  nn::Conv2d conv_input{nullptr};
  nn::Sequence levels{nullptr};
  std::vector<LapSRNLevel> level_list;
};
TORCH_MODULE(LapSRN);

}  // namespace srgan_cpp::models
