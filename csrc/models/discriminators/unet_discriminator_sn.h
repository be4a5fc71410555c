#pragma once
// Real-ESRGAN's UNetDiscriminatorSN (also in BasicSR): a U-Net that gives one logit per
// pixel. conv0 (3x3, bias) + LeakyReLU(0.2); down path conv1..conv3 (4x4 stride 2);
// up path: bilinear x2 (align_corners=False) then conv4..conv6 (3x3), each added to the
// matching down feature when skip_connection; conv7, conv8 (3x3); conv9 (3x3, bias) -> 1
// channel. conv1..conv8 are bias-free and spectral-normalised (weight_orig, weight_u,
// weight_v), every conv but conv9 is followed by LeakyReLU(0.2). Keys identical to
// Real-ESRGAN / BasicSR, so their net_d files load. H and W must be multiples of 8 (three
// stride-2 levels that are upsampled back and added).
#include <torch/nn/pimpl.h>

#include <vector>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/spectral_norm_conv2d.h"

namespace srgan_cpp::models {

struct UNetDiscriminatorSNOptions {
  TORCH_ARG(int64_t, num_in_ch) = 3;
  TORCH_ARG(int64_t, num_feat) = 64;
  TORCH_ARG(bool, skip_connection) = true;
  SRGAN_CPP_OPTIONS(num_in_ch, num_feat, skip_connection);
};

class UNetDiscriminatorSNImpl : public nn::ModuleWithOptions<UNetDiscriminatorSNOptions> {
 public:
  explicit UNetDiscriminatorSNImpl(const UNetDiscriminatorSNOptions& options = {});
  // (N, num_in_ch, H, W), H and W multiples of 8 -> (N, 1, H, W) logits.
  at::Tensor forward(const at::Tensor& input);

  nn::Conv2d conv0{nullptr}, conv9{nullptr};
  std::vector<nn::SpectralNormConv2d> sn;  // conv1 .. conv8
};
TORCH_MODULE(UNetDiscriminatorSN);

}  // namespace srgan_cpp::models
