#pragma once
// A fully connected layer with torch.nn.Linear's names ("weight" (out, in), "bias" (out,))
// and default initialisation, shareable with Python (see module.h).
#include <torch/nn/pimpl.h>

#include "nn/module.h"

namespace srgan_cpp::nn {

class LinearImpl : public Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true);
  // (..., in_features) -> (..., out_features).
  at::Tensor forward(const at::Tensor& input) const;
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }

 private:
  int64_t in_features_, out_features_;
};
TORCH_MODULE(Linear);

}  // namespace srgan_cpp::nn
