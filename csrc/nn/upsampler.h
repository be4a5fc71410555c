#pragma once
// The up-sampling choices of the SR literature as one layer, for models where the papers
// vary it (the survey's "up-sampling inside the network"):
//   "pixel_shuffle"   - conv3x3(C, C r^2) then pixel shuffle (ESPCN, EDSR, SRResNet); the
//                       conv bias and the activation are applied inside srgan_cpp's fused
//                       pixel-shuffle op (one pass over the up-sampled tensor);
//   "transposed_conv" - a learned transposed conv (FSRCNN, LapSRN): kernel 4 / stride 2 /
//                       padding 1 per x2 stage, kernel 3 / stride 3 for x3;
//   "nearest_conv"    - nearest-neighbour x r then conv3x3(C, C) (ESRGAN, Odena et al.'s
//                       remedy for the checkerboard artefacts of transposed convs).
// Scale 2^n is n x2 stages, scale 3 one x3 stage. Stage i's learned layer is child
// "<2i>" (BasicSR's Upsample layout: upsample.0, upsample.2, ...), its PReLU (activation
// "prelu": one slope, as torch.nn.PReLU()) child "<2i + 1>".
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/prelu.h"

namespace srgan_cpp::nn {

struct UpsamplerOptions {
  UpsamplerOptions(int64_t channels, int64_t scale) : channels_(channels), scale_(scale) {}
  TORCH_ARG(int64_t, channels);
  TORCH_ARG(int64_t, scale);                          // a power of 2, or 3
  TORCH_ARG(std::string, mode) = "pixel_shuffle";     // "pixel_shuffle" | "transposed_conv" | "nearest_conv"
  TORCH_ARG(std::string, activation) = "none";        // "none" | "relu" | "leaky_relu" | "prelu"
  TORCH_ARG(double, negative_slope) = 0.2;            // of "leaky_relu"
};

class UpsamplerImpl : public ModuleWithOptions<UpsamplerOptions> {
 public:
  explicit UpsamplerImpl(const UpsamplerOptions& options);
  // (N, channels, H, W) -> (N, channels, H * scale, W * scale).
  at::Tensor forward(const at::Tensor& input) const;
  // The factor of each stage (2, 2, ... or 3).
  const std::vector<int64_t>& factors() const { return factors_; }

 private:
  at::Tensor activate(at::Tensor x, size_t stage) const;

  std::vector<int64_t> factors_;
  std::vector<Conv2d> convs_;                // pixel_shuffle / nearest_conv stages
  std::vector<ConvTranspose2d> deconvs_;     // transposed_conv stages
  std::vector<PReLU> prelus_;                // activation "prelu"
};
TORCH_MODULE(Upsampler);

}  // namespace srgan_cpp::nn
