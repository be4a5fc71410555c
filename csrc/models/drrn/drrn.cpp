#include "models/drrn/drrn.h"

#include <ATen/ops/relu.h>

#include "models/blocks/sr_common.h"

namespace srgan_cpp::models {
namespace {

nn::Conv2d conv3x3_no_bias(int64_t in, int64_t out) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false));
}

}  // namespace

RecursiveBlockImpl::RecursiveBlockImpl(int64_t in_channels, int64_t num_feat, int64_t num_units)
    : nn::Module("srgan_cpp::models::RecursiveBlock"), num_units_(num_units) {
  entry = register_module("entry", conv3x3_no_bias(in_channels, num_feat));
  conv1 = register_module("conv1", conv3x3_no_bias(num_feat, num_feat));
  conv2 = register_module("conv2", conv3x3_no_bias(num_feat, num_feat));
}

at::Tensor RecursiveBlockImpl::forward(const at::Tensor& x) const {
  const at::Tensor h0 = entry->forward(at::relu(x));
  at::Tensor h = h0;
  // Pre-activation units; relu_ in place on conv1's output is safe (its backward does not
  // need it), and the skip goes in place into conv2's fresh output.
  for (int64_t u = 0; u < num_units_; ++u) h = conv2->forward(conv1->forward(at::relu(h)).relu_()).add_(h0);
  return h;
}

DRRNImpl::DRRNImpl(const DRRNOptions& o) : nn::ModuleWithOptions<DRRNOptions>("srgan_cpp::models::DRRN", o) {
  TORCH_CHECK_VALUE(o.num_in_ch() > 0 && o.num_feat() > 0 && o.num_blocks() > 0 && o.num_units() >= 0,
                    "DRRN: expected positive num_in_ch, num_feat, num_blocks and num_units >= 0, got ", o.num_in_ch(),
                    ", ", o.num_feat(), ", ", o.num_blocks(), ", ", o.num_units());
  blocks_seq = register_module("blocks", nn::Sequence());
  for (int64_t b = 0; b < o.num_blocks(); ++b) {
    blocks.push_back(blocks_seq->push_back(RecursiveBlock(b == 0 ? o.num_in_ch() : o.num_feat(), o.num_feat(),
                                                          o.num_units())));
  }
  output = register_module("output", conv3x3_no_bias(o.num_feat(), o.num_in_ch()));
}

at::Tensor DRRNImpl::forward(const at::Tensor& input) {
  check_sr_input(input, "DRRN.forward", options_.num_in_ch(), output->weight());
  at::Tensor h = input;
  for (const auto& b : blocks) h = b->forward(h);
  return output->forward(at::relu(h)).add_(input);
}

}  // namespace srgan_cpp::models
