#pragma once
// FSRCNN (Dong, Loy, Tang, ECCV 2016, "Accelerating the Super-Resolution Convolutional
// Neural Network") on the LR image: feature extraction conv 5x5 (d filters), shrinking conv
// 1x1 (s), m mapping convs 3x3 (s), expanding conv 1x1 (d), each followed by a PReLU with
// one slope per channel, and a 9x9 transposed conv of stride `scale` (the deconvolution
// layer) to the HR image. Defaults: FSRCNN(56, 12, 4), the paper's main configuration, x3,
// Y channel. Weights (biases and PReLU slopes not counted), the paper's formula at c
// channels: 25 c d + s d + 9 m s^2 + d s + 81 d c = 12,464 for (56, 12, 4), c = 1.
// Keys are those of the common PyTorch FSRCNN (first_part.0/1, mid_part.N, last_part).
#include <torch/nn/pimpl.h>

#include <vector>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/prelu.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct FSRCNNOptions {
  TORCH_ARG(int64_t, in_channels) = 1;  // 1 (Y channel, the paper) or 3
  TORCH_ARG(int64_t, d) = 56;           // LR feature dimension
  TORCH_ARG(int64_t, s) = 12;           // shrunk feature dimension
  TORCH_ARG(int64_t, m) = 4;            // mapping layers
  TORCH_ARG(int64_t, scale) = 3;        // up-scaling factor of the deconvolution

  SRGAN_CPP_OPTIONS(in_channels, d, s, m, scale);
};

class FSRCNNImpl : public nn::ModuleWithOptions<FSRCNNOptions> {
 public:
  explicit FSRCNNImpl(const FSRCNNOptions& options = {});
  // (N, in_channels, H, W) LR image in the training range (e.g. [0, 1]) ->
  // (N, in_channels, H * scale, W * scale).
  at::Tensor forward(const at::Tensor& input);

  nn::Sequence first_part{nullptr}, mid_part{nullptr};
  nn::ConvTranspose2d last_part{nullptr};
  // The layers of first_part and mid_part in order: convs[i] is followed by prelus[i].
  std::vector<nn::Conv2d> convs;
  std::vector<nn::PReLU> prelus;
};
TORCH_MODULE(FSRCNN);

}  // namespace srgan_cpp::models
