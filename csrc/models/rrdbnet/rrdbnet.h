#pragma once
// BasicSR's RRDBNet (ESRGAN generator): conv_first, num_block RRDBs, conv_body with a long
// skip, two (nearest x2 -> 3x3 conv -> LeakyReLU(0.2)) stages, conv_hr + LeakyReLU, conv_last.
// scale 4 works on the input directly; scale 2 and 1 first pixel-unshuffle the input by 2 and
// 4 (so conv_first sees num_in_ch*4 / num_in_ch*16 channels), as Real-ESRGAN x2 does. Keys
// identical to BasicSR: conv_first, body.N.rdbK.convM, conv_body, conv_up1, conv_up2,
// conv_hr, conv_last.
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/rrdbnet/rrdb_block.h"
#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct RRDBNetOptions {
  TORCH_ARG(int64_t, num_in_ch) = 3;
  TORCH_ARG(int64_t, num_out_ch) = 3;
  TORCH_ARG(int64_t, scale) = 4;  // 1, 2 or 4
  TORCH_ARG(int64_t, num_feat) = 64;
  TORCH_ARG(int64_t, num_block) = 23;
  TORCH_ARG(int64_t, num_grow_ch) = 32;
  SRGAN_CPP_OPTIONS(num_in_ch, num_out_ch, scale, num_feat, num_block, num_grow_ch);
};

class RRDBNetImpl : public nn::ModuleWithOptions<RRDBNetOptions> {
 public:
  explicit RRDBNetImpl(const RRDBNetOptions& options = {});
  // (N, num_in_ch, H, W) -> (N, num_out_ch, H*scale, W*scale). For scale 2 (1), H and W must
  // be divisible by 2 (4): the input is pixel-unshuffled first (ValueError otherwise).
  at::Tensor forward(const at::Tensor& input);
  // 4 / scale: the pixel-unshuffle factor applied to the input (1 = none).
  int64_t unshuffle_factor() const { return 4 / options_.scale(); }

  nn::Conv2d conv_first{nullptr}, conv_body{nullptr}, conv_up1{nullptr}, conv_up2{nullptr}, conv_hr{nullptr},
      conv_last{nullptr};
  nn::Repeated<RRDB> body{nullptr};
};
TORCH_MODULE(RRDBNet);

}  // namespace srgan_cpp::models
