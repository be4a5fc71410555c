// Autocast for channel_attention: under torch.autocast it runs in the autocast dtype, like
// the 1x1 convs and the product it replaces (conv2d is a lower-precision op), casting the
// input and the gate's weights - so float32 parameters work in AMP.
#include <ATen/autocast_mode.h>
#include <torch/library.h>

#include "ops/channel_attention/channel_attention.h"

namespace srgan_cpp::channel_attention_detail {
namespace {

template <c10::DeviceType kDevice, c10::DispatchKey kKey>
at::Tensor channel_attention_autocast(const at::Tensor& input, const at::Tensor& w1, const c10::optional<at::Tensor>& b1,
                                      const at::Tensor& w2, const c10::optional<at::Tensor>& b2) {
  c10::impl::ExcludeDispatchKeyGuard no_autocast(kKey);
  const at::ScalarType dt = at::autocast::get_autocast_dtype(kDevice);
  return ops::channel_attention(at::autocast::cached_cast(dt, input, kDevice), at::autocast::cached_cast(dt, w1, kDevice),
                                at::autocast::cached_cast(dt, b1, kDevice), at::autocast::cached_cast(dt, w2, kDevice),
                                at::autocast::cached_cast(dt, b2, kDevice));
}

}  // namespace

TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCPU, m) {
  m.impl("channel_attention", &channel_attention_autocast<c10::DeviceType::CPU, c10::DispatchKey::AutocastCPU>);
}
TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCUDA, m) {
  m.impl("channel_attention", &channel_attention_autocast<c10::DeviceType::CUDA, c10::DispatchKey::AutocastCUDA>);
}

}  // namespace srgan_cpp::channel_attention_detail
