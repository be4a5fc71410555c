#pragma once
// Real-ESRGAN's SRVGGNetCompact: a plain VGG-style body of num_conv+2 3x3 convs, each but the
// last followed by an activation (PReLU(num_feat) | ReLU | LeakyReLU(0.1)), whose last conv
// outputs num_out_ch*upscale^2 channels that are pixel-shuffled and added to the
// nearest-upsampled input. Keys identical to Real-ESRGAN: body.0 (conv), body.1 (PReLU
// weight, if prelu), body.2 (conv), ..., body.{2*num_conv+2} (last conv).
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct SRVGGNetCompactOptions {
  TORCH_ARG(int64_t, num_in_ch) = 3;
  TORCH_ARG(int64_t, num_out_ch) = 3;
  TORCH_ARG(int64_t, num_feat) = 64;
  TORCH_ARG(int64_t, num_conv) = 16;
  TORCH_ARG(int64_t, upscale) = 4;
  TORCH_ARG(std::string, act_type) = "prelu";  // "prelu" | "relu" | "leakyrelu"
  SRGAN_CPP_OPTIONS(num_in_ch, num_out_ch, num_feat, num_conv, upscale, act_type);
};

class SRVGGNetCompactImpl : public nn::ModuleWithOptions<SRVGGNetCompactOptions> {
 public:
  explicit SRVGGNetCompactImpl(const SRVGGNetCompactOptions& options = {});
  // (N, num_in_ch, H, W), any H, W >= 1 -> (N, num_out_ch, H*upscale, W*upscale).
  at::Tensor forward(const at::Tensor& input);

  nn::Sequence body{nullptr};
  std::vector<nn::Conv2d> convs;               // body.0, body.2, ..., the last conv
  std::vector<std::shared_ptr<nn::Module>> acts;  // body.1, body.3, ... (PReLU or Activation)

 private:
  // acts[i](convs[i](x)), the activation fused into the conv where it can be.
  at::Tensor conv_activated(size_t i, const at::Tensor& x) const;
};
TORCH_MODULE(SRVGGNetCompact);

}  // namespace srgan_cpp::models
