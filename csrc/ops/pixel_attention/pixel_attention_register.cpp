// Schemas of the pixel-attention gate and its backward, their CPU / CUDA registration and
// the public C++ API that calls the dispatcher.
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

#include "common/same_device.h"
#include "ops/pixel_attention/pixel_attention.h"
#include "ops/pixel_attention/pixel_attention_kernels.h"

namespace srgan_cpp {

TORCH_LIBRARY_FRAGMENT(srgan_cpp, m) {
  m.def("pixel_attention(Tensor input, Tensor gate, Tensor? bias=None) -> Tensor");
  m.def(
      "pixel_attention_backward(Tensor grad_output, Tensor input, Tensor gate, Tensor? bias) "
      "-> (Tensor, Tensor, Tensor)");
}

// The same checked, device-generic bodies serve both keys; a CPU-only build answers CUDA
// tensors with a clear error instead of the dispatcher's "no kernel" message.
#define SRGAN_CPP_REGISTER_PIXEL_ATTENTION(KEY)                                 \
  TORCH_LIBRARY_IMPL(srgan_cpp, KEY, m) {                                       \
    m.impl("pixel_attention", &pixel_attention_detail::forward);                \
    m.impl("pixel_attention_backward", &pixel_attention_detail::backward);      \
  }
SRGAN_CPP_REGISTER_PIXEL_ATTENTION(CPU)
SRGAN_CPP_REGISTER_PIXEL_ATTENTION(CUDA)

// The device check before any kernel (common/same_device.h).
TORCH_LIBRARY_IMPL(srgan_cpp, BackendSelect, m) {
  SRGAN_CPP_CHECK_SAME_DEVICE(m, "pixel_attention");
  SRGAN_CPP_CHECK_SAME_DEVICE(m, "pixel_attention_backward");
}

namespace ops {

at::Tensor pixel_attention(const at::Tensor& input, const at::Tensor& gate, const c10::optional<at::Tensor>& bias) {
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("srgan_cpp::pixel_attention", "")
                       .typed<at::Tensor(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&)>();
  return op.call(input, gate, bias);
}

}  // namespace ops
}  // namespace srgan_cpp
