#include "models/rcan/residual_group.h"

#include "models/blocks/sr_common.h"
#include "nn/activation.h"

namespace srgan_cpp::models {

RCABImpl::RCABImpl(int64_t num_feat, int64_t squeeze_factor, double res_scale)
    : nn::Module("srgan_cpp::models::RCAB"), res_scale_(res_scale) {
  rcab = register_module("rcab", nn::Sequence());
  conv1 = rcab->push_back(conv3x3(num_feat, num_feat));
  rcab->push_back(nn::Activation("relu"));
  conv2 = rcab->push_back(conv3x3(num_feat, num_feat));
  attention =
      rcab->push_back(ChannelAttention(ChannelAttentionOptions().num_feat(num_feat).squeeze_factor(squeeze_factor)));
}

at::Tensor RCABImpl::forward(const at::Tensor& x) const {
  // relu_ in place on the conv output (its backward does not need it); the scale and the
  // skip go in place into the attention's output, which its backward does not keep either.
  at::Tensor out = attention->forward(conv2->forward(conv1->forward(x).relu_()));
  if (res_scale_ != 1.0) out.mul_(res_scale_);
  return out.add_(x);
}

ResidualGroupImpl::ResidualGroupImpl(int64_t num_feat, int64_t num_block, int64_t squeeze_factor, double res_scale)
    : nn::Module("srgan_cpp::models::ResidualGroup") {
  residual_group = register_module("residual_group", nn::Sequence());
  for (int64_t i = 0; i < num_block; ++i) {
    blocks.push_back(residual_group->push_back(RCAB(num_feat, squeeze_factor, res_scale)));
  }
  conv = register_module("conv", conv3x3(num_feat, num_feat));
}

at::Tensor ResidualGroupImpl::forward(const at::Tensor& x) const {
  at::Tensor h = x;
  for (const auto& b : blocks) h = b->forward(h);
  return conv->forward(h).add_(x);
}

}  // namespace srgan_cpp::models
