// Autocast for het_conv2d: under torch.autocast it runs in the autocast dtype (like
// F.conv2d does), casting input, weights and bias, so float32 parameters work in AMP.
#include <ATen/autocast_mode.h>
#include <torch/library.h>

#include "ops/het_conv/het_conv.h"

namespace srgan_cpp::het_conv_detail {
namespace {

template <c10::DeviceType kDevice, c10::DispatchKey kKey>
at::Tensor het_conv2d_autocast(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                               const c10::optional<at::Tensor>& bias, int64_t parts, int64_t stride) {
  c10::impl::ExcludeDispatchKeyGuard no_autocast(kKey);
  const at::ScalarType dt = at::autocast::get_autocast_dtype(kDevice);
  return ops::het_conv2d(at::autocast::cached_cast(dt, input, kDevice),
                         at::autocast::cached_cast(dt, weight3x3, kDevice),
                         at::autocast::cached_cast(dt, weight1x1, kDevice),
                         at::autocast::cached_cast(dt, bias, kDevice), parts, stride);
}

}  // namespace

TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCPU, m) {
  m.impl("het_conv2d", &het_conv2d_autocast<c10::DeviceType::CPU, c10::DispatchKey::AutocastCPU>);
}
TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCUDA, m) {
  m.impl("het_conv2d", &het_conv2d_autocast<c10::DeviceType::CUDA, c10::DispatchKey::AutocastCUDA>);
}

}  // namespace srgan_cpp::het_conv_detail
