#include "models/blocks/residual_block_no_bn.h"

#include <ATen/ops/relu.h>

#include "models/blocks/sr_common.h"
#include "nn/init.h"

namespace srgan_cpp::models {

ResidualBlockNoBNImpl::ResidualBlockNoBNImpl(int64_t num_feat, double res_scale, bool basicsr_init)
    : nn::Module("srgan_cpp::models::ResidualBlockNoBN"), res_scale_(res_scale) {
  conv1 = register_module("conv1", conv3x3(num_feat, num_feat));
  conv2 = register_module("conv2", conv3x3(num_feat, num_feat));
  if (basicsr_init) {
    nn::scaled_kaiming_normal_(*conv1, 0.1);
    nn::scaled_kaiming_normal_(*conv2, 0.1);
  }
}

at::Tensor ResidualBlockNoBNImpl::forward(const at::Tensor& x) const {
  // relu_ in place is safe: the conv output is not needed by the conv's backward.
  // The scaling and the skip go in place into conv2's output too (no new (N, C, H, W)
  // tensor per block): neither the conv's backward nor mul/add by a scalar needs it.
  at::Tensor out = conv2->forward(conv1->forward(x).relu_());
  if (res_scale_ != 1.0) out.mul_(res_scale_);
  return out.add_(x);
}

}  // namespace srgan_cpp::models
