// Schemas of the pixel-attention gate and its backward, their CPU / CUDA registration and
// the public C++ API that calls the dispatcher.
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

#include "common/op_handle.h"
#include "common/op_registration.h"
#include "ops/pixel_attention/pixel_attention.h"
#include "ops/pixel_attention/pixel_attention_kernels.h"

namespace srgan_cpp {

TORCH_LIBRARY_FRAGMENT(srgan_cpp, m) {
  m.def("pixel_attention(Tensor input, Tensor gate, Tensor? bias=None) -> Tensor");
  m.def(
      "pixel_attention_backward(Tensor grad_output, Tensor input, Tensor gate, Tensor? bias) "
      "-> (Tensor, Tensor, Tensor)");
}

SRGAN_CPP_REGISTER_WITH_BACKWARD("pixel_attention", &pixel_attention_detail::forward, &pixel_attention_detail::backward)

namespace ops {

at::Tensor pixel_attention(const at::Tensor& input, const at::Tensor& gate, const c10::optional<at::Tensor>& bias) {
  static auto op = op_handle<at::Tensor(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&)>(
      "srgan_cpp::pixel_attention");
  return op.call(input, gate, bias);
}

}  // namespace ops
}  // namespace srgan_cpp
