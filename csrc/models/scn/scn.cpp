#include "models/scn/scn.h"

#include <ATen/ops/eye.h>
#include <ATen/ops/full.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>

#include <cmath>

#include "models/blocks/sr_common.h"
#include "ops/lista_shrinkage/lista_shrinkage.h"

namespace srgan_cpp::models {
namespace {

nn::Conv2d conv_no_bias(int64_t in, int64_t out, int64_t k) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).padding(k / 2).bias(false));
}

// Initial threshold of every code: small against the unit-variance codes W y starts with.
constexpr double kInitialThreshold = 0.01;

}  // namespace

SCNImpl::SCNImpl(const SCNOptions& o) : nn::ModuleWithOptions<SCNOptions>("srgan_cpp::models::SCN", o) {
  TORCH_CHECK_VALUE(o.in_channels() > 0 && o.num_filters() > 0 && o.code_size() > 0 && o.num_stages() >= 0,
                    "SCN: expected positive in_channels/num_filters/code_size and num_stages >= 0, got ",
                    o.in_channels(), ", ", o.num_filters(), ", ", o.code_size(), ", ", o.num_stages());
  TORCH_CHECK_VALUE(o.lr_patch() > 0 && o.lr_patch() % 2 == 1 && o.hr_patch() > 0 && o.hr_patch() % 2 == 1,
                    "SCN: expected odd positive lr_patch and hr_patch, got ", o.lr_patch(), " and ", o.hr_patch());
  const int64_t c = o.in_channels(), my = o.num_filters(), n = o.code_size(), sx = o.hr_patch();
  extract = register_module("extract", nn::Conv2d(nn::Conv2dOptions(c, my, o.lr_patch()).padding(o.lr_patch() / 2)));
  encode = register_module("encode", conv_no_bias(my, n, 1));
  // Without recurrent stages S is never used: not registered (no parameter without a gradient).
  if (o.num_stages() > 0) recur = register_module("recur", conv_no_bias(n, n, 1));
  register_parameter("threshold", at::full({n}, kInitialThreshold));
  dictionary = register_module("dictionary", conv_no_bias(n, sx * sx, 1));
  aggregate = register_module("aggregate", conv_no_bias(sx * sx, c, sx));

  c10::AutoGradMode no_grad(false);
  // LISTA's init from the ISTA iteration with a dictionary D (encode = D^T / L): S = I - W W^T,
  // so that z_{k+1} = h(W y + S z_k) starts as an ISTA step.
  const auto& w = encode->weight();
  w.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(my)));
  if (recur) {
    const at::Tensor w2 = w.view({n, my});
    recur->weight().copy_((at::eye(n, w.options()) - at::mm(w2, w2.t())).view({n, n, 1, 1}));
  }
  const auto& h = extract->weight();
  h.normal_(0.0, std::sqrt(1.0 / static_cast<double>(h.size(1) * h.size(2) * h.size(3))));
  extract->bias().zero_();
  dictionary->weight().normal_(0.0, std::sqrt(1.0 / static_cast<double>(n)) * 0.1);
  // Patch aggregation: output pixel (i, j) averages the s_x^2 HR patches covering it; patch
  // entry (a, b) of the patch centred at (i + s_x/2 - a, j + s_x/2 - b) lands on it, so the
  // conv tap (s_x - 1 - a, s_x - 1 - b) of input channel a * s_x + b is 1 / s_x^2.
  at::Tensor g = at::zeros(aggregate->weight().sizes(), at::kDouble);
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t a = 0; a < sx; ++a)
      for (int64_t b = 0; b < sx; ++b) g[ch][a * sx + b][sx - 1 - a][sx - 1 - b] = 1.0 / static_cast<double>(sx * sx);
  aggregate->weight().copy_(g);
}

at::Tensor SCNImpl::sparse_code(const at::Tensor& input) {
  check_sr_input(input, "SCN.forward", options_.in_channels(), extract->weight());
  const at::Tensor& theta = param("threshold");
  const at::Tensor wy = encode->forward(extract->forward(input));
  at::Tensor z = ops::lista_shrinkage(wy, theta);
  for (int64_t k = 0; k < options_.num_stages(); ++k) z = ops::lista_shrinkage(recur->forward(z), theta, wy);
  return z;
}

at::Tensor SCNImpl::forward(const at::Tensor& input) {
  at::Tensor out = aggregate->forward(dictionary->forward(sparse_code(input)));
  return options_.residual() ? out.add_(input) : out;
}

}  // namespace srgan_cpp::models
