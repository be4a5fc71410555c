// Autocast rule of channel_attention (see common/autocast.h): lower_precision_fp, like the
// 1x1 convs and the product it replaces (conv2d is a lower-precision op) - the input and the
// gate's weights are cast to the autocast dtype, so float32 parameters work in AMP. The
// backward op is reached only through autograd, with the forward's (cast) dtypes.
#include <ATen/core/dispatch/Dispatcher.h>

#include "common/autocast.h"
#include "common/op_handle.h"

namespace srgan_cpp::channel_attention_detail {
namespace {

at::Tensor channel_attention_call(const at::Tensor& input, const at::Tensor& w1, const c10::optional<at::Tensor>& b1,
                                  const at::Tensor& w2, const c10::optional<at::Tensor>& b2) {
  static auto op = op_handle<decltype(channel_attention_call)>("srgan_cpp::channel_attention");
  return op.call(input, w1, b1, w2, b2);
}

}  // namespace

SRGAN_CPP_REGISTER_AUTOCAST("channel_attention", lower_precision_fp, channel_attention_call)

}  // namespace srgan_cpp::channel_attention_detail
