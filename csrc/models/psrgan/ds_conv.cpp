#include "models/psrgan/ds_conv.h"

#include <ATen/ops/conv2d.h>
#include <ATen/ops/empty.h>

#include <cmath>

namespace srgan_cpp::models {

DepthwiseConv2dImpl::DepthwiseConv2dImpl(int64_t channels, int64_t kernel_size, int64_t stride)
    : nn::Module("srgan_cpp::models::DepthwiseConv2d"), channels_(channels), kernel_size_(kernel_size),
      stride_(stride) {
  TORCH_CHECK_VALUE(channels > 0 && kernel_size > 0 && kernel_size % 2 == 1 && stride > 0,
                    "DepthwiseConv2d: expected positive channels, odd kernel_size and positive stride, got ",
                    channels, ", ", kernel_size, ", ", stride);
  // PyTorch's Conv2d default init with the depthwise fan_in = k*k.
  const double bound = 1.0 / static_cast<double>(kernel_size);
  register_parameter("weight", at::empty({channels, 1, kernel_size, kernel_size}).uniform_(-bound, bound));
  register_parameter("bias", at::empty({channels}).uniform_(-bound, bound));
}

at::Tensor DepthwiseConv2dImpl::forward(const at::Tensor& input) const {
  const int64_t p = (kernel_size_ - 1) / 2;
  return at::conv2d(input, weight(), param("bias"), {stride_, stride_}, {p, p}, {1, 1}, channels_);
}

DSConvImpl::DSConvImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride)
    : nn::Module("srgan_cpp::models::DSConv") {
  depthwise = register_module("0", DepthwiseConv2d(in_channels, kernel_size, stride));
  pointwise = register_module("1", nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, 1)));
}

at::Tensor DSConvImpl::forward(const at::Tensor& input) const {
  return pointwise->forward(depthwise->forward(input));
}

}  // namespace srgan_cpp::models
