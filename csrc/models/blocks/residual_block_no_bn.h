#pragma once
// BasicSR's ResidualBlockNoBN: x + res_scale * conv2(relu(conv1(x))), 3x3 convs, no batch
// norm (EDSR showed BN hurts SR). Keys: conv1.weight/bias, conv2.weight/bias.
#include <torch/nn/pimpl.h>

#include "nn/conv2d.h"
#include "nn/module.h"

namespace srgan_cpp::models {

class ResidualBlockNoBNImpl : public nn::Module {
 public:
  // basicsr_init: BasicSR's 0.1-scaled kaiming init (MSRResNet); false keeps PyTorch's
  // default init (EDSR, BasicSR's pytorch_init=True).
  ResidualBlockNoBNImpl(int64_t num_feat, double res_scale, bool basicsr_init);
  // (N, num_feat, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& x) const;

  nn::Conv2d conv1{nullptr}, conv2{nullptr};

 private:
  double res_scale_;
};
TORCH_MODULE(ResidualBlockNoBN);

}  // namespace srgan_cpp::models
