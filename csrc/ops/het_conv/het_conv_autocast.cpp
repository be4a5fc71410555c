// Autocast rule of het_conv2d (see common/autocast.h): lower_precision_fp, like F.conv2d -
// input, weights and bias are cast to the autocast dtype, so float32 parameters work in
// AMP. The dense converters are CompositeImplicitAutograd (plain ATen ops, which carry
// their own rules); the backward op is reached only through autograd.
#include <ATen/core/dispatch/Dispatcher.h>

#include "common/autocast.h"
#include "common/op_handle.h"

namespace srgan_cpp::het_conv_detail {
namespace {

at::Tensor het_conv2d_call(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                           const c10::optional<at::Tensor>& bias, int64_t parts, int64_t stride) {
  static auto op = op_handle<decltype(het_conv2d_call)>("srgan_cpp::het_conv2d");
  return op.call(input, weight3x3, weight1x1, bias, parts, stride);
}

}  // namespace

SRGAN_CPP_REGISTER_AUTOCAST("het_conv2d", lower_precision_fp, het_conv2d_call)

}  // namespace srgan_cpp::het_conv_detail
