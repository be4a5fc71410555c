#pragma once
// BasicSR's VGGStyleDiscriminator (SRGAN / ESRGAN): conv0_0 (3x3, bias) + LeakyReLU(0.2),
// then pairs (3x3 stride-1 conv, 4x4 stride-2 conv), each conv bias-free and followed by
// BatchNorm2d + LeakyReLU(0.2): stage 0 has only conv0_1/bn0_1; stages 1..4 (and 5 for
// input 256) have convS_0/bnS_0 and convS_1/bnS_1. The 4x4 map of num_feat*8 channels is
// flattened into linear1 (-> 100) + LeakyReLU(0.2) and linear2 (-> 1): one logit per image.
// Keys, shapes and their order identical to BasicSR.
#include <torch/nn/pimpl.h>

#include <vector>

#include "nn/batch_norm2d.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/options.h"

namespace srgan_cpp::models {

struct VGGStyleDiscriminatorOptions {
  TORCH_ARG(int64_t, num_in_ch) = 3;
  TORCH_ARG(int64_t, num_feat) = 64;
  TORCH_ARG(int64_t, input_size) = 128;  // 128 or 256
  SRGAN_CPP_OPTIONS(num_in_ch, num_feat, input_size);
};

class VGGStyleDiscriminatorImpl : public nn::ModuleWithOptions<VGGStyleDiscriminatorOptions> {
 public:
  explicit VGGStyleDiscriminatorImpl(const VGGStyleDiscriminatorOptions& options = {});
  // (N, num_in_ch, input_size, input_size) -> (N, 1) logits.
  at::Tensor forward(const at::Tensor& input);

  nn::Conv2d conv0_0{nullptr};
  std::vector<nn::Conv2d> convs;      // conv0_1, conv1_0, conv1_1, ...
  std::vector<nn::BatchNorm2d> bns;   // bn0_1, bn1_0, bn1_1, ...
  nn::Linear linear1{nullptr}, linear2{nullptr};
};
TORCH_MODULE(VGGStyleDiscriminator);

}  // namespace srgan_cpp::models
