#include "nn/conv2d.h"

#include <ATen/ops/conv2d.h>
#include <ATen/ops/empty.h>

#include <cmath>

namespace srgan_cpp::nn {

Conv2dImpl::Conv2dImpl(const Conv2dOptions& o) : ModuleWithOptions<Conv2dOptions>("srgan_cpp::nn::Conv2d", o) {
  TORCH_CHECK_VALUE(o.in_channels() > 0 && o.out_channels() > 0 && o.kernel_size() > 0 && o.stride() > 0 &&
                        o.padding() >= 0,
                    "Conv2d: expected positive channels, kernel_size and stride and padding >= 0, got in=",
                    o.in_channels(), " out=", o.out_channels(), " kernel_size=", o.kernel_size(),
                    " stride=", o.stride(), " padding=", o.padding());
  const int64_t k = o.kernel_size();
  auto w = at::empty({o.out_channels(), o.in_channels(), k, k});
  // PyTorch's default (kaiming_uniform with a = sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  const double bound = 1.0 / std::sqrt(static_cast<double>(o.in_channels() * k * k));
  w.uniform_(-bound, bound);
  register_parameter("weight", w);
  if (o.bias()) register_parameter("bias", at::empty({o.out_channels()}).uniform_(-bound, bound));
}

at::Tensor Conv2dImpl::forward(const at::Tensor& input) const {
  return at::conv2d(input, weight(), bias(), {options_.stride(), options_.stride()},
                    {options_.padding(), options_.padding()});
}

}  // namespace srgan_cpp::nn
