// CPU strategy of HetConv: always compute in channels_last. oneDNN's grouped 3x3 conv is
// ~2x faster on NHWC than on NCHW here, and NHWC turns the 1x1 part into a single 2-D GEMM
// over all pixels of the batch. For NCHW inputs that still beat the NCHW-native form
// (grouped conv + batched GEMM: 1.8x slower forward, 1.2x slower forward+backward at
// 16x64x96x96, P = 4, in a one-off check outside the harness) despite the two layout
// copies - but those copies are why NCHW callers see little gain over the dense conv;
// keep activations channels_last (benchmarks/bench_het_conv.py, docs/issue4.md).
#include "ops/het_conv/het_conv_kernels.h"

namespace srgan_cpp::het_conv_detail {

at::Tensor forward_cpu(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                       const at::Tensor& bias, const HetGeometry& g) {
  return forward_composite(input, weight3x3, weight1x1, bias, g, /*channels_last=*/true);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward_cpu(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight3x3,
    const at::Tensor& weight1x1, const HetGeometry& g, std::array<bool, 4> mask) {
  return backward_composite(grad_output, input, weight3x3, weight1x1, g, mask, /*channels_last=*/true);
}

}  // namespace srgan_cpp::het_conv_detail
