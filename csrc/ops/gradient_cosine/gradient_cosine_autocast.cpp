// Autocast rule of the gradient cosine loss (see common/autocast.h): fp32, like
// cosine_similarity and the other losses - sr and hr are cast to float32, so a bfloat16
// or float16 model output is compared with a float32 target (and the per-sample sums keep
// float32 precision). The backward op is reached only through autograd.
#include <ATen/core/dispatch/Dispatcher.h>

#include "common/autocast.h"
#include "common/op_handle.h"

namespace srgan_cpp::gradient_cosine_detail {
namespace {

std::tuple<at::Tensor, at::Tensor> forward_call(const at::Tensor& sr, const at::Tensor& hr, c10::string_view op,
                                                c10::string_view mode, c10::string_view reduction, double eps) {
  static auto handle = op_handle<decltype(forward_call)>("srgan_cpp::gradient_cosine_loss");
  return handle.call(sr, hr, op, mode, reduction, eps);
}

}  // namespace

SRGAN_CPP_REGISTER_AUTOCAST("gradient_cosine_loss", fp32, forward_call)

}  // namespace srgan_cpp::gradient_cosine_detail
