// Argument validation and shape handling shared by the CPU and CUDA pixel-shuffle kernels.
#include "ops/pixel_shuffle/pixel_shuffle_kernels.h"

#include <ATen/ops/empty.h>
#include "common/size_checks.h"
#include "common/tensor_checks.h"

namespace srgan_cpp::pixel_shuffle_detail {

Act parse_activation(const std::string& activation) {
  if (activation == "none") return Act::None;
  if (activation == "relu") return Act::ReLU;
  if (activation == "leaky_relu") return Act::LeakyReLU;
  if (activation == "prelu") return Act::PReLU;
  TORCH_CHECK_VALUE(false, "srgan_cpp.ops.fused_pixel_shuffle: expected `activation` to be one of "
                    "'none', 'relu', 'leaky_relu', 'prelu', got '", activation, "'");
}

at::Tensor as_4d_checked(const at::Tensor& input, int64_t factor, bool upscale, const char* op) {
  const char* fname = upscale ? "upscale_factor" : "downscale_factor";
  check_floating(input, op, "input");
  TORCH_CHECK_VALUE(input.dim() >= 3, op, ": expected `input` of rank >= 3 (*, C, H, W), got rank ",
                    input.dim(), " with shape ", input.sizes());
  const int64_t r2 = checked_factor_square(factor, op, fname);
  const int64_t c = input.size(-3), h = input.size(-2), w = input.size(-1);
  std::vector<int64_t> out_sizes(input.sizes().begin(), input.sizes().end());
  if (upscale) {
    TORCH_CHECK_VALUE(c % r2 == 0, op, ": expected the channel count of `input` (", c,
                      ") to be divisible by upscale_factor**2 = ", r2, "; input shape ", input.sizes());
    out_sizes.end()[-3] = c / r2;
    out_sizes.end()[-2] = checked_scaled_size(h, factor, op, fname, "the output height");
    out_sizes.end()[-1] = checked_scaled_size(w, factor, op, fname, "the output width");
  } else {
    TORCH_CHECK_VALUE(h % factor == 0 && w % factor == 0, op, ": expected the height and width of `input` (",
                      h, ", ", w, ") to be divisible by downscale_factor = ", factor, "; input shape ",
                      input.sizes());
    out_sizes.end()[-3] = checked_scaled_size(c, r2, op, fname, "the output channel count");
    out_sizes.end()[-2] = h / factor;
    out_sizes.end()[-1] = w / factor;
  }
  check_output_sizes_fit(out_sizes, op, fname);
  if (input.dim() == 4) return input;
  // The leading dims' product, not -1: reshape cannot infer a -1 for an empty tensor. It
  // fits int64 because the output sizes (which include these dims) do.
  int64_t lead = 1;
  for (int64_t d = 0; d < input.dim() - 3; ++d) lead *= input.size(d);
  return input.reshape({lead, c, h, w});
}

ShuffleGeometry check_fused_args(const at::Tensor& input, int64_t r, const c10::optional<at::Tensor>& bias,
                                 Act act, const c10::optional<at::Tensor>& prelu_weight,
                                 const c10::optional<at::Tensor>& residual, const char* op) {
  check_floating(input, op, "input");
  check_dim(input, 4, op, "input", "N, C*r*r, H, W");
  const int64_t r2 = checked_factor_square(r, op, "upscale_factor");
  const int64_t cin = input.size(1);
  TORCH_CHECK_VALUE(cin % r2 == 0, op, ": expected the channel count of `input` (", cin,
                    ") to be divisible by upscale_factor**2 = ", r2);
  ShuffleGeometry g{input.size(0), cin / r2, input.size(2), input.size(3), r};
  const std::vector<int64_t> out_sizes{g.n, g.c,
                                       checked_scaled_size(g.h, r, op, "upscale_factor", "the output height"),
                                       checked_scaled_size(g.w, r, op, "upscale_factor", "the output width")};
  check_output_sizes_fit(out_sizes, op, "upscale_factor");
  if (bias.has_value() && bias->defined()) {
    check_same_device(*bias, input, op, "bias");
    check_same_dtype(*bias, input, op, "bias");
    TORCH_CHECK_VALUE(bias->dim() == 1 && bias->size(0) == cin, op, ": expected `bias` of shape (", cin,
                      ",) - one value per input channel, as the conv before the shuffle - got ", bias->sizes());
  }
  const bool has_weight = prelu_weight.has_value() && prelu_weight->defined();
  if (act == Act::PReLU) {
    TORCH_CHECK_VALUE(has_weight, op, ": activation 'prelu' needs `prelu_weight` of 1 or ", g.c, " elements");
    check_same_device(*prelu_weight, input, op, "prelu_weight");
    check_same_dtype(*prelu_weight, input, op, "prelu_weight");
    TORCH_CHECK_VALUE(prelu_weight->dim() <= 1 && (prelu_weight->numel() == 1 || prelu_weight->numel() == g.c), op,
                      ": expected `prelu_weight` of shape (1,) or (", g.c, ",) - one value per output channel - got ",
                      prelu_weight->sizes());
  } else {
    TORCH_CHECK_VALUE(!has_weight, op, ": `prelu_weight` is only used with activation 'prelu'");
  }
  if (residual.has_value() && residual->defined()) {
    check_same_device(*residual, input, op, "residual");
    check_same_dtype(*residual, input, op, "residual");
    TORCH_CHECK_VALUE(residual->sizes() == at::IntArrayRef(out_sizes), op,
                      ": expected `residual` of the output shape ", at::IntArrayRef(out_sizes), ", got ",
                      residual->sizes());
  }
  return g;
}

at::Tensor empty_like_layout(const at::Tensor& input, at::IntArrayRef sizes) {
  const auto fmt = is_channels_last_input(input) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  return at::empty(sizes, input.options().memory_format(fmt));
}

}  // namespace srgan_cpp::pixel_shuffle_detail
