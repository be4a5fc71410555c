#include "models/srcnn/srcnn.h"

#include <ATen/ops/relu.h>
#include <c10/core/GradMode.h>

#include <cmath>

#include "models/blocks/sr_common.h"

namespace srgan_cpp::models {

SRCNNImpl::SRCNNImpl(const SRCNNOptions& o) : nn::ModuleWithOptions<SRCNNOptions>("srgan_cpp::models::SRCNN", o) {
  TORCH_CHECK_VALUE(o.in_channels() > 0 && o.features1() > 0 && o.features2() > 0, "SRCNN: expected positive "
                    "in_channels/features, got ", o.in_channels(), ", ", o.features1(), ", ", o.features2());
  for (int64_t k : {o.kernel1(), o.kernel2(), o.kernel3()}) {
    TORCH_CHECK_VALUE(k > 0 && k % 2 == 1, "SRCNN: expected odd positive kernel sizes, got ", o.kernel1(), "-",
                      o.kernel2(), "-", o.kernel3());
  }
  auto conv = [&](int64_t in, int64_t out, int64_t k) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, k).padding(o.same_padding() ? k / 2 : 0));
  };
  conv1 = register_module("conv1", conv(o.in_channels(), o.features1(), o.kernel1()));
  conv2 = register_module("conv2", conv(o.features1(), o.features2(), o.kernel2()));
  conv3 = register_module("conv3", conv(o.features2(), o.in_channels(), o.kernel3()));

  // He-normal for the ReLU layers and a small reconstruction layer (as the common SRCNN
  // re-implementations do): it trains from scratch in minutes, where the paper's
  // N(0, 0.001) everywhere needs days. Biases start at zero.
  c10::AutoGradMode no_grad(false);
  for (auto* c : {&conv1, &conv2}) {
    const auto& w = (*c)->weight();
    w.normal_(0.0, std::sqrt(2.0 / static_cast<double>(w.size(0) * w.size(2) * w.size(3))));
  }
  conv3->weight().normal_(0.0, 1e-3);
  for (auto* c : {&conv1, &conv2, &conv3}) (*c)->bias().zero_();
}

int64_t SRCNNImpl::border() const {
  return options_.same_padding() ? 0 : options_.kernel1() + options_.kernel2() + options_.kernel3() - 3;
}

at::Tensor SRCNNImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "SRCNN.forward";
  check_sr_input(input, op, options_.in_channels(), conv1->weight());
  const int64_t m = border();
  TORCH_CHECK_VALUE(input.size(2) > m && input.size(3) > m, op, ": with valid padding `input` must be larger than ",
                    m, " pixels in H and W, got ", input.sizes());
  // ReLU in place on the conv outputs (relu_'s backward uses its own output, and a conv's
  // backward does not need its output): one feature map less written and allocated per layer.
  auto x = conv1->forward(input).relu_();
  x = conv2->forward(x).relu_();
  return conv3->forward(x);
}

}  // namespace srgan_cpp::models
