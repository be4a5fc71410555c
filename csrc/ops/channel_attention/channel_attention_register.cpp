// Schemas of the channel-attention op and its backward, their CPU / CUDA registration and
// the public C++ API that calls the dispatcher.
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

#include "common/same_device.h"
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

// The same checked, device-generic bodies serve both keys; a CPU-only build answers CUDA
// tensors with a clear error instead of the dispatcher's "no kernel" message.
#define SRGAN_CPP_REGISTER_CHANNEL_ATTENTION(KEY)                                   \
  TORCH_LIBRARY_IMPL(srgan_cpp, KEY, m) {                                           \
    m.impl("channel_attention", &channel_attention_detail::forward);                \
    m.impl("channel_attention_backward", &channel_attention_detail::backward);      \
  }
SRGAN_CPP_REGISTER_CHANNEL_ATTENTION(CPU)
SRGAN_CPP_REGISTER_CHANNEL_ATTENTION(CUDA)

// The device check before any kernel (common/same_device.h).
TORCH_LIBRARY_IMPL(srgan_cpp, BackendSelect, m) {
  SRGAN_CPP_CHECK_SAME_DEVICE(m, "channel_attention");
  SRGAN_CPP_CHECK_SAME_DEVICE(m, "channel_attention_backward");
}

namespace ops {

at::Tensor channel_attention(const at::Tensor& input, const at::Tensor& squeeze_weight,
                             const c10::optional<at::Tensor>& squeeze_bias, const at::Tensor& excite_weight,
                             const c10::optional<at::Tensor>& excite_bias) {
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("srgan_cpp::channel_attention", "")
                       .typed<at::Tensor(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&,
                                         const at::Tensor&, const c10::optional<at::Tensor>&)>();
  return op.call(input, squeeze_weight, squeeze_bias, excite_weight, excite_bias);
}

}  // namespace ops
}  // namespace srgan_cpp
