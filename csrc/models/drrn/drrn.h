#pragma once
// DRRN (Tai, Yang & Liu, CVPR 2017, "Image Super-Resolution via Deep Recursive Residual
// Network"): on the bicubic-upscaled image x (the Y channel in the paper), B recursive
// blocks; block b starts with its own conv, h0 = entry_b(relu(input_b)), then runs U
// residual units that share one pair of convs within the block (pre-activation, no batch
// norm):  h_u = h0 + conv2_b(relu(conv1_b(relu(h_{u-1})))). The reconstruction conv and the
// global residual give y = output(relu(h_U of block B)) + x. Convs are 3x3 without bias (the
// paper's 297K weights for B1U25 count no biases). Depth: (1 + 2U) B + 1 conv layers.
// Keys: blocks.B.entry.weight, blocks.B.conv1.weight, blocks.B.conv2.weight, output.weight
// (the single-block layout of the common PyTorch port - input, conv1, conv2, output - is
// converted to these by the Python loader).
#include <torch/nn/pimpl.h>

#include <vector>

#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

struct DRRNOptions {
  TORCH_ARG(int64_t, num_in_ch) = 1;    // the Y channel, as the paper
  TORCH_ARG(int64_t, num_feat) = 128;
  TORCH_ARG(int64_t, num_blocks) = 1;   // B   (the paper's best: B1U25, 52 layers)
  TORCH_ARG(int64_t, num_units) = 25;   // U
  SRGAN_CPP_OPTIONS(num_in_ch, num_feat, num_blocks, num_units);
};

// One recursive block: its entry conv and the two convs its U residual units share.
class RecursiveBlockImpl : public nn::Module {
 public:
  RecursiveBlockImpl(int64_t in_channels, int64_t num_feat, int64_t num_units);
  // (N, in_channels, H, W) -> (N, num_feat, H, W).
  at::Tensor forward(const at::Tensor& x) const;

  nn::Conv2d entry{nullptr}, conv1{nullptr}, conv2{nullptr};

 private:
  int64_t num_units_;
};
TORCH_MODULE(RecursiveBlock);

class DRRNImpl : public nn::ModuleWithOptions<DRRNOptions> {
 public:
  explicit DRRNImpl(const DRRNOptions& options = {});
  // (N, num_in_ch, H, W) bicubic-upscaled image, any H, W >= 1 -> same shape.
  at::Tensor forward(const at::Tensor& input);

  nn::Sequence blocks_seq{nullptr};  // blocks
  std::vector<RecursiveBlock> blocks;
  nn::Conv2d output{nullptr};
};
TORCH_MODULE(DRRN);

}  // namespace srgan_cpp::models
