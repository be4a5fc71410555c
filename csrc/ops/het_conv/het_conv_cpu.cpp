// CPU strategy of HetConv: compute in the input's own layout - no layout conversion.
//
// Every pass of HetConv on CPU is memory-bound (the grouped 3x3 conv and the 1x1 GEMM do
// few FLOPs per byte), so what counts is full-tensor passes over memory and library calls
// (each an OpenMP region whose barrier waits for a scheduler wake-up when cores are shared).
//   channels_last input: grouped conv + one 2-D GEMM over all pixels, in place (NHWC);
//   NCHW input (float32/64): grouped conv in NCHW + the 1x1 part as one batched GEMM
//     W1 (out x in) @ X_n (in x H'W') per sample, accumulated in place (baddbmm_); the
//     weight gradient of the 1x1 part is one batched GEMM summed over the batch.
// The previous CPU path converted NCHW inputs to channels_last and back (input, output,
// grad_output, grad_input: five extra full-tensor copies per training step); oneDNN
// reorders NCHW to its blocked layout internally anyway, so the explicit copies were pure
// extra passes. Measured in docs/s3-issue4.md (benchmarks/bench_het_conv.py).
//
// float16/bfloat16 keep the channels_last formulation of the earlier measurements (not
// re-measured). Evaluated and rejected: splitting the batch over the threads with
// single-threaded library calls inside one parallel region (cache-blocked, one barrier
// per pass) - fast in isolation, but oneDNN's backward-weights primitive deadlocks when
// run inside an OpenMP region; chunking the batch with multi-threaded calls - wins on an
// idle machine, loses badly on a shared one (4x the barriers).
#include "common/tensor_checks.h"
#include "ops/het_conv/het_conv_kernels.h"

namespace srgan_cpp::het_conv_detail {

bool cpu_computes_channels_last(const at::Tensor& input) {
  const auto dt = input.scalar_type();
  return is_channels_last_input(input) || !(dt == at::kFloat || dt == at::kDouble);
}

at::Tensor forward_cpu(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                       const at::Tensor& bias, const HetGeometry& g) {
  return forward_composite(input, weight3x3, weight1x1, bias, g, cpu_computes_channels_last(input));
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward_cpu(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight3x3,
    const at::Tensor& weight1x1, const HetGeometry& g, std::array<bool, 4> mask) {
  return backward_composite(grad_output, input, weight3x3, weight1x1, g, mask, cpu_computes_channels_last(input));
}

}  // namespace srgan_cpp::het_conv_detail
