#include "nn/spectral_norm_conv2d.h"

#include <ATen/ops/conv2d.h>
#include <ATen/ops/div.h>
#include <ATen/ops/dot.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/linalg_vector_norm.h>
#include <ATen/ops/mv.h>
#include <ATen/ops/randn.h>
#include <c10/core/GradMode.h>

#include <cmath>

namespace srgan_cpp::nn {

namespace {

// F.normalize(x, dim=0, eps=eps, out=out): out = x / max(||x||_2, eps).
void normalize_into(at::Tensor& out, const at::Tensor& x, double eps) {
  const at::Tensor denom = at::linalg_vector_norm(x, 2, at::IntArrayRef{0}, /*keepdim=*/true).clamp_min(eps);
  at::div_out(out, x, denom);
}

}  // namespace

SpectralNormConv2dImpl::SpectralNormConv2dImpl(const Conv2dOptions& o, double eps, int64_t n_power_iterations)
    : ModuleWithOptions<Conv2dOptions>("srgan_cpp::nn::SpectralNormConv2d", o),
      eps_(eps),
      n_power_iterations_(n_power_iterations) {
  check_conv_options(o, "SpectralNormConv2d", /*transposed=*/false);
  TORCH_CHECK_VALUE(eps > 0, "SpectralNormConv2d: expected `eps` > 0, got ", eps);
  TORCH_CHECK_VALUE(n_power_iterations >= 0, "SpectralNormConv2d: expected `n_power_iterations` >= 0, got ",
                    n_power_iterations);
  const int64_t k = o.kernel_size();
  const double bound = 1.0 / std::sqrt(static_cast<double>(o.in_channels() * k * k));
  // torch.nn.utils.spectral_norm deletes "weight" and re-registers it as "weight_orig", so a
  // conv's bias comes first in its parameter order.
  if (o.bias()) register_parameter("bias", at::empty({o.out_channels()}).uniform_(-bound, bound));
  register_parameter("weight_orig", at::empty({o.out_channels(), o.in_channels(), k, k}).uniform_(-bound, bound));
  at::Tensor u = at::empty({o.out_channels()}), v = at::empty({o.in_channels() * k * k});
  normalize_into(u, at::randn({o.out_channels()}), eps);
  normalize_into(v, at::randn({o.in_channels() * k * k}), eps);
  register_buffer("weight_u", u);
  register_buffer("weight_v", v);
}

at::Tensor SpectralNormConv2dImpl::compute_weight(bool do_power_iteration) {
  const at::Tensor& weight = param("weight_orig");
  const at::Tensor w_mat = weight.reshape({weight.size(0), -1});
  at::Tensor u = buffer("weight_u");
  at::Tensor v = buffer("weight_v");
  if (do_power_iteration) {
    {
      c10::AutoGradMode no_grad(false);
      for (int64_t i = 0; i < n_power_iterations_; ++i) {
        normalize_into(v, at::mv(w_mat.t(), u), eps_);
        normalize_into(u, at::mv(w_mat, v), eps_);
      }
    }
    // As torch: the buffers are updated in place by the next training forward, so the
    // graph must hold copies.
    if (n_power_iterations_ > 0) {
      u = u.clone(at::MemoryFormat::Contiguous);
      v = v.clone(at::MemoryFormat::Contiguous);
    }
  }
  const at::Tensor sigma = at::dot(u, at::mv(w_mat, v));
  return weight / sigma;
}

at::Tensor SpectralNormConv2dImpl::forward(const at::Tensor& input) {
  const at::Tensor w = compute_weight(is_training());
  return at::conv2d(input, w, param_or_undefined("bias"), {options_.stride(), options_.stride()},
                    {options_.padding(), options_.padding()});
}

}  // namespace srgan_cpp::nn
