#pragma once
// VDSR (Kim, Lee, Lee, CVPR 2016, "Accurate Image Super-Resolution Using Very Deep
// Convolutional Networks"): num_layers 3x3 convolutions of num_features filters, ReLU after
// all but the last, no biases, and a global residual: output = input + f(input), on the
// bicubic-upscaled image. Defaults: the paper's 20 layers of 64 filters on the Y channel,
// 664,704 weights (9 c F + 9 F^2 (L - 2) + 9 F c at c = 1). Keys are those of the common
// PyTorch VDSR (input, residual_layer.N.conv, output), so its checkpoints load.
#include <torch/nn/pimpl.h>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct VDSROptions {
  TORCH_ARG(int64_t, in_channels) = 1;    // 1 (Y channel, the paper) or 3
  TORCH_ARG(int64_t, num_features) = 64;  // filters per layer
  TORCH_ARG(int64_t, num_layers) = 20;    // conv layers in all (>= 2)

  SRGAN_CPP_OPTIONS(in_channels, num_features, num_layers);
};

// One hidden layer: conv3x3 without bias, then ReLU (key "conv").
class VDSRBlockImpl : public nn::Module {
 public:
  explicit VDSRBlockImpl(int64_t features);
  at::Tensor forward(const at::Tensor& input) const;
  nn::Conv2d conv{nullptr};
};
TORCH_MODULE(VDSRBlock);

class VDSRImpl : public nn::ModuleWithOptions<VDSROptions> {
 public:
  explicit VDSRImpl(const VDSROptions& options = {});
  // (N, in_channels, H, W) bicubic-upscaled image (values in the training range, e.g. [0, 1])
  // -> (N, in_channels, H, W).
  at::Tensor forward(const at::Tensor& input);

  nn::Conv2d input_conv{nullptr}, output_conv{nullptr};
  nn::Sequence residual_layer{nullptr};
  std::vector<VDSRBlock> blocks;
};
TORCH_MODULE(VDSR);

}  // namespace srgan_cpp::models
