#include "models/blocks/basicsr_upsample.h"

#include <string>

#include "models/blocks/sr_common.h"
#include "nn/activation.h"
#include "ops/pixel_shuffle/pixel_shuffle.h"

namespace srgan_cpp::models {

BasicSRUpsampleImpl::BasicSRUpsampleImpl(int64_t scale, int64_t num_feat, const char* model)
    : nn::Module("srgan_cpp::models::BasicSRUpsample") {
  TORCH_CHECK_VALUE(supports(scale), model, ": expected `upscale` a power of 2, or 3, got ", scale);
  auto stage = [&](int64_t r) {
    const auto index = static_cast<int64_t>(2 * convs.size());
    convs.push_back(register_module(std::to_string(index), conv3x3(num_feat, r * r * num_feat)));
    register_module(std::to_string(index + 1), nn::PixelShuffle(r));
    factors.push_back(r);
  };
  if (scale == 3) {
    stage(3);
  } else {
    for (int64_t k = scale; k > 1; k /= 2) stage(2);
  }
}

at::Tensor BasicSRUpsampleImpl::forward(const at::Tensor& x) const {
  at::Tensor h = x;
  for (size_t i = 0; i < convs.size(); ++i) {
    h = ops::fused_pixel_shuffle(conv_without_bias(*convs[i], h), factors[i], convs[i]->bias(), "none", c10::nullopt,
                                 0.0, c10::nullopt);
  }
  return h;
}

}  // namespace srgan_cpp::models
