#pragma once
// PAN's blocks (Zhao et al., ECCV 2020 workshops, "Efficient Image Super-Resolution Using
// Pixel Attention"), with the key names of the authors' code (codes/models/archs/PAN_arch.py):
//  PAConv: k4(k3(x) * sigmoid(k2(x))) - k2 1x1 with bias, k3 / k4 3x3 without; the gate's
//    sigmoid, k2's bias and the product are one fused op (ops::pixel_attention).
//  SCPA: self-calibrated block with pixel attention, x + conv3(cat(lrelu(k1(lrelu(conv1_a(x)))),
//    lrelu(PAConv(lrelu(conv1_b(x)))))) - conv1_a / conv1_b 1x1 nf -> nf/2, k1.0 3x3, conv3
//    1x1 nf -> nf, all without bias; LeakyReLU(0.2).
#include <torch/nn/pimpl.h>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

class PAConvImpl : public nn::Module {
 public:
  explicit PAConvImpl(int64_t num_feat);
  // (N, num_feat, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& x) const;

  nn::Conv2d k2{nullptr}, k3{nullptr}, k4{nullptr};
};
TORCH_MODULE(PAConv);

class SCPAImpl : public nn::Module {
 public:
  // num_feat even (each branch has num_feat / 2 channels, the authors' reduction 2).
  explicit SCPAImpl(int64_t num_feat);
  // (N, num_feat, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& x) const;

  nn::Conv2d conv1_a{nullptr}, conv1_b{nullptr}, conv3{nullptr};
  nn::Sequence k1_seq{nullptr};  // k1 (an nn.Sequential of one conv in the authors' code)
  nn::Conv2d k1{nullptr};
  PAConv pa_conv{nullptr};  // PAConv
};
TORCH_MODULE(SCPA);

}  // namespace srgan_cpp::models
