#include "models/rdn/residual_dense_block.h"

#include <ATen/ops/cat.h>

#include "models/blocks/sr_common.h"
#include "nn/activation.h"

namespace srgan_cpp::models {

DenseLayerImpl::DenseLayerImpl(int64_t in_channels, int64_t growth) : nn::Module("srgan_cpp::models::DenseLayer") {
  conv_seq = register_module("conv", nn::Sequence());
  conv = conv_seq->push_back(conv3x3(in_channels, growth));
  conv_seq->push_back(nn::Activation("relu"));
}

at::Tensor DenseLayerImpl::forward(const at::Tensor& x) const { return conv->forward(x).relu_(); }

RDBImpl::RDBImpl(int64_t g0, int64_t growth, int64_t num_layers)
    : nn::Module("srgan_cpp::models::RDB") {
  convs = register_module("convs", nn::Sequence());
  for (int64_t c = 0; c < num_layers; ++c) layers.push_back(convs->push_back(DenseLayer(g0 + c * growth, growth)));
  lff = register_module("LFF", nn::Conv2d(nn::Conv2dOptions(g0 + num_layers * growth, g0, 1)));
}

at::Tensor RDBImpl::forward(const at::Tensor& x) const {
  // Each layer sees the concatenation of everything before it. One growing concatenation
  // per layer, as the reference: writing outputs into one preallocated buffer would alter
  // tensors the earlier convs saved for their backward.
  at::Tensor features = x;
  for (const auto& layer : layers) features = at::cat({features, layer->forward(features)}, 1);
  return lff->forward(features).add_(x);
}

}  // namespace srgan_cpp::models
