#pragma once
// RCAN's channel attention as BasicSR's `ChannelAttention`: x * sigmoid(conv(relu(conv(
// avgpool(x))))), the squeeze conv num_feat -> num_feat / squeeze_factor and the excite conv
// back, both 1x1 with bias. Keys as BasicSR: attention.1 (squeeze), attention.3 (excite); the
// parameter-free pool / ReLU / sigmoid hold indices 0, 2, 4. The forward is one fused op
// (srgan_cpp::ops::channel_attention).
#include <torch/nn/pimpl.h>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct ChannelAttentionOptions {
  TORCH_ARG(int64_t, num_feat) = 64;
  TORCH_ARG(int64_t, squeeze_factor) = 16;  // RCAN's reduction ratio r
  SRGAN_CPP_OPTIONS(num_feat, squeeze_factor);
};

class ChannelAttentionImpl : public nn::ModuleWithOptions<ChannelAttentionOptions> {
 public:
  // num_feat >= squeeze_factor >= 1 (the squeeze has num_feat / squeeze_factor channels).
  explicit ChannelAttentionImpl(const ChannelAttentionOptions& options = {});
  // (N, num_feat, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& x) const;

  nn::Sequence attention{nullptr};
  nn::Conv2d squeeze{nullptr}, excite{nullptr};  // attention.1, attention.3
};
TORCH_MODULE(ChannelAttention);

}  // namespace srgan_cpp::models
