#pragma once
// A 2-D convolution layer whose weight and bias can be shared with Python (see module.h).
#include <torch/nn/pimpl.h>

#include "nn/module.h"

namespace srgan_cpp::nn {

struct Conv2dOptions {
  Conv2dOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, kernel_size);
  TORCH_ARG(int64_t, stride) = 1;
  TORCH_ARG(int64_t, padding) = 0;
  TORCH_ARG(bool, bias) = true;
};

class Conv2dImpl : public ModuleWithOptions<Conv2dOptions> {
 public:
  explicit Conv2dImpl(const Conv2dOptions& options);
  // (N, in_channels, H, W) -> (N, out_channels, H', W'); weight (out, in, k, k), bias (out,).
  at::Tensor forward(const at::Tensor& input) const;
  const at::Tensor& weight() const { return param("weight"); }
  at::Tensor bias() const { return param_or_undefined("bias"); }
};
TORCH_MODULE(Conv2d);

}  // namespace srgan_cpp::nn
