#include "models/pan/scpa.h"

#include <ATen/ops/cat.h>

#include "models/blocks/sr_common.h"
#include "ops/pixel_attention/pixel_attention.h"

namespace srgan_cpp::models {
namespace {

constexpr double kSlope = 0.2;  // the authors' LeakyReLU

nn::Conv2d conv_no_bias(int64_t in, int64_t out, int64_t k) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).padding(k / 2).bias(false));
}

}  // namespace

PAConvImpl::PAConvImpl(int64_t num_feat) : nn::Module("srgan_cpp::models::PAConv") {
  k2 = register_module("k2", nn::Conv2d(nn::Conv2dOptions(num_feat, num_feat, 1)));
  k3 = register_module("k3", conv_no_bias(num_feat, num_feat, 3));
  k4 = register_module("k4", conv_no_bias(num_feat, num_feat, 3));
}

at::Tensor PAConvImpl::forward(const at::Tensor& x) const {
  return k4->forward(ops::pixel_attention(k3->forward(x), conv_without_bias(*k2, x), k2->bias()));
}

SCPAImpl::SCPAImpl(int64_t num_feat) : nn::Module("srgan_cpp::models::SCPA") {
  TORCH_CHECK_VALUE(num_feat >= 2 && num_feat % 2 == 0, "SCPA: expected an even `nf` >= 2 (two branches of nf / 2 ",
                    "channels), got ", num_feat);
  const int64_t half = num_feat / 2;
  conv1_a = register_module("conv1_a", conv_no_bias(num_feat, half, 1));
  conv1_b = register_module("conv1_b", conv_no_bias(num_feat, half, 1));
  k1_seq = register_module("k1", nn::Sequence());
  k1 = k1_seq->push_back(conv_no_bias(half, half, 3));
  pa_conv = register_module("PAConv", PAConv(half));
  conv3 = register_module("conv3", conv_no_bias(num_feat, num_feat, 1));
}

at::Tensor SCPAImpl::forward(const at::Tensor& x) const {
  const at::Tensor a = leaky_relu_inplace(k1->forward(leaky_relu_inplace(conv1_a->forward(x), kSlope)), kSlope);
  const at::Tensor b = leaky_relu_inplace(pa_conv->forward(leaky_relu_inplace(conv1_b->forward(x), kSlope)), kSlope);
  return conv3->forward(at::cat({a, b}, 1)).add_(x);
}

}  // namespace srgan_cpp::models
