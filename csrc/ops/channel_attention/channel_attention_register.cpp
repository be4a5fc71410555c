// Schemas of the channel-attention op and its backward, their CPU / CUDA registration and
// the public C++ API that calls the dispatcher.
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

#include "common/op_handle.h"
#include "common/op_registration.h"
#include "ops/channel_attention/channel_attention.h"
#include "ops/channel_attention/channel_attention_kernels.h"

namespace srgan_cpp {

TORCH_LIBRARY_FRAGMENT(srgan_cpp, m) {
  m.def(
      "channel_attention(Tensor input, Tensor squeeze_weight, Tensor? squeeze_bias, Tensor excite_weight, "
      "Tensor? excite_bias) -> Tensor");
  m.def(
      "channel_attention_backward(Tensor grad_output, Tensor input, Tensor squeeze_weight, Tensor? squeeze_bias, "
      "Tensor excite_weight, Tensor? excite_bias) -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
}

SRGAN_CPP_REGISTER_WITH_BACKWARD("channel_attention", &channel_attention_detail::forward,
                                 &channel_attention_detail::backward)

namespace ops {

at::Tensor channel_attention(const at::Tensor& input, const at::Tensor& squeeze_weight,
                             const c10::optional<at::Tensor>& squeeze_bias, const at::Tensor& excite_weight,
                             const c10::optional<at::Tensor>& excite_bias) {
  static auto op =
      op_handle<at::Tensor(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&, const at::Tensor&,
                           const c10::optional<at::Tensor>&)>("srgan_cpp::channel_attention");
  return op.call(input, squeeze_weight, squeeze_bias, excite_weight, excite_bias);
}

}  // namespace ops
}  // namespace srgan_cpp
