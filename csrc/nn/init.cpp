#include "nn/init.h"

#include <c10/core/GradMode.h>

#include <cmath>

namespace srgan_cpp::nn {

void scaled_kaiming_normal_(Conv2dImpl& conv, double scale) {
  c10::AutoGradMode no_grad(false);
  const auto& w = conv.weight();
  const double fan_in = static_cast<double>(w.size(1) * w.size(2) * w.size(3));
  w.normal_(0.0, std::sqrt(2.0 / fan_in) * scale);
  const at::Tensor b = conv.bias();
  if (b.defined()) b.zero_();
}

}  // namespace srgan_cpp::nn
