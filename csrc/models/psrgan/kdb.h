#pragma once
// The distillation branch of the PSRGAN generator: a knowledge-distillation block (KDB, an
// IMDN-style information-distillation block built from depthwise-separable convs) ending in
// enhanced spatial attention (ESA, RFANet). Keys as in the PSRGAN code:
//   KD.{c1_d,c1_r,c2_d,c2_r,c3_d,c3_r,c4,c5}.{0,1}.{weight,bias},
//   KD.esa.{conv1,conv_f,conv_max,conv2,conv3,conv3_,conv4}.{0,1}.{weight,bias}.
#include <torch/nn/pimpl.h>

#include "models/psrgan/ds_conv.h"
#include "nn/module.h"

namespace srgan_cpp::models {

// x * sigmoid(conv4(up(conv3_(relu(conv3(relu(conv_max(maxpool7/3(conv2(conv1 x)))))))) + conv_f(conv1 x)))
// with f = n_feats / 4 inner channels; conv2 is a stride-2 3x3. Needs H, W >= 13 (the 7x7
// max pool runs on the half-resolution map).
class ESAImpl : public nn::Module {
 public:
  explicit ESAImpl(int64_t n_feats);
  // (N, n_feats, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& input) const;

  DSConv conv1{nullptr}, conv_f{nullptr}, conv_max{nullptr}, conv2{nullptr}, conv3{nullptr}, conv3_{nullptr},
      conv4{nullptr};
};
TORCH_MODULE(ESA);

// Three distillation steps (a 1x1 "distilled" DSConv to C/2 channels and a 3x3 "remaining"
// DSConv with a residual add), a fourth 3x3 DSConv to C/2, LeakyReLU(0.05) after each,
// concatenation (2C channels), a 1x1 DSConv back to C, then ESA. No outer residual.
class KDBImpl : public nn::Module {
 public:
  explicit KDBImpl(int64_t in_channels);
  // (N, C, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& input) const;

  DSConv c1_d{nullptr}, c1_r{nullptr}, c2_d{nullptr}, c2_r{nullptr}, c3_d{nullptr}, c3_r{nullptr}, c4{nullptr},
      c5{nullptr};
  ESA esa{nullptr};
};
TORCH_MODULE(KDB);

}  // namespace srgan_cpp::models
