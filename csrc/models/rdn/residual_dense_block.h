#pragma once
// RDN's residual dense block (Zhang et al., CVPR 2018), as the EDSR-PyTorch code
// (src/model/rdn.py): C densely connected layers - layer c is conv3x3(G0 + c*G -> G) + ReLU
// on the concatenation of the block input and every earlier layer's output - then local
// feature fusion (a 1x1 conv G0 + C*G -> G0) and local residual learning (+ x).
// Keys: convs.C.conv.0 (each layer's conv; its ReLU holds index 1), LFF.
#include <torch/nn/pimpl.h>

#include <vector>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

// One dense layer: keys conv.0 (the conv), conv.1 (its ReLU, no parameters).
class DenseLayerImpl : public nn::Module {
 public:
  DenseLayerImpl(int64_t in_channels, int64_t growth);
  // (N, in_channels, H, W) -> (N, growth, H, W): relu(conv(x)), not yet concatenated.
  at::Tensor forward(const at::Tensor& x) const;

  nn::Sequence conv_seq{nullptr};
  nn::Conv2d conv{nullptr};
};
TORCH_MODULE(DenseLayer);

class RDBImpl : public nn::Module {
 public:
  // g0: block input/output channels; growth: G; num_layers: C.
  RDBImpl(int64_t g0, int64_t growth, int64_t num_layers);
  // (N, g0, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& x) const;

  nn::Sequence convs{nullptr};
  std::vector<DenseLayer> layers;  // convs.0, convs.1, ...
  nn::Conv2d lff{nullptr};         // LFF
};
TORCH_MODULE(RDB);

}  // namespace srgan_cpp::models
