// Autocast rule of the RaGAN loss (see common/autocast.h): fp32, like
// binary_cross_entropy_with_logits - both logit tensors are cast to float32, so logits from
// a discriminator run in bfloat16 or float16 mix with float32 ones. The backward op is
// reached only through autograd.
#include <ATen/core/dispatch/Dispatcher.h>

#include "common/autocast.h"
#include "common/op_handle.h"

namespace srgan_cpp::ragan_detail {
namespace {

std::tuple<at::Tensor, at::Tensor> forward_call(const at::Tensor& real, const at::Tensor& fake,
                                                c10::string_view target, c10::string_view reduction) {
  static auto handle = op_handle<decltype(forward_call)>("srgan_cpp::ragan_loss");
  return handle.call(real, fake, target, reduction);
}

}  // namespace

SRGAN_CPP_REGISTER_AUTOCAST("ragan_loss", fp32, forward_call)

}  // namespace srgan_cpp::ragan_detail
