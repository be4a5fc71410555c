// Argument validation of the channel-attention op: every message names the op and the argument.
#include "ops/channel_attention/channel_attention_kernels.h"

#include "common/tensor_checks.h"

namespace srgan_cpp::channel_attention_detail {
namespace {

// A 1x1-conv weight (rows, cols, 1, 1) or its matrix (rows, cols); returns {rows, cols}.
std::pair<int64_t, int64_t> check_weight(const at::Tensor& w, const at::Tensor& input, const char* op, const char* arg) {
  check_same_device(w, input, op, arg);
  check_same_dtype(w, input, op, arg);
  const bool conv = w.dim() == 4 && w.size(2) == 1 && w.size(3) == 1;
  TORCH_CHECK_VALUE(w.dim() == 2 || conv, op, ": expected `", arg,
                    "` of shape (out, in) or (out, in, 1, 1) - the weight of a 1x1 conv - got ", w.sizes());
  return {w.size(0), w.size(1)};
}

void check_bias(const c10::optional<at::Tensor>& b, int64_t size, const at::Tensor& input, const char* op,
                const char* arg) {
  if (!b.has_value() || !b->defined()) return;
  check_same_device(*b, input, op, arg);
  check_same_dtype(*b, input, op, arg);
  TORCH_CHECK_VALUE(b->dim() == 1 && b->size(0) == size, op, ": expected `", arg, "` of shape (", size, ",), got ",
                    b->sizes());
}

}  // namespace

Geometry check_args(const at::Tensor& input, const at::Tensor& squeeze_weight, const c10::optional<at::Tensor>& squeeze_bias,
                    const at::Tensor& excite_weight, const c10::optional<at::Tensor>& excite_bias,
                    const at::Tensor& grad_output, const char* op) {
  check_floating(input, op, "input");
  check_dim(input, 4, op, "input", "N, C, H, W");
  const int64_t c = input.size(1);
  TORCH_CHECK_VALUE(c > 0 && input.size(2) > 0 && input.size(3) > 0, op,
                    ": expected `input` with C, H, W >= 1 (the mean over H, W must exist), got shape ", input.sizes());
  const auto [cr, c1] = check_weight(squeeze_weight, input, op, "squeeze_weight");
  TORCH_CHECK_VALUE(c1 == c && cr > 0, op, ": expected `squeeze_weight` of shape (Cr, ", c,
                    ") - Cr >= 1 hidden channels from the input's ", c, " - got ", squeeze_weight.sizes());
  const auto [c2, cr2] = check_weight(excite_weight, input, op, "excite_weight");
  TORCH_CHECK_VALUE(c2 == c && cr2 == cr, op, ": expected `excite_weight` of shape (", c, ", ", cr,
                    ") - back from the ", cr, " hidden channels to the input's ", c, " - got ", excite_weight.sizes());
  check_bias(squeeze_bias, cr, input, op, "squeeze_bias");
  check_bias(excite_bias, c, input, op, "excite_bias");
  if (grad_output.defined()) {
    check_same_device(grad_output, input, op, "grad_output");
    check_same_dtype(grad_output, input, op, "grad_output");
    TORCH_CHECK_VALUE(grad_output.sizes() == input.sizes(), op, ": expected `grad_output` of the input's shape ",
                      input.sizes(), ", got ", grad_output.sizes());
  }
  return Geometry{input.size(0), c, input.size(2), input.size(3), cr, is_channels_last_input(input)};
}

}  // namespace srgan_cpp::channel_attention_detail
