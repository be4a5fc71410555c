// Argument validation of the RaGAN loss ops.
#include "common/tensor_checks.h"
#include "ops/ragan_loss/ragan_loss_kernels.h"

namespace srgan_cpp::ragan_detail {

Signs parse_target(const std::string& target, const char* op) {
  if (target == "discriminator") return {-1, +1};
  if (target == "generator") return {+1, -1};
  TORCH_CHECK_VALUE(false, op, ": expected `target` to be 'discriminator' or 'generator', got '", target, "'");
}

void check_logits(const at::Tensor& real, const at::Tensor& fake, const char* op) {
  check_floating(real, op, "real_logits");
  check_floating(fake, op, "fake_logits");
  check_same_device(fake, real, op, "fake_logits", "real_logits");
  check_same_dtype(fake, real, op, "fake_logits", "real_logits");
  TORCH_CHECK_VALUE(fake.sizes() == real.sizes(), op,
                    ": expected `real_logits` and `fake_logits` of the same shape (one logit per real and per fake "
                    "sample), got ", real.sizes(), " and ", fake.sizes());
  TORCH_CHECK_VALUE(real.numel() > 0, op, ": expected non-empty logits (the loss averages over them), got shape ",
                    real.sizes());
}

}  // namespace srgan_cpp::ragan_detail
