// Argument validation of the pixel-attention gate: every message names the op and the argument.
#include "common/tensor_checks.h"
#include "ops/pixel_attention/pixel_attention_kernels.h"

namespace srgan_cpp::pixel_attention_detail {

Geometry check_args(const at::Tensor& input, const at::Tensor& gate, const c10::optional<at::Tensor>& bias,
                    const at::Tensor& grad_output, const char* op) {
  check_floating(input, op, "input");
  check_dim(input, 4, op, "input", "N, C, H, W");
  check_same_device(gate, input, op, "gate");
  check_same_dtype(gate, input, op, "gate");
  check_dim(gate, 4, op, "gate", "N, C or 1, H, W");
  const int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
  const int64_t gc = gate.size(1);
  TORCH_CHECK_VALUE(gate.size(0) == n && gate.size(2) == h && gate.size(3) == w && (gc == c || gc == 1), op,
                    ": expected `gate` of shape (", n, ", ", c, " or 1, ", h, ", ", w,
                    ") - one gate per element, or per pixel - for `input` of shape ", input.sizes(), ", got ",
                    gate.sizes());
  if (bias.has_value() && bias->defined()) {
    check_same_device(*bias, input, op, "bias");
    check_same_dtype(*bias, input, op, "bias");
    TORCH_CHECK_VALUE(bias->dim() == 1 && bias->size(0) == gc, op, ": expected `bias` of shape (", gc,
                      ",) - one value per gate channel - got ", bias->sizes());
  }
  if (grad_output.defined()) {
    check_same_device(grad_output, input, op, "grad_output");
    check_same_dtype(grad_output, input, op, "grad_output");
    TORCH_CHECK_VALUE(grad_output.sizes() == input.sizes(), op, ": expected `grad_output` of the input's shape ",
                      input.sizes(), ", got ", grad_output.sizes());
  }
  return Geometry{n, c, h, w, gc, is_channels_last_input(input)};
}

}  // namespace srgan_cpp::pixel_attention_detail
