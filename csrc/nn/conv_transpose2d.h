#pragma once
// A 2-D transposed convolution layer (torch.nn.ConvTranspose2d, groups 1, dilation 1) whose
// weight and bias can be shared with Python (see module.h). The learned up-sampler of
// FSRCNN and LapSRN.
#include <torch/nn/pimpl.h>

#include "nn/module.h"

namespace srgan_cpp::nn {

struct ConvTranspose2dOptions {
  ConvTranspose2dOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, kernel_size);
  TORCH_ARG(int64_t, stride) = 1;
  TORCH_ARG(int64_t, padding) = 0;
  TORCH_ARG(int64_t, output_padding) = 0;
  TORCH_ARG(bool, bias) = true;
};

class ConvTranspose2dImpl : public ModuleWithOptions<ConvTranspose2dOptions> {
 public:
  explicit ConvTranspose2dImpl(const ConvTranspose2dOptions& options);
  // (N, in_channels, H, W) -> (N, out_channels, (H - 1) * stride - 2 * padding + kernel_size
  // + output_padding, same for W); weight (in, out, k, k), bias (out,).
  at::Tensor forward(const at::Tensor& input) const;
  const at::Tensor& weight() const { return param("weight"); }
  at::Tensor bias() const { return param_or_undefined("bias"); }
};
TORCH_MODULE(ConvTranspose2d);

// A bilinear up-sampling kernel for a transposed conv of stride `factor` (kernel 2 * factor
// - factor % 2): every output channel c reads input channel c only. LapSRN initialises its
// image up-sampler this way, so training starts from bilinear interpolation.
void bilinear_init_(ConvTranspose2dImpl& conv);

}  // namespace srgan_cpp::nn
