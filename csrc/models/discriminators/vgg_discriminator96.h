#pragma once
// The SRGAN-style discriminator for 96x96 patches in KAIR's layout (`Discriminator_VGG_96`,
// used by PSRGAN): `features` is one flat Sequence - features.0 a 3x3 conv (bias, no
// activation), then nine convs (bias, padding 1) alternating 4x4 stride 2 and 3x3 stride 1
// (widths base, 2b, 2b, 4b, 4b, 8b, 8b, 8b, 8b), each followed by the layers of `ac_type`
// ("BL": BatchNorm2d(momentum 0.9, eps 1e-4, KAIR's values) + LeakyReLU(0.2)) - so with "BL"
// the convs sit at features.0, 1, 4, 7, ..., 25 and the batch norms at 2, 5, ..., 26.
// 96 -> 3 after five stride-2 convs; `classifier` = Linear(8b*3*3, 100), LeakyReLU(0.2),
// Linear(100, 1) (classifier.0, classifier.2). One logit per image, no sigmoid.
#include <torch/nn/pimpl.h>

#include <functional>
#include <string>
#include <vector>

#include "nn/linear.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct VGGDiscriminator96Options {
  TORCH_ARG(int64_t, in_nc) = 3;
  TORCH_ARG(int64_t, base_nc) = 64;
  // Layers after each conv but the first: "BL", "BR", "L" or "R" (B: BatchNorm2d,
  // L: LeakyReLU 0.2, R: ReLU; KAIR's non-inplace 'l' / 'r' compute the same).
  TORCH_ARG(std::string, ac_type) = "BL";
  SRGAN_CPP_OPTIONS(in_nc, base_nc, ac_type);
};

class VGGDiscriminator96Impl : public nn::ModuleWithOptions<VGGDiscriminator96Options> {
 public:
  explicit VGGDiscriminator96Impl(const VGGDiscriminator96Options& options = {});
  // (N, in_nc, 96, 96) -> (N, 1) logits.
  at::Tensor forward(const at::Tensor& input);

  nn::Sequence features{nullptr}, classifier{nullptr};
  nn::Linear linear0{nullptr}, linear1{nullptr};  // classifier.0, classifier.2

 private:
  std::vector<std::function<at::Tensor(const at::Tensor&)>> layers_;  // features, in order
};
TORCH_MODULE(VGGDiscriminator96);

}  // namespace srgan_cpp::models
