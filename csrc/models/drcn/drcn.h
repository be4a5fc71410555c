#pragma once
// DRCN (Kim, Lee, Lee, CVPR 2016, "Deeply-Recursive Convolutional Network for Image
// Super-Resolution") on the bicubic-upscaled image:
//   embedding      H_0 = relu(conv(relu(conv(x))))                  (embedding.0, embedding.2)
//   inference      H_d = relu(conv_shared(H_{d-1})), d = 1..D       (inference: ONE conv, D uses)
//   reconstruction y_d = conv(relu(conv(H_d))) + x                  (reconstruction.0/.2, shared
//                  by every recursion; + x is the skip connection)
//   output         y = sum_d w_d y_d                                (ensemble_weight (D,), learned,
//                  initialised to 1 / D)
// All convolutions 3x3, num_features filters. Defaults: the paper's D = 16 recursions of
// 256 filters on the Y channel (about 1.77M parameters). forward_all also returns the D
// intermediate predictions y_d, for the paper's recursive supervision.
#include <torch/nn/pimpl.h>

#include <tuple>
#include <vector>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct DRCNOptions {
  TORCH_ARG(int64_t, in_channels) = 1;      // 1 (Y channel, the paper) or 3
  TORCH_ARG(int64_t, num_features) = 256;   // filters of every conv
  TORCH_ARG(int64_t, num_recursions) = 16;  // D

  SRGAN_CPP_OPTIONS(in_channels, num_features, num_recursions);
};

class DRCNImpl : public nn::ModuleWithOptions<DRCNOptions> {
 public:
  explicit DRCNImpl(const DRCNOptions& options = {});
  // (N, in_channels, H, W) bicubic-upscaled image -> (N, in_channels, H, W) ensemble output.
  at::Tensor forward(const at::Tensor& input);
  // (ensemble output, [y_1, ..., y_D]) - each (N, in_channels, H, W).
  std::tuple<at::Tensor, std::vector<at::Tensor>> forward_all(const at::Tensor& input);

  nn::Sequence embedding{nullptr}, reconstruction{nullptr};
  nn::Conv2d embed1{nullptr}, embed2{nullptr}, inference{nullptr}, recon1{nullptr}, recon2{nullptr};

 private:
  // (ensemble output, the D intermediate predictions when keep_intermediates, else none).
  std::tuple<at::Tensor, std::vector<at::Tensor>> run(const at::Tensor& input, bool keep_intermediates);
};
TORCH_MODULE(DRCN);

}  // namespace srgan_cpp::models
