// CUDA strategy of HetConv: cuDNN's grouped conv for the 3x3 part and one cuBLAS GEMM for
// the 1x1 part (het_conv_compute.cpp), in the input's own layout - cuDNN and cuBLAS serve
// NCHW and NHWC alike, so no layout copy is made. Only c10/cuda headers here (see
// pixel_shuffle_cuda.cu): the work is launched through ATen, which handles streams.
//
// Not measured on a GPU yet (no device was available to this change); the benchmark
// (benchmarks/bench_het_conv.py) runs the CUDA rows wherever a GPU is present.
#include <c10/cuda/CUDAGuard.h>

#include "common/tensor_checks.h"
#include "ops/het_conv/het_conv_kernels.h"

namespace srgan_cpp::het_conv_detail {

at::Tensor forward_cuda(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                        const at::Tensor& bias, const HetGeometry& g) {
  const c10::cuda::CUDAGuard guard(input.device());
  return forward_composite(input, weight3x3, weight1x1, bias, g, is_channels_last_input(input));
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward_cuda(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight3x3,
    const at::Tensor& weight1x1, const HetGeometry& g, std::array<bool, 4> mask) {
  const c10::cuda::CUDAGuard guard(input.device());
  return backward_composite(grad_output, input, weight3x3, weight1x1, g, mask, is_channels_last_input(input));
}

}  // namespace srgan_cpp::het_conv_detail
