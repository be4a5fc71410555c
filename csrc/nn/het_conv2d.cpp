#include "nn/het_conv2d.h"

#include <ATen/ops/empty.h>

#include <cmath>

#include "ops/het_conv/het_conv.h"

namespace srgan_cpp::nn {

HetConv2dImpl::HetConv2dImpl(const HetConv2dOptions& o)
    : ModuleWithOptions<HetConv2dOptions>("srgan_cpp::nn::HetConv2d", o) {
  const int64_t in = o.in_channels(), out = o.out_channels(), p = o.parts();
  TORCH_CHECK_VALUE(in > 0 && out > 0 && p > 0, "HetConv2d: expected positive in_channels, out_channels and parts, got ",
                    in, ", ", out, ", ", p);
  TORCH_CHECK_VALUE(in % p == 0 && out % p == 0, "HetConv2d: expected in_channels (", in, ") and out_channels (", out,
                    ") to be divisible by parts (", p, ")");
  TORCH_CHECK_VALUE(o.stride() == 1 || o.stride() == 2, "HetConv2d: expected stride 1 or 2, got ", o.stride());
  const int64_t cg = in / p;
  const double bound = 1.0 / std::sqrt(static_cast<double>(9 * cg + in - cg));
  register_parameter("weight3x3", at::empty({out, cg, 3, 3}).uniform_(-bound, bound));
  register_parameter("weight1x1", at::empty({out, in - cg}).uniform_(-bound, bound));
  if (o.bias()) register_parameter("bias", at::empty({out}).uniform_(-bound, bound));
}

at::Tensor HetConv2dImpl::forward(const at::Tensor& input) const {
  const at::Tensor b = bias();
  return ops::het_conv2d(input, weight3x3(), weight1x1(), b.defined() ? c10::optional<at::Tensor>(b) : c10::nullopt,
                         options_.parts(), options_.stride());
}

at::Tensor HetConv2dImpl::dense_weight() const {
  return ops::het_conv2d_to_dense(weight3x3(), weight1x1(), options_.parts());
}

}  // namespace srgan_cpp::nn
