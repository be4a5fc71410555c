#include "models/drcn/drcn.h"

#include <ATen/ops/full.h>
#include <c10/core/GradMode.h>

#include <cmath>

#include "models/blocks/sr_common.h"
#include "nn/activation.h"

namespace srgan_cpp::models {

DRCNImpl::DRCNImpl(const DRCNOptions& o) : nn::ModuleWithOptions<DRCNOptions>("srgan_cpp::models::DRCN", o) {
  TORCH_CHECK_VALUE(o.in_channels() > 0 && o.num_features() > 0 && o.num_recursions() >= 1,
                    "DRCN: expected positive in_channels/num_features and num_recursions >= 1, got ", o.in_channels(),
                    ", ", o.num_features(), ", ", o.num_recursions());
  const int64_t c = o.in_channels(), f = o.num_features();
  // Sequences with a ReLU at the odd index, like nn.Sequential(conv, ReLU, conv, ReLU).
  embedding = register_module("embedding", nn::Sequence());
  embed1 = embedding->push_back(conv3x3(c, f));
  embedding->push_back(nn::Activation("relu"));
  embed2 = embedding->push_back(conv3x3(f, f));
  inference = register_module("inference", conv3x3(f, f));
  reconstruction = register_module("reconstruction", nn::Sequence());
  recon1 = reconstruction->push_back(conv3x3(f, f));
  reconstruction->push_back(nn::Activation("relu"));
  recon2 = reconstruction->push_back(conv3x3(f, c));
  register_parameter("ensemble_weight", at::full({o.num_recursions()}, 1.0 / static_cast<double>(o.num_recursions())));
  // He-normal (fan-in) for the ReLU convs, zero biases; the last conv starts small so every
  // y_d starts near the bicubic input (the skip), as the paper's skip connection intends.
  c10::AutoGradMode no_grad(false);
  for (auto* conv : {&embed1, &embed2, &inference, &recon1, &recon2}) {
    const auto& w = (*conv)->weight();
    w.normal_(0.0, std::sqrt(2.0 / static_cast<double>(w.size(1) * w.size(2) * w.size(3))));
    (*conv)->bias().zero_();
  }
  recon2->weight().mul_(1e-2);
}

std::tuple<at::Tensor, std::vector<at::Tensor>> DRCNImpl::run(const at::Tensor& input, bool keep_intermediates) {
  check_sr_input(input, "DRCN.forward", options_.in_channels(), embed1->weight());
  const at::Tensor& w = param("ensemble_weight");
  at::Tensor h = embed2->forward(embed1->forward(input).relu_()).relu_();
  std::vector<at::Tensor> preds;
  at::Tensor out;
  for (int64_t d = 0; d < options_.num_recursions(); ++d) {
    // relu_ on fresh conv outputs: neither conv's backward needs its output.
    h = inference->forward(h).relu_();
    at::Tensor y = recon2->forward(recon1->forward(h).relu_()).add_(input);
    const at::Tensor term = y * w[d];
    out = d == 0 ? term : out.add_(term);
    if (keep_intermediates) preds.push_back(std::move(y));
  }
  return {out, std::move(preds)};
}

at::Tensor DRCNImpl::forward(const at::Tensor& input) { return std::get<0>(run(input, false)); }

std::tuple<at::Tensor, std::vector<at::Tensor>> DRCNImpl::forward_all(const at::Tensor& input) {
  return run(input, true);
}

}  // namespace srgan_cpp::models
