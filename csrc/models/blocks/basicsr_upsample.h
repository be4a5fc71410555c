#pragma once
// BasicSR's `Upsample` (basicsr/archs/arch_util.py): x2^n - n stages of conv3x3(F -> 4F) ->
// PixelShuffle(2); x3 - conv3x3(F -> 9F) -> PixelShuffle(3). Children are named as in that
// nn.Sequential ("0" conv, "1" shuffle, "2" conv, ...), so keys read upsample.0.weight,
// upsample.2.weight. Each stage runs as the conv without bias + the fused pixel-shuffle op
// (which adds the bias). Used by RCAN.
#include <torch/nn/pimpl.h>

#include <vector>

#include "nn/conv2d.h"
#include "nn/module.h"

namespace srgan_cpp::models {

class BasicSRUpsampleImpl : public nn::Module {
 public:
  // scale: a power of 2, or 3 (checked; `model` names the caller in the message).
  BasicSRUpsampleImpl(int64_t scale, int64_t num_feat, const char* model);
  // (N, num_feat, H, W) -> (N, num_feat, H*scale, W*scale).
  at::Tensor forward(const at::Tensor& x) const;

  std::vector<nn::Conv2d> convs;  // "0", "2", ...
  std::vector<int64_t> factors;   // the shuffle factor after each

  // Whether BasicSR's Upsample supports `scale` (a power of 2, or 3).
  static bool supports(int64_t scale) { return scale == 3 || (scale > 0 && (scale & (scale - 1)) == 0); }
};
TORCH_MODULE(BasicSRUpsample);

}  // namespace srgan_cpp::models
