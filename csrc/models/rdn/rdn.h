#pragma once
// RDN (Zhang et al., CVPR 2018, "Residual Dense Network for Image Super-Resolution"), with
// the key layout of the EDSR-PyTorch implementation (src/model/rdn.py), so its checkpoints
// load: shallow features SFENet1, SFENet2 (3x3 convs, G0 channels); D residual dense blocks
// RDBs.D (C layers of growth G each, local fusion and residual); global feature fusion GFF.0
// (1x1, D*G0 -> G0) and GFF.1 (3x3) over the concatenated block outputs, plus the global
// residual (SFENet1's output); the up-sampler UPNet - x2 / x3: conv(G0 -> G*r*r),
// PixelShuffle(r), conv(G -> out); x4: two conv(-> 4G) + PixelShuffle(2) stages, then
// conv(G -> out) - keys UPNet.0, UPNet.2 (, UPNet.4).
// img_range: the input is multiplied by it and the output divided by it. 1 keeps [0, 1]
// images end to end; EDSR-PyTorch's checkpoints were trained on [0, 255] (rgb_range 255).
#include <torch/nn/pimpl.h>

#include <vector>

#include "models/rdn/residual_dense_block.h"
#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct RDNOptions {
  TORCH_ARG(int64_t, num_in_ch) = 3;
  TORCH_ARG(int64_t, num_out_ch) = 3;
  TORCH_ARG(int64_t, upscale) = 4;         // 2, 3 or 4
  TORCH_ARG(int64_t, num_features) = 64;   // G0
  TORCH_ARG(int64_t, num_blocks) = 16;     // D  (the paper's configuration: D=16, C=8, G=64)
  TORCH_ARG(int64_t, num_layers) = 8;      // C
  TORCH_ARG(int64_t, growth_rate) = 64;    // G
  TORCH_ARG(double, img_range) = 1.0;
  SRGAN_CPP_OPTIONS(num_in_ch, num_out_ch, upscale, num_features, num_blocks, num_layers, growth_rate, img_range);
};

class RDNImpl : public nn::ModuleWithOptions<RDNOptions> {
 public:
  explicit RDNImpl(const RDNOptions& options = {});
  // (N, num_in_ch, H, W), any H, W >= 1 -> (N, num_out_ch, H*upscale, W*upscale).
  at::Tensor forward(const at::Tensor& input);

  nn::Conv2d sfe1{nullptr}, sfe2{nullptr};  // SFENet1, SFENet2
  nn::Sequence rdbs{nullptr};               // RDBs
  std::vector<RDB> blocks;
  nn::Sequence gff{nullptr};                // GFF
  nn::Conv2d gff_fuse{nullptr}, gff_conv{nullptr};
  nn::Sequence upnet{nullptr};              // UPNet
  std::vector<nn::Conv2d> up_convs;         // the convs before each shuffle
  std::vector<int64_t> up_factors;
  nn::Conv2d up_last{nullptr};
};
TORCH_MODULE(RDN);

}  // namespace srgan_cpp::models
