#include "models/rrdbnet/rrdb_block.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/empty.h>

#include "models/blocks/sr_common.h"
#include "nn/init.h"

namespace srgan_cpp::models {

namespace {
constexpr double kSlope = 0.2;     // LeakyReLU slope of ESRGAN
constexpr double kResScale = 0.2;  // residual scaling of ESRGAN
}  // namespace

ResidualDenseBlockImpl::ResidualDenseBlockImpl(int64_t f, int64_t g)
    : nn::Module("srgan_cpp::models::ResidualDenseBlock") {
  conv1 = register_module("conv1", conv3x3(f, g));
  conv2 = register_module("conv2", conv3x3(f + g, g));
  conv3 = register_module("conv3", conv3x3(f + 2 * g, g));
  conv4 = register_module("conv4", conv3x3(f + 3 * g, g));
  conv5 = register_module("conv5", conv3x3(f + 4 * g, f));
  for (auto* c : {&conv1, &conv2, &conv3, &conv4, &conv5}) nn::scaled_kaiming_normal_(**c, 0.1);
}

at::Tensor ResidualDenseBlockImpl::forward_dense_buffer(const at::Tensor& x) const {
  const auto leaky = nn::ConvEpilogue::leaky_relu(kSlope);
  if (!x.is_contiguous(at::MemoryFormat::ChannelsLast) || !nn::takes_winograd(conv1->options()) ||
      !nn::winograd_conv3x3_applies(x, conv1->weight(), conv1->bias(), leaky))
    return {};
  // One (N, f + 4 g, H, W) channels_last buffer holds x, x1, .. x4 side by side: conv_k reads
  // its channel prefix and writes its output (LeakyReLU fused) right after it, so no
  // concatenation copies anything (at::cat copied x four times, x1 three times, ...).
  const int64_t f = x.size(1), g = conv1->weight().size(0);
  at::Tensor buf = at::empty({x.size(0), f + 4 * g, x.size(2), x.size(3)},
                             x.options().memory_format(at::MemoryFormat::ChannelsLast));
  const nn::Conv2d* convs[] = {&conv1, &conv2, &conv3, &conv4, &conv5};
  for (int64_t k = 1; k < 5; ++k) {  // each conv's own weights must take the Winograd path too
    const auto& conv = **convs[k];
    if (!nn::takes_winograd(conv.options()) ||
        !nn::winograd_conv3x3_applies(buf.narrow(1, 0, f + k * g), conv.weight(), conv.bias(), leaky))
      return {};
  }
  buf.narrow(1, 0, f).copy_(x);
  for (int64_t k = 0; k < 4; ++k) {
    at::Tensor out = buf.narrow(1, f + k * g, g);
    nn::winograd_conv3x3_out(buf.narrow(1, 0, f + k * g), (*convs[k])->weight(), (*convs[k])->bias(), leaky, out);
  }
  at::Tensor x5 = nn::winograd_conv3x3(buf, conv5->weight(), conv5->bias());
  return x5.mul_(kResScale).add_(x);
}

at::Tensor ResidualDenseBlockImpl::forward(const at::Tensor& x) const {
  if (at::Tensor y = forward_dense_buffer(x); y.defined()) return y;
  // leaky_relu_ in place is safe: its backward uses its own output, and the conv's backward
  // does not need the conv output.
  at::Tensor x1 = leaky_relu_inplace(conv1->forward(x), kSlope);
  at::Tensor x2 = leaky_relu_inplace(conv2->forward(at::cat({x, x1}, 1)), kSlope);
  at::Tensor x3 = leaky_relu_inplace(conv3->forward(at::cat({x, x1, x2}, 1)), kSlope);
  at::Tensor x4 = leaky_relu_inplace(conv4->forward(at::cat({x, x1, x2, x3}, 1)), kSlope);
  at::Tensor x5 = conv5->forward(at::cat({x, x1, x2, x3, x4}, 1));
  return x5.mul_(kResScale).add_(x);
}

RRDBImpl::RRDBImpl(int64_t f, int64_t g) : nn::Module("srgan_cpp::models::RRDB") {
  rdb1 = register_module("rdb1", ResidualDenseBlock(f, g));
  rdb2 = register_module("rdb2", ResidualDenseBlock(f, g));
  rdb3 = register_module("rdb3", ResidualDenseBlock(f, g));
}

at::Tensor RRDBImpl::forward(const at::Tensor& x) const {
  return rdb3->forward(rdb2->forward(rdb1->forward(x))).mul_(kResScale).add_(x);
}

}  // namespace srgan_cpp::models
