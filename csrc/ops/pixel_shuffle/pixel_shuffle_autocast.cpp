// Autocast rules of the pixel-shuffle family (see common/autocast.h):
//   fused_pixel_shuffle      lower_precision_fp: it fuses the bias of the conv before it and
//                            a PReLU, both of which autocast runs in the autocast dtype -
//                            so a bfloat16 conv output with float32 bias, PReLU weight and
//                            residual (a model under AMP) computes in bfloat16;
//   pixel_shuffle, _unshuffle  no cast (like torch.nn.functional.pixel_shuffle).
// The backward op is reached only through autograd, with the forward's (cast) dtypes.
#include <ATen/core/dispatch/Dispatcher.h>

#include "common/autocast.h"
#include "common/op_handle.h"

namespace srgan_cpp::pixel_shuffle_detail {
namespace {

at::Tensor fused_call(const at::Tensor& input, int64_t r, const c10::optional<at::Tensor>& bias,
                      c10::string_view activation, const c10::optional<at::Tensor>& prelu_weight,
                      double negative_slope, const c10::optional<at::Tensor>& residual) {
  static auto op = op_handle<decltype(fused_call)>("srgan_cpp::fused_pixel_shuffle");
  return op.call(input, r, bias, activation, prelu_weight, negative_slope, residual);
}

}  // namespace

SRGAN_CPP_REGISTER_AUTOCAST("fused_pixel_shuffle", lower_precision_fp, fused_call)
SRGAN_CPP_AUTOCAST_RUNS_IN_INPUT_DTYPE("pixel_shuffle")
SRGAN_CPP_AUTOCAST_RUNS_IN_INPUT_DTYPE("pixel_unshuffle")

}  // namespace srgan_cpp::pixel_shuffle_detail
