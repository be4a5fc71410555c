#pragma once
// PReLU with `num_parameters` learnable slopes (1, or one per channel), parameter "weight"
// initialised to `init` (0.25, as torch.nn.PReLU), readable and rebindable from Python.
#include <torch/nn/pimpl.h>

#include "nn/module.h"

namespace srgan_cpp::nn {

class PReLUImpl : public Module {
 public:
  explicit PReLUImpl(int64_t num_parameters = 1, double init = 0.25);
  // (N, C, ...) -> same shape; weight (num_parameters,), num_parameters 1 or C.
  at::Tensor forward(const at::Tensor& input) const;
  const at::Tensor& weight() const { return param("weight"); }
  int64_t num_parameters() const { return num_parameters_; }

 private:
  int64_t num_parameters_;
};
TORCH_MODULE(PReLU);

}  // namespace srgan_cpp::nn
