// Autocast rule of pixel_attention (see common/autocast.h): lower_precision_fp, like the 1x1
// conv whose output it gates (conv2d is a lower-precision op) - input, gate and bias are cast
// to the autocast dtype, so a bfloat16 conv output with a float32 bias and input works in
// AMP. The backward op is reached only through autograd, with the forward's (cast) dtypes.
#include <ATen/core/dispatch/Dispatcher.h>

#include "common/autocast.h"
#include "common/op_handle.h"

namespace srgan_cpp::pixel_attention_detail {
namespace {

at::Tensor pixel_attention_call(const at::Tensor& input, const at::Tensor& gate, const c10::optional<at::Tensor>& bias) {
  static auto op = op_handle<decltype(pixel_attention_call)>("srgan_cpp::pixel_attention");
  return op.call(input, gate, bias);
}

}  // namespace

SRGAN_CPP_REGISTER_AUTOCAST("pixel_attention", lower_precision_fp, pixel_attention_call)

}  // namespace srgan_cpp::pixel_attention_detail
