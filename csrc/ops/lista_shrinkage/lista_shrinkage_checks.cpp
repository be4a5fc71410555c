// Argument validation of the LISTA shrinkage ops.
#include "common/tensor_checks.h"
#include "ops/lista_shrinkage/lista_shrinkage_kernels.h"

namespace srgan_cpp::lista_detail {
namespace {

void check_threshold(const at::Tensor& threshold, const at::Tensor& like, const char* op) {
  check_floating(threshold, op, "threshold");
  check_same_device(threshold, like, op, "threshold");
  TORCH_CHECK_VALUE(threshold.dim() == 1 && threshold.size(0) == like.size(1), op,
                    ": expected `threshold` of shape (", like.size(1), ",) - one per channel of `input` ",
                    like.sizes(), " - got ", threshold.sizes());
}

}  // namespace

void check_forward_args(const at::Tensor& input, const at::Tensor& threshold, const at::Tensor& addend,
                        const char* op) {
  check_floating(input, op, "input");
  check_dim(input, 4, op, "input", "N, C, H, W");
  check_threshold(threshold, input, op);
  if (addend.defined()) {
    check_same_device(addend, input, op, "addend");
    check_same_dtype(addend, input, op, "addend");
    TORCH_CHECK_VALUE(addend.sizes() == input.sizes(), op, ": expected `addend` of the shape of `input` ",
                      input.sizes(), ", got ", addend.sizes());
  }
}

void check_backward_args(const at::Tensor& grad, const at::Tensor& output, const at::Tensor& threshold,
                         const char* op) {
  check_floating(output, op, "output");
  check_dim(output, 4, op, "output", "N, C, H, W");
  TORCH_CHECK(grad.device() == output.device(), op, ": expected `grad` on ", output.device(), ", got ",
              grad.device());
  TORCH_CHECK_TYPE(grad.scalar_type() == output.scalar_type(), op, ": expected `grad` of dtype ",
                   output.scalar_type(), ", got ", grad.scalar_type());
  TORCH_CHECK_VALUE(grad.sizes() == output.sizes(), op, ": expected `grad` of shape ", output.sizes(), ", got ",
                    grad.sizes());
  check_threshold(threshold, output, op);
}

}  // namespace srgan_cpp::lista_detail
