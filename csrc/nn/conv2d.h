#pragma once
// The 2-D convolution layers whose weight and bias can be shared with Python (see module.h):
// Conv2d and ConvTranspose2d (torch.nn.ConvTranspose2d with groups 1 and dilation 1, the
// learned up-sampler of FSRCNN and LapSRN). Like torch's detail::ConvNdOptions they share
// one options type, and one layer class told apart by `Transposed`.
#include <torch/nn/pimpl.h>

#include "nn/module.h"
#include "nn/winograd_conv3x3.h"

namespace srgan_cpp::nn {

struct ConvOptions {
  ConvOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, kernel_size);
  TORCH_ARG(int64_t, stride) = 1;
  TORCH_ARG(int64_t, padding) = 0;
  TORCH_ARG(int64_t, output_padding) = 0;  // transposed convs only: 0 <= output_padding < stride
  TORCH_ARG(bool, bias) = true;
};
using Conv2dOptions = ConvOptions;
using ConvTranspose2dOptions = ConvOptions;

// Checks the options of `layer` (its name, for the message): positive channels, kernel_size
// and stride, padding >= 0, and output_padding 0 (or in [0, stride) when transposed).
void check_conv_options(const ConvOptions& o, const char* layer, bool transposed);

// Whether a (non-transposed) conv with these options is a 3x3, stride-1, padding-1 one, which
// inference may run by winograd_conv3x3 (nn/winograd_conv3x3.h) instead of at::conv2d.
bool takes_winograd(const ConvOptions& o);

template <bool Transposed>
class ConvImpl : public ModuleWithOptions<ConvOptions> {
 public:
  explicit ConvImpl(const ConvOptions& options);
  // (N, in_channels, H, W) -> (N, out_channels, H', W'): H' = (H + 2 padding - kernel_size)
  // / stride + 1, or (H - 1) * stride - 2 padding + kernel_size + output_padding when
  // transposed; same for W. weight (out, in, k, k), or (in, out, k, k) when transposed; bias (out,).
  at::Tensor forward(const at::Tensor& input) const;
  const at::Tensor& weight() const { return param("weight"); }
  at::Tensor bias() const { return param_or_undefined("bias"); }
};
extern template class ConvImpl<false>;
extern template class ConvImpl<true>;

using Conv2dImpl = ConvImpl<false>;
using ConvTranspose2dImpl = ConvImpl<true>;
TORCH_MODULE(Conv2d);
TORCH_MODULE(ConvTranspose2d);

// epilogue(conv(input)), without the conv's bias if !with_bias (for ops that add it
// themselves): in inference, the Winograd convolution with the activation fused into its
// output pass where it applies; else at::conv2d followed by the activation in place on its
// own output (leaky_relu_, or prelu_inference_, which keeps at::prelu where a gradient is
// needed). Conv2d::forward is conv2d_activated(conv, input, {}).
at::Tensor conv2d_activated(const Conv2dImpl& conv, const at::Tensor& input, const ConvEpilogue& epilogue,
                            bool with_bias = true);

// A bilinear up-sampling kernel for a transposed conv of stride `factor` (kernel 2 * factor
// - factor % 2): every output channel c reads input channel c only. LapSRN initialises its
// image up-sampler this way, so training starts from bilinear interpolation.
void bilinear_init_(ConvTranspose2dImpl& conv);

}  // namespace srgan_cpp::nn
