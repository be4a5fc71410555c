#pragma once
// HetConv2d: a heterogeneous-kernel 3x3/1x1 convolution layer (see ops/het_conv/het_conv.h
// for the layout) whose parameters can be shared with Python (see module.h).
#include <torch/nn/pimpl.h>

#include "nn/module.h"

namespace srgan_cpp::nn {

struct HetConv2dOptions {
  HetConv2dOptions(int64_t in_channels, int64_t out_channels, int64_t parts)
      : in_channels_(in_channels), out_channels_(out_channels), parts_(parts) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, parts);       // P: 1 = dense 3x3, in_channels = depthwise + pointwise
  TORCH_ARG(int64_t, stride) = 1;  // 1 or 2; padding is always 1
  TORCH_ARG(bool, bias) = true;
};

class HetConv2dImpl : public ModuleWithOptions<HetConv2dOptions> {
 public:
  // Parameters: weight3x3 (out, in/P, 3, 3), weight1x1 (out, in - in/P), bias (out,).
  // Init: PyTorch's dense-conv default U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with each filter's
  // real fan_in = 9*in/P + in - in/P, so outputs start with the variance a dense conv has.
  explicit HetConv2dImpl(const HetConv2dOptions& options);
  // (N, in, H, W) -> (N, out, (H-1)/stride + 1, (W-1)/stride + 1).
  at::Tensor forward(const at::Tensor& input) const;
  const at::Tensor& weight3x3() const { return param("weight3x3"); }
  const at::Tensor& weight1x1() const { return param("weight1x1"); }
  at::Tensor bias() const { return param_or_undefined("bias"); }
  // The equivalent dense (out, in, 3, 3) conv weight (re-parameterisation for deployment).
  at::Tensor dense_weight() const;
};
TORCH_MODULE(HetConv2d);

}  // namespace srgan_cpp::nn
