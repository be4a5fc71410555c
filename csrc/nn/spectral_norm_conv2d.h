#pragma once
// A Conv2d wrapped in spectral normalisation exactly as torch.nn.utils.spectral_norm does it
// (Miyato et al. 2018), with its state-dict names: parameter "weight_orig" (and "bias"),
// buffers "weight_u" (out,) and "weight_v" (in*k*k,). The conv uses
// weight_orig / sigma, sigma = u . (W v), W = weight_orig reshaped to (out, -1).
// Training mode first runs `n_power_iterations` power iterations without grad, updating u
// and v in place (v = normalize(W^T u), u = normalize(W v), normalize = x / max(|x|, eps)),
// then uses detached clones of them, so sigma is differentiated through W only. Eval mode
// uses the stored u and v unchanged. Python sees the updates (rebind shares the storage).
#include <torch/nn/pimpl.h>

#include "nn/conv2d.h"
#include "nn/module.h"

namespace srgan_cpp::nn {

class SpectralNormConv2dImpl : public ModuleWithOptions<Conv2dOptions> {
 public:
  explicit SpectralNormConv2dImpl(const Conv2dOptions& options, double eps = 1e-12, int64_t n_power_iterations = 1);
  // (N, in, H, W) -> (N, out, H', W'), like Conv2d with the normalised weight.
  at::Tensor forward(const at::Tensor& input);
  // weight_orig / sigma; in training mode this first updates u and v (as torch's pre-hook).
  at::Tensor compute_weight(bool do_power_iteration);

 private:
  double eps_;
  int64_t n_power_iterations_;
};
TORCH_MODULE(SpectralNormConv2d);

}  // namespace srgan_cpp::nn
