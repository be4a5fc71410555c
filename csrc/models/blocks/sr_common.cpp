#include "models/blocks/sr_common.h"

#include <ATen/autocast_mode.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/leaky_relu.h>

#include "common/tensor_checks.h"

namespace srgan_cpp::models {

nn::Conv2d conv3x3(int64_t in_channels, int64_t out_channels) {
  return nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, 3).padding(1));
}

at::Tensor conv_without_bias(const nn::Conv2dImpl& conv, const at::Tensor& input) {
  return nn::conv2d_activated(conv, input, {}, /*with_bias=*/false);
}

at::Tensor leaky_relu_inplace(at::Tensor t, double negative_slope) {
  at::leaky_relu_(t, negative_slope);
  return t;
}

void check_sr_input(const at::Tensor& input, const char* op, int64_t in_channels, const at::Tensor& like,
                    bool allow_autocast) {
  check_floating(input, op, "input");
  check_dim(input, 4, op, "input", "N, C, H, W");
  TORCH_CHECK_VALUE(input.size(1) == in_channels, op, ": expected `input` with ", in_channels,
                    " channels, got shape ", input.sizes());
  TORCH_CHECK_VALUE(input.size(0) > 0 && input.size(2) > 0 && input.size(3) > 0, op,
                    ": expected a non-empty `input`, got shape ", input.sizes());
  const bool any_dtype = allow_autocast && at::autocast::is_autocast_enabled(input.device().type());
  TORCH_CHECK(input.device() == like.device() && (any_dtype || input.scalar_type() == like.scalar_type()), op,
              ": expected `input` on ", like.device(), " with dtype ", like.scalar_type(),
              " like the model's parameters, got ", input.device(), " ", input.scalar_type());
}

}  // namespace srgan_cpp::models
