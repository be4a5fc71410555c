#pragma once
// Parameter-free layers that exist only to occupy an index in a Sequence, so that the
// indices of the layers after them (and hence state_dict keys) match the plain-PyTorch
// models (e.g. Real-ESRGAN's SRVGGNetCompact body: conv, act, conv, act, ...; BasicSR's
// Upsample: conv, PixelShuffle, conv, PixelShuffle).
#include <torch/nn/pimpl.h>

#include <string>

#include "nn/module.h"

namespace srgan_cpp::nn {

// "identity" | "relu" | "leaky_relu" (negative_slope).
class ActivationImpl : public Module {
 public:
  explicit ActivationImpl(const std::string& kind, double negative_slope = 0.01);
  // Any shape -> same shape.
  at::Tensor forward(const at::Tensor& input) const;
  const std::string& kind() const { return kind_; }
  double negative_slope() const { return negative_slope_; }

 private:
  std::string kind_;
  double negative_slope_;
};
TORCH_MODULE(Activation);

// (N, C*r*r, H, W) -> (N, C, H*r, W*r) through srgan_cpp's pixel_shuffle op.
class PixelShuffleImpl : public Module {
 public:
  explicit PixelShuffleImpl(int64_t upscale_factor);
  at::Tensor forward(const at::Tensor& input) const;
  int64_t upscale_factor() const { return upscale_factor_; }

 private:
  int64_t upscale_factor_;
};
TORCH_MODULE(PixelShuffle);

}  // namespace srgan_cpp::nn
