#include "nn/prelu.h"

#include <ATen/ops/full.h>
#include <ATen/ops/prelu.h>

namespace srgan_cpp::nn {

PReLUImpl::PReLUImpl(int64_t num_parameters, double init)
    : Module("srgan_cpp::nn::PReLU"), num_parameters_(num_parameters) {
  TORCH_CHECK_VALUE(num_parameters > 0, "PReLU: expected `num_parameters` > 0, got ", num_parameters);
  register_parameter("weight", at::full({num_parameters}, init));
}

at::Tensor PReLUImpl::forward(const at::Tensor& input) const { return at::prelu(input, weight()); }

}  // namespace srgan_cpp::nn
