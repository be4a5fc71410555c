#include "models/blocks/pixel_attention.h"

#include "models/blocks/sr_common.h"
#include "ops/pixel_attention/pixel_attention.h"

namespace srgan_cpp::models {

PixelAttentionImpl::PixelAttentionImpl(const PixelAttentionOptions& o)
    : nn::ModuleWithOptions<PixelAttentionOptions>("srgan_cpp::models::PixelAttention", o) {
  const int64_t num_feat = o.num_feat();
  TORCH_CHECK_VALUE(num_feat > 0, "PixelAttention: expected `num_feat` > 0, got ", num_feat);
  conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(num_feat, num_feat, 1)));
}

at::Tensor PixelAttentionImpl::forward(const at::Tensor& x) const {
  return ops::pixel_attention(x, conv_without_bias(*conv, x), conv->bias());
}

}  // namespace srgan_cpp::models
