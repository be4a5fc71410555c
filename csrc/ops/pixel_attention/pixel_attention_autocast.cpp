// Autocast for pixel_attention: under torch.autocast it runs in the autocast dtype, like the
// 1x1 conv whose output it gates (conv2d is a lower-precision op), casting input, gate and
// bias - so a bfloat16 conv output with a float32 bias and input works in AMP.
#include <ATen/autocast_mode.h>
#include <torch/library.h>

#include "ops/pixel_attention/pixel_attention.h"

namespace srgan_cpp::pixel_attention_detail {
namespace {

template <c10::DeviceType kDevice, c10::DispatchKey kKey>
at::Tensor pixel_attention_autocast(const at::Tensor& input, const at::Tensor& gate,
                                    const c10::optional<at::Tensor>& bias) {
  c10::impl::ExcludeDispatchKeyGuard no_autocast(kKey);
  const at::ScalarType dt = at::autocast::get_autocast_dtype(kDevice);
  return ops::pixel_attention(at::autocast::cached_cast(dt, input, kDevice), at::autocast::cached_cast(dt, gate, kDevice),
                              at::autocast::cached_cast(dt, bias, kDevice));
}

}  // namespace

TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCPU, m) {
  m.impl("pixel_attention", &pixel_attention_autocast<c10::DeviceType::CPU, c10::DispatchKey::AutocastCPU>);
}
TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCUDA, m) {
  m.impl("pixel_attention", &pixel_attention_autocast<c10::DeviceType::CUDA, c10::DispatchKey::AutocastCUDA>);
}

}  // namespace srgan_cpp::pixel_attention_detail
