// Argument validation of the HetConv op family (shared by the CPU and CUDA paths).
#include <ATen/ops/arange.h>
#include <ATen/ops/zeros.h>

#include "common/size_checks.h"
#include "common/tensor_checks.h"
#include "ops/het_conv/het_conv_kernels.h"

namespace srgan_cpp::het_conv_detail {

void check_weights(const at::Tensor& weight3x3, const at::Tensor& weight1x1, int64_t parts, const char* op) {
  check_floating(weight3x3, op, "weight3x3");
  check_floating(weight1x1, op, "weight1x1");
  check_same_device(weight1x1, weight3x3, op, "weight1x1", "weight3x3");
  check_same_dtype(weight1x1, weight3x3, op, "weight1x1", "weight3x3");
  TORCH_CHECK_VALUE(parts >= 1, op, ": expected `parts` >= 1, got ", parts);
  TORCH_CHECK_VALUE(weight3x3.dim() == 4 && weight3x3.size(2) == 3 && weight3x3.size(3) == 3, op,
                    ": expected `weight3x3` of shape (out_channels, in_channels / parts, 3, 3), got ",
                    weight3x3.sizes());
  TORCH_CHECK_VALUE(weight1x1.dim() == 2, op,
                    ": expected `weight1x1` of rank 2 (out_channels, in_channels - in_channels / parts), got shape ",
                    weight1x1.sizes());
  const int64_t out = weight3x3.size(0), cg = weight3x3.size(1);
  TORCH_CHECK_VALUE(out > 0 && cg > 0, op, ": expected `weight3x3` with at least one output and input channel, got ",
                    weight3x3.sizes());
  const int64_t in = checked_scaled_size(cg, parts, op, "parts", "in_channels = weight3x3.size(1) * parts =");
  TORCH_CHECK_VALUE(out % parts == 0, op, ": expected out_channels (", out, ") to be divisible by `parts` (", parts,
                    ")");
  TORCH_CHECK_VALUE(weight1x1.size(0) == out && weight1x1.size(1) == in - cg, op, ": expected `weight1x1` of shape (",
                    out, ", ", in - cg, ") for in_channels ", in, ", out_channels ", out, " and parts ", parts,
                    ", got ", weight1x1.sizes());
}

HetGeometry check_args(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                       const c10::optional<at::Tensor>& bias, int64_t parts, int64_t stride, const char* op) {
  check_floating(input, op, "input");
  check_dim(input, 4, op, "input", "N, C, H, W");
  TORCH_CHECK_VALUE(stride == 1 || stride == 2, op, ": expected `stride` 1 or 2, got ", stride);
  TORCH_CHECK_VALUE(parts >= 1, op, ": expected `parts` >= 1, got ", parts);
  const int64_t in = input.size(1);
  TORCH_CHECK_VALUE(in % parts == 0, op, ": expected the channel count of `input` (", in,
                    ") to be divisible by `parts` (", parts, ")");
  // weight3x3 against the input first: check_weights derives in_channels from weight3x3.
  // (size(1) == in / parts, not size(1) * parts == in: the product can overflow.)
  TORCH_CHECK_VALUE(weight3x3.dim() == 4 && weight3x3.size(1) == in / parts, op,
                    ": expected `weight3x3` of shape (out_channels, ", in / parts, ", 3, 3) for an input with ", in,
                    " channels and parts ", parts, ", got ", weight3x3.sizes());
  check_weights(weight3x3, weight1x1, parts, op);
  check_same_device(weight3x3, input, op, "weight3x3");
  check_same_dtype(weight3x3, input, op, "weight3x3");
  const int64_t out = weight3x3.size(0);
  if (bias.has_value() && bias->defined()) {
    check_same_device(*bias, input, op, "bias");
    check_same_dtype(*bias, input, op, "bias");
    TORCH_CHECK_VALUE(bias->dim() == 1 && bias->size(0) == out, op, ": expected `bias` of shape (", out,
                      ",), got ", bias->sizes());
  }
  const int64_t h = input.size(2), w = input.size(3);
  TORCH_CHECK_VALUE(h > 0 && w > 0, op, ": expected `input` with non-empty H and W, got shape ", input.sizes());
  return HetGeometry{input.size(0), in, out, h, w, parts, stride, (h - 1) / stride + 1, (w - 1) / stride + 1};
}

at::Tensor one_by_one_columns(int64_t in, int64_t out, int64_t parts, const at::TensorOptions& device) {
  const int64_t cg = in / parts, og = out / parts;
  const auto opts = device.dtype(at::kLong);
  const at::Tensor j = at::arange(in - cg, opts).unsqueeze(0);                 // (1, in - cg)
  const at::Tensor start = at::arange(out, opts).div(og, "floor").mul_(cg).unsqueeze(1);  // (out, 1): g*cg
  // Entries at or past the row's own group skip over its cg channels.
  return j.ge(start).to(at::kLong).mul_(cg).add_(j);
}

at::Tensor one_by_one_full(const at::Tensor& weight1x1, int64_t in, int64_t parts) {
  const int64_t out = weight1x1.size(0);
  at::Tensor full = at::zeros({out, in}, weight1x1.options());
  return full.scatter_(1, one_by_one_columns(in, out, parts, weight1x1.options()), weight1x1);
}

}  // namespace srgan_cpp::het_conv_detail
