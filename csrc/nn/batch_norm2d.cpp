#include "nn/batch_norm2d.h"

#include <ATen/Context.h>
#include <ATen/ops/batch_norm.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>

#include "common/tensor_checks.h"

namespace srgan_cpp::nn {

BatchNorm2dImpl::BatchNorm2dImpl(const BatchNorm2dOptions& o)
    : ModuleWithOptions<BatchNorm2dOptions>("srgan_cpp::nn::BatchNorm2d", o) {
  TORCH_CHECK_VALUE(o.num_features() > 0, "BatchNorm2d: expected `num_features` > 0, got ", o.num_features());
  TORCH_CHECK_VALUE(o.eps() > 0, "BatchNorm2d: expected `eps` > 0, got ", o.eps());
  TORCH_CHECK_VALUE(o.momentum() >= 0 && o.momentum() <= 1, "BatchNorm2d: expected `momentum` in [0, 1], got ",
                    o.momentum());
  const int64_t c = o.num_features();
  register_parameter("weight", at::ones({c}));
  register_parameter("bias", at::zeros({c}));
  register_buffer("running_mean", at::zeros({c}));
  register_buffer("running_var", at::ones({c}));
  register_buffer("num_batches_tracked", at::scalar_tensor(0, at::kLong));
}

at::Tensor BatchNorm2dImpl::forward(const at::Tensor& input) const {
  constexpr const char* op = "BatchNorm2d";
  check_floating(input, op, "input");
  check_dim(input, 4, op, "input", "N, C, H, W");
  TORCH_CHECK_VALUE(input.size(1) == options_.num_features(), op, ": expected `input` with ",
                    options_.num_features(), " channels, got shape ", input.sizes());
  const bool training = is_training();
  if (training) {
    // As F.batch_norm: one value per channel has no variance (the running variance would
    // become NaN/inf).
    TORCH_CHECK_VALUE(input.numel() / input.size(1) > 1, op,
                      ": expected more than 1 value per channel when training, got `input` of shape ",
                      input.sizes());
    c10::AutoGradMode no_grad(false);
    buffer("num_batches_tracked").add_(1);
  }
  // at::batch_norm updates running_mean / running_var in place when training.
  return at::batch_norm(input, param("weight"), param("bias"), buffer("running_mean"), buffer("running_var"),
                        training, options_.momentum(), options_.eps(), at::globalContext().userEnabledCuDNN());
}

}  // namespace srgan_cpp::nn
