#pragma once
// SCN (Wang, Liu, Yang, Han, Huang, ICCV 2015, "Deep Networks for Image Super-Resolution
// with Sparse Prior"): sparse coding unrolled into a network, on the bicubic-upscaled image.
//   extract    H: conv s_y x s_y, m_y filters         - the LR patch feature y of every pixel
//   encode     W: 1x1 conv m_y -> n, no bias          - LISTA's W y
//   recur      S: 1x1 conv n -> n, no bias            - LISTA's S z_k (shared by the k stages)
//   threshold  theta (n,)                             - learned per-code thresholds
//              z_0 = h_theta(W y),  z_{k+1} = h_theta(W y + S z_k),  k = 0 .. num_stages - 1,
//              h_theta the soft shrinkage, computed by srgan_cpp's fused lista_shrinkage op
//   dictionary D_x: 1x1 conv n -> s_x^2, no bias      - the HR patch (s_x x s_x) of every pixel
//   aggregate  G: conv s_x x s_x, s_x^2 -> c, no bias - patch aggregation: initialised to the
//              average of the s_x^2 overlapping HR patch predictions of each pixel (learned)
//   output     G(D_x z) + input when `residual` (the sparse code carries the high-frequency
//              detail and the bicubic image the rest), else G(D_x z).
// Defaults: the paper's m_y = 100, n = 128, s_y = 9, s_x = 5 and one recurrent stage, Y
// channel, residual on.
#include <torch/nn/pimpl.h>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"

namespace srgan_cpp::models {

struct SCNOptions {
  TORCH_ARG(int64_t, in_channels) = 1;      // 1 (Y channel, the paper) or 3
  TORCH_ARG(int64_t, num_filters) = 100;    // m_y
  TORCH_ARG(int64_t, code_size) = 128;      // n, the sparse code dimension
  TORCH_ARG(int64_t, lr_patch) = 9;         // s_y (odd)
  TORCH_ARG(int64_t, hr_patch) = 5;         // s_x (odd)
  TORCH_ARG(int64_t, num_stages) = 1;       // k, recurrent LISTA stages after z_0 (0: z_0 only)
  TORCH_ARG(bool, residual) = true;

  SRGAN_CPP_OPTIONS(in_channels, num_filters, code_size, lr_patch, hr_patch, num_stages, residual);
};

class SCNImpl : public nn::ModuleWithOptions<SCNOptions> {
 public:
  explicit SCNImpl(const SCNOptions& options = {});
  // (N, in_channels, H, W) bicubic-upscaled image -> (N, in_channels, H, W).
  at::Tensor forward(const at::Tensor& input);
  // The sparse code z_k (N, code_size, H, W) of the last stage.
  at::Tensor sparse_code(const at::Tensor& input);

  nn::Conv2d extract{nullptr}, encode{nullptr}, recur{nullptr}, dictionary{nullptr}, aggregate{nullptr};
};
TORCH_MODULE(SCN);

}  // namespace srgan_cpp::models
