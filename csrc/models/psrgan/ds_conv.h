#pragma once
// Depthwise-separable convolution of the PSRGAN code: a depthwise k x k conv (groups = in,
// with bias) followed by a pointwise 1x1 conv (with bias), registered as children "0" and
// "1" so state-dict keys are X.0.weight (in, 1, k, k), X.0.bias, X.1.weight (out, in, 1, 1),
// X.1.bias - the layout of PSRGAN's nn.Sequential(depthwise, pointwise).
#include <torch/nn/pimpl.h>

#include "nn/conv2d.h"
#include "nn/module.h"

namespace srgan_cpp::models {

// Depthwise k x k conv, padding (k-1)/2: weight (C, 1, k, k), bias (C,).
class DepthwiseConv2dImpl : public nn::Module {
 public:
  DepthwiseConv2dImpl(int64_t channels, int64_t kernel_size, int64_t stride = 1);
  // (N, C, H, W) -> (N, C, (H + 2p - k)/stride + 1, ...).
  at::Tensor forward(const at::Tensor& input) const;
  const at::Tensor& weight() const { return param("weight"); }

 private:
  int64_t channels_, kernel_size_, stride_;
};
TORCH_MODULE(DepthwiseConv2d);

class DSConvImpl : public nn::Module {
 public:
  DSConvImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1);
  // (N, in, H, W) -> (N, out, H', W') (H' = H for stride 1).
  at::Tensor forward(const at::Tensor& input) const;

  DepthwiseConv2d depthwise{nullptr};
  nn::Conv2d pointwise{nullptr};
};
TORCH_MODULE(DSConv);

}  // namespace srgan_cpp::models
