#pragma once
// BatchNorm2d with torch.nn.BatchNorm2d's names and semantics (affine, tracking running
// statistics): parameters "weight", "bias"; buffers "running_mean", "running_var",
// "num_batches_tracked". Training normalises with the batch statistics and updates the
// running buffers in place (running = (1 - momentum) * running + momentum * batch, the
// variance unbiased); eval normalises with the running statistics. Because the buffers are
// updated in place and rebind() gives them the Python wrapper's storage, the Python buffers
// see every update.
#include <torch/nn/pimpl.h>

#include "nn/module.h"

namespace srgan_cpp::nn {

struct BatchNorm2dOptions {
  explicit BatchNorm2dOptions(int64_t num_features) : num_features_(num_features) {}
  TORCH_ARG(int64_t, num_features);
  TORCH_ARG(double, eps) = 1e-5;
  TORCH_ARG(double, momentum) = 0.1;  // torch's convention: weight of the new batch statistic
};

class BatchNorm2dImpl : public ModuleWithOptions<BatchNorm2dOptions> {
 public:
  explicit BatchNorm2dImpl(const BatchNorm2dOptions& options);
  // (N, num_features, H, W) -> same shape. In training mode N*H*W must be > 1.
  at::Tensor forward(const at::Tensor& input) const;
};
TORCH_MODULE(BatchNorm2d);

}  // namespace srgan_cpp::nn
