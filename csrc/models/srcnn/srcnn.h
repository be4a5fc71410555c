#pragma once
// SRCNN (Dong et al., 2014/2016): patch extraction (f1 x f1) -> non-linear mapping
// (f2 x f2) -> reconstruction (f3 x f3), ReLU after the first two. It maps a bicubic-upscaled
// image to a sharper one of the same size ("same" padding) or smaller by
// f1 + f2 + f3 - 3 pixels per side pair ("valid" padding, as in the paper).
#include <torch/nn/pimpl.h>

#include <array>
#include <string>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"

namespace srgan_cpp::models {

struct SRCNNOptions {
  TORCH_ARG(int64_t, in_channels) = 1;    // 1 (Y channel, the paper) or 3 (RGB)
  TORCH_ARG(int64_t, features1) = 64;     // n1
  TORCH_ARG(int64_t, features2) = 32;     // n2
  TORCH_ARG(int64_t, kernel1) = 9;        // f1
  TORCH_ARG(int64_t, kernel2) = 5;        // f2: 1 gives the 9-1-5 variant, 5 the 9-5-5 one
  TORCH_ARG(int64_t, kernel3) = 5;        // f3
  TORCH_ARG(bool, same_padding) = true;   // false: the paper's valid convolutions
  SRGAN_CPP_OPTIONS(in_channels, features1, features2, kernel1, kernel2, kernel3, same_padding);
};

class SRCNNImpl : public nn::ModuleWithOptions<SRCNNOptions> {
 public:
  explicit SRCNNImpl(const SRCNNOptions& options = {});
  // (N, in_channels, H, W), values in the image range used for training (e.g. [0, 1])
  // -> (N, in_channels, H, W) with same padding, (N, in_channels, H - m, W - m) with valid
  // padding, m = kernel1 + kernel2 + kernel3 - 3.
  at::Tensor forward(const at::Tensor& input);
  // Pixels lost per spatial dimension with valid padding (0 with same padding).
  int64_t border() const;

  nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
};
TORCH_MODULE(SRCNN);

}  // namespace srgan_cpp::models
