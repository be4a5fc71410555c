#include "models/blocks/channel_attention.h"

#include "nn/activation.h"
#include "ops/channel_attention/channel_attention.h"

namespace srgan_cpp::models {

ChannelAttentionImpl::ChannelAttentionImpl(const ChannelAttentionOptions& o)
    : nn::ModuleWithOptions<ChannelAttentionOptions>("srgan_cpp::models::ChannelAttention", o) {
  const int64_t num_feat = o.num_feat(), squeeze_factor = o.squeeze_factor();
  TORCH_CHECK_VALUE(squeeze_factor >= 1 && num_feat >= squeeze_factor, "ChannelAttention: expected `num_feat` >= ",
                    "`squeeze_factor` >= 1 (the squeeze keeps num_feat // squeeze_factor channels), got ", num_feat,
                    " and ", squeeze_factor);
  const int64_t hidden = num_feat / squeeze_factor;
  attention = register_module("attention", nn::Sequence());
  attention->push_back(nn::Activation("identity"));  // AdaptiveAvgPool2d(1) (inside the fused op)
  squeeze = attention->push_back(nn::Conv2d(nn::Conv2dOptions(num_feat, hidden, 1)));
  attention->push_back(nn::Activation("relu"));
  excite = attention->push_back(nn::Conv2d(nn::Conv2dOptions(hidden, num_feat, 1)));
  attention->push_back(nn::Activation("identity"));  // Sigmoid (inside the fused op)
}

at::Tensor ChannelAttentionImpl::forward(const at::Tensor& x) const {
  return ops::channel_attention(x, squeeze->weight(), squeeze->bias(), excite->weight(), excite->bias());
}

}  // namespace srgan_cpp::models
