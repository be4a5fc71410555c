#pragma once
// PAN's pixel attention (`PA` in the authors' code): x * sigmoid(conv1x1(x)), one gate per
// element. Key: conv (weight (num_feat, num_feat, 1, 1), bias). The gate's sigmoid, the
// conv's bias and the product are one fused op (srgan_cpp::ops::pixel_attention).
#include <torch/nn/pimpl.h>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"

namespace srgan_cpp::models {

struct PixelAttentionOptions {
  TORCH_ARG(int64_t, num_feat) = 64;
  SRGAN_CPP_OPTIONS(num_feat);
};

class PixelAttentionImpl : public nn::ModuleWithOptions<PixelAttentionOptions> {
 public:
  explicit PixelAttentionImpl(const PixelAttentionOptions& options = {});
  // (N, num_feat, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& x) const;

  nn::Conv2d conv{nullptr};
};
TORCH_MODULE(PixelAttention);

}  // namespace srgan_cpp::models
