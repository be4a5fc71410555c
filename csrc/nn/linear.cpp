#include "nn/linear.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/linear.h>

#include <cmath>

namespace srgan_cpp::nn {

LinearImpl::LinearImpl(int64_t in_features, int64_t out_features, bool bias)
    : Module("srgan_cpp::nn::Linear"), in_features_(in_features), out_features_(out_features) {
  TORCH_CHECK_VALUE(in_features > 0 && out_features > 0, "Linear: expected positive `in_features` and "
                    "`out_features`, got ", in_features, " and ", out_features);
  // torch.nn.Linear's default (kaiming_uniform with a = sqrt(5)): U(-1/sqrt(in), 1/sqrt(in)).
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  register_parameter("weight", at::empty({out_features, in_features}).uniform_(-bound, bound));
  if (bias) register_parameter("bias", at::empty({out_features}).uniform_(-bound, bound));
}

at::Tensor LinearImpl::forward(const at::Tensor& input) const {
  TORCH_CHECK_VALUE(input.dim() >= 1 && input.size(-1) == in_features_, "Linear: expected `input` with last "
                    "dimension ", in_features_, ", got shape ", input.sizes());
  return at::linear(input, param("weight"), param_or_undefined("bias"));
}

}  // namespace srgan_cpp::nn
