#include "models/fsrcnn/fsrcnn.h"

#include <ATen/ops/prelu.h>
#include <c10/core/GradMode.h>

#include <cmath>

#include "models/blocks/sr_common.h"

namespace srgan_cpp::models {

FSRCNNImpl::FSRCNNImpl(const FSRCNNOptions& o) : nn::ModuleWithOptions<FSRCNNOptions>("srgan_cpp::models::FSRCNN", o) {
  TORCH_CHECK_VALUE(o.in_channels() > 0 && o.d() > 0 && o.s() > 0 && o.m() >= 0,
                    "FSRCNN: expected positive in_channels, d, s and m >= 0, got ", o.in_channels(), ", ", o.d(), ", ",
                    o.s(), ", ", o.m());
  TORCH_CHECK_VALUE(o.scale() >= 1, "FSRCNN: expected `scale` >= 1, got ", o.scale());
  auto add = [&](nn::Sequence& seq, int64_t in, int64_t out, int64_t k) {
    convs.push_back(seq->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, k).padding(k / 2))));
    prelus.push_back(seq->push_back(nn::PReLU(out)));
  };
  first_part = register_module("first_part", nn::Sequence());
  add(first_part, o.in_channels(), o.d(), 5);
  mid_part = register_module("mid_part", nn::Sequence());
  add(mid_part, o.d(), o.s(), 1);
  for (int64_t i = 0; i < o.m(); ++i) add(mid_part, o.s(), o.s(), 3);
  add(mid_part, o.s(), o.d(), 1);
  // Output (H - 1) * r - 2 * 4 + 9 + (r - 1) = H * r.
  last_part = register_module(
      "last_part", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(o.d(), o.in_channels(), 9)
                                           .stride(o.scale())
                                           .padding(4)
                                           .output_padding(o.scale() - 1)));
  // The reference code's init: He-normal (fan-out) convs, N(0, 0.001) deconvolution, zero biases.
  c10::AutoGradMode no_grad(false);
  for (const auto& c : convs) {
    const auto& w = c->weight();
    w.normal_(0.0, std::sqrt(2.0 / static_cast<double>(w.size(0) * w.size(2) * w.size(3))));
    c->bias().zero_();
  }
  last_part->weight().normal_(0.0, 1e-3);
  last_part->bias().zero_();
}

at::Tensor FSRCNNImpl::forward(const at::Tensor& input) {
  check_sr_input(input, "FSRCNN.forward", options_.in_channels(), last_part->weight());
  at::Tensor x = input;
  for (size_t i = 0; i < convs.size(); ++i) x = at::prelu(convs[i]->forward(x), prelus[i]->weight());
  return last_part->forward(x);
}

}  // namespace srgan_cpp::models
