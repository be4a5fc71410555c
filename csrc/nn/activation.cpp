#include "nn/activation.h"

#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/relu.h>

#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::nn {

ActivationImpl::ActivationImpl(const std::string& kind, double negative_slope)
    : Module("srgan_cpp::nn::Activation"), kind_(kind), negative_slope_(negative_slope) {
  TORCH_CHECK_VALUE(kind == "identity" || kind == "relu" || kind == "leaky_relu",
                    "Activation: expected `kind` 'identity', 'relu' or 'leaky_relu', got '", kind, "'");
}

at::Tensor ActivationImpl::forward(const at::Tensor& input) const {
  if (kind_ == "relu") return at::relu(input);
  if (kind_ == "leaky_relu") return at::leaky_relu(input, negative_slope_);
  return input;
}

PixelShuffleImpl::PixelShuffleImpl(int64_t upscale_factor)
    : Module("srgan_cpp::nn::PixelShuffle"), upscale_factor_(upscale_factor) {
  TORCH_CHECK_VALUE(upscale_factor > 0, "PixelShuffle: expected `upscale_factor` > 0, got ", upscale_factor);
}

at::Tensor PixelShuffleImpl::forward(const at::Tensor& input) const {
  return ops::pixel_shuffle(input, upscale_factor_);
}

}  // namespace srgan_cpp::nn
