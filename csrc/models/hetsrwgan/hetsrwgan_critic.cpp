#include "models/hetsrwgan/hetsrwgan_critic.h"

#include <ATen/ops/group_norm.h>
#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <cmath>

#include "models/blocks/sr_common.h"

namespace srgan_cpp::models {

CriticNormImpl::CriticNormImpl(int64_t channels, int64_t groups)
    : nn::Module("srgan_cpp::models::CriticNorm"), groups_(groups) {
  register_parameter("weight", at::ones({channels}));
  register_parameter("bias", at::zeros({channels}));
}

at::Tensor CriticNormImpl::forward(const at::Tensor& input) const {
  return at::group_norm(input, groups_, param("weight"), param("bias"), 1e-5);
}

HetSRWGANCriticImpl::HetSRWGANCriticImpl(const HetSRWGANCriticOptions& o)
    : nn::ModuleWithOptions<HetSRWGANCriticOptions>("srgan_cpp::models::HetSRWGANCritic", o) {
  const std::string& norm = o.norm();
  TORCH_CHECK_VALUE(norm == "none" || norm == "instance" || norm == "layer",
                    "HetSRWGANCritic: expected `norm` 'none', 'instance' or 'layer', got '", norm, "'");
  TORCH_CHECK_VALUE(o.num_in_ch() > 0 && o.num_feat() > 0 && o.linear_feat() > 0,
                    "HetSRWGANCritic: expected positive `num_in_ch`, `num_feat` and `linear_feat`, got ",
                    o.num_in_ch(), ", ", o.num_feat(), ", ", o.linear_feat());
  TORCH_CHECK_VALUE(o.num_stages() >= 1 && o.num_stages() <= 8,
                    "HetSRWGANCritic: expected `num_stages` in [1, 8], got ", o.num_stages());
  int64_t in = o.num_in_ch();
  for (int64_t i = 0; i < o.num_stages(); ++i) {
    const int64_t ch = o.num_feat() * std::min<int64_t>(int64_t{1} << i, 8);
    for (int64_t j = 0; j < 2; ++j) {
      const std::string suffix = std::to_string(i) + "_" + std::to_string(j);
      auto opts = j == 0 ? nn::Conv2dOptions(in, ch, 3).padding(1) : nn::Conv2dOptions(ch, ch, 4).stride(2).padding(1);
      convs.push_back(register_module("conv" + suffix, nn::Conv2d(opts)));
      CriticNorm n{nullptr};
      if (norm != "none" && !(i == 0 && j == 0)) {
        n = register_module("norm" + suffix, CriticNorm(ch, norm == "layer" ? 1 : ch));
      }
      norms.push_back(n);
    }
    in = ch;
  }
  linear1 = register_module("linear1", nn::Linear(in, o.linear_feat()));
  linear2 = register_module("linear2", nn::Linear(o.linear_feat(), 1));
}

at::Tensor HetSRWGANCriticImpl::forward(const at::Tensor& input) {
  constexpr const char* op = "HetSRWGANCritic.forward";
  check_sr_input(input, op, options_.num_in_ch(), convs.front()->weight());
  const int64_t min_size = int64_t{1} << options_.num_stages();
  TORCH_CHECK_VALUE(input.size(2) >= min_size && input.size(3) >= min_size, op, ": expected `input` H and W >= ",
                    min_size, " (2^num_stages: each stage halves them), got shape ", input.sizes());
  const double slope = options_.negative_slope();
  at::Tensor out = input;
  for (size_t k = 0; k < convs.size(); ++k) {
    out = convs[k]->forward(out);
    if (norms[k]) out = norms[k]->forward(out);
    // Not in place: the gradient penalty differentiates through this twice.
    out = at::leaky_relu(out, slope);
  }
  out = out.mean({2, 3});
  return linear2->forward(at::leaky_relu(linear1->forward(out), slope));
}

}  // namespace srgan_cpp::models
