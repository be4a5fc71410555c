#pragma once
// ESRGAN's building blocks, as in BasicSR:
//  ResidualDenseBlock: 5 densely connected 3x3 convs (conv_k sees the input and all earlier
//    outputs), LeakyReLU(0.2) after the first four, output x + 0.2 * conv5(...).
//  RRDB: three of them in sequence (rdb1..rdb3), output x + 0.2 * rdb3(rdb2(rdb1(x))).
#include <torch/nn/pimpl.h>

#include "nn/conv2d.h"
#include "nn/module.h"

namespace srgan_cpp::models {

class ResidualDenseBlockImpl : public nn::Module {
 public:
  ResidualDenseBlockImpl(int64_t num_feat, int64_t num_grow_ch);
  // (N, num_feat, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& x) const;

  nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, conv4{nullptr}, conv5{nullptr};

 private:
  // Inference with every conv on the Winograd path (nn/winograd_conv3x3.h): the dense
  // connections live in one buffer instead of four concatenations. Undefined where some conv
  // does not take that path (the caller then runs the concatenating forward).
  at::Tensor forward_dense_buffer(const at::Tensor& x) const;
};
TORCH_MODULE(ResidualDenseBlock);

class RRDBImpl : public nn::Module {
 public:
  RRDBImpl(int64_t num_feat, int64_t num_grow_ch);
  at::Tensor forward(const at::Tensor& x) const;

  ResidualDenseBlock rdb1{nullptr}, rdb2{nullptr}, rdb3{nullptr};
};
TORCH_MODULE(RRDB);

}  // namespace srgan_cpp::models
