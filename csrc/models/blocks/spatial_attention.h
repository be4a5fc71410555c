#pragma once
// CBAM's spatial attention (Woo et al., ECCV 2018): x * sigmoid(conv_kxk([mean_c(x),
// max_c(x)])), a 2 -> 1 channel conv without bias (as the paper; its batch norm is left out,
// as in most SR uses). Key: conv.weight (1, 2, k, k). The sigmoid and the product are one
// fused op (srgan_cpp::ops::pixel_attention with a one-channel gate).
#include <torch/nn/pimpl.h>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"

namespace srgan_cpp::models {

struct SpatialAttentionOptions {
  TORCH_ARG(int64_t, kernel_size) = 7;  // odd, >= 1 (CBAM: 7)
  SRGAN_CPP_OPTIONS(kernel_size);
};

class SpatialAttentionImpl : public nn::ModuleWithOptions<SpatialAttentionOptions> {
 public:
  explicit SpatialAttentionImpl(const SpatialAttentionOptions& options = {});
  // (N, C, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& x) const;

  nn::Conv2d conv{nullptr};
};
TORCH_MODULE(SpatialAttention);

}  // namespace srgan_cpp::models
