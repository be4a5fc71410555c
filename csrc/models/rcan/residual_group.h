#pragma once
// RCAN's blocks, as BasicSR (basicsr/archs/rcan_arch.py):
//  RCAB: residual channel-attention block, x + res_scale * CA(conv(relu(conv(x)))); keys
//    rcab.0 (conv), rcab.2 (conv), rcab.3.attention.1 / .3 (the channel attention's 1x1 convs).
//  ResidualGroup: num_block RCABs and a 3x3 conv with a skip, x + conv(RCABs(x)); keys
//    residual_group.N.*, conv.
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/blocks/channel_attention.h"
#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

class RCABImpl : public nn::Module {
 public:
  RCABImpl(int64_t num_feat, int64_t squeeze_factor, double res_scale);
  // (N, num_feat, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& x) const;

  nn::Sequence rcab{nullptr};
  nn::Conv2d conv1{nullptr}, conv2{nullptr};  // rcab.0, rcab.2
  ChannelAttention attention{nullptr};        // rcab.3

 private:
  double res_scale_;
};
TORCH_MODULE(RCAB);

class ResidualGroupImpl : public nn::Module {
 public:
  ResidualGroupImpl(int64_t num_feat, int64_t num_block, int64_t squeeze_factor, double res_scale);
  // (N, num_feat, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& x) const;

  nn::Sequence residual_group{nullptr};
  std::vector<RCAB> blocks;  // residual_group.0, .1, ...
  nn::Conv2d conv{nullptr};
};
TORCH_MODULE(ResidualGroup);

}  // namespace srgan_cpp::models
