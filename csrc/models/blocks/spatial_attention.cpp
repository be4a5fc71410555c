#include "models/blocks/spatial_attention.h"

#include <ATen/ops/amax.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/mean.h>

#include "common/tensor_checks.h"
#include "ops/pixel_attention/pixel_attention.h"

namespace srgan_cpp::models {

SpatialAttentionImpl::SpatialAttentionImpl(const SpatialAttentionOptions& o)
    : nn::ModuleWithOptions<SpatialAttentionOptions>("srgan_cpp::models::SpatialAttention", o) {
  const int64_t kernel_size = o.kernel_size();
  TORCH_CHECK_VALUE(kernel_size >= 1 && kernel_size % 2 == 1, "SpatialAttention: expected an odd `kernel_size` >= 1, got ",
                    kernel_size);
  conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(2, 1, kernel_size).padding(kernel_size / 2).bias(false)));
}

at::Tensor SpatialAttentionImpl::forward(const at::Tensor& x) const {
  check_dim(x, 4, "SpatialAttention.forward", "input", "N, C, H, W");
  const at::Tensor pooled = at::cat({x.mean({1}, /*keepdim=*/true), at::amax(x, {1}, /*keepdim=*/true)}, 1);
  return ops::pixel_attention(x, conv->forward(pooled), c10::nullopt);
}

}  // namespace srgan_cpp::models
