#include "models/psrgan/kdb.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/max_pool2d.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/sigmoid.h>
#include <ATen/ops/upsample_bilinear2d.h>

namespace srgan_cpp::models {

namespace {
constexpr double kKdbSlope = 0.05;  // the PSRGAN code's activation('lrelu') default
}

ESAImpl::ESAImpl(int64_t n) : nn::Module("srgan_cpp::models::ESA") {
  const int64_t f = n / 4;
  TORCH_CHECK_VALUE(f > 0, "ESA: expected `n_feats` >= 4, got ", n);
  conv1 = register_module("conv1", DSConv(n, f, 1));
  conv_f = register_module("conv_f", DSConv(f, f, 1));
  conv_max = register_module("conv_max", DSConv(f, f, 3));
  conv2 = register_module("conv2", DSConv(f, f, 3, 2));
  conv3 = register_module("conv3", DSConv(f, f, 3));
  conv3_ = register_module("conv3_", DSConv(f, f, 3));
  conv4 = register_module("conv4", DSConv(f, n, 1));
}

at::Tensor ESAImpl::forward(const at::Tensor& x) const {
  const at::Tensor c1_ = conv1->forward(x);
  const at::Tensor c1 = conv2->forward(c1_);
  const at::Tensor v_max = at::max_pool2d(c1, {7, 7}, {3, 3});
  const at::Tensor v_range = at::relu(conv_max->forward(v_max));
  at::Tensor c3 = conv3_->forward(at::relu(conv3->forward(v_range)));
  // F.interpolate(size=(H, W), bilinear, align_corners=False): no scale factors passed on.
  c3 = at::upsample_bilinear2d(c3, {x.size(2), x.size(3)}, false);
  const at::Tensor c4 = conv4->forward(c3.add_(conv_f->forward(c1_)));
  return x * at::sigmoid(c4);
}

KDBImpl::KDBImpl(int64_t c) : nn::Module("srgan_cpp::models::KDB") {
  TORCH_CHECK_VALUE(c >= 4, "KDB: expected `in_channels` >= 4, got ", c);
  const int64_t dc = c / 2;
  c1_d = register_module("c1_d", DSConv(c, dc, 1));
  c1_r = register_module("c1_r", DSConv(c, c, 3));
  c2_d = register_module("c2_d", DSConv(c, dc, 1));
  c2_r = register_module("c2_r", DSConv(c, c, 3));
  c3_d = register_module("c3_d", DSConv(c, dc, 1));
  c3_r = register_module("c3_r", DSConv(c, c, 3));
  c4 = register_module("c4", DSConv(c, dc, 3));
  c5 = register_module("c5", DSConv(dc * 4, c, 1));
  esa = register_module("esa", ESA(c));
}

at::Tensor KDBImpl::forward(const at::Tensor& input) const {
  auto act = [](at::Tensor t) { return at::leaky_relu(t, kKdbSlope); };
  const at::Tensor d1 = act(c1_d->forward(input));
  const at::Tensor r1 = act(c1_r->forward(input).add_(input));
  const at::Tensor d2 = act(c2_d->forward(r1));
  const at::Tensor r2 = act(c2_r->forward(r1).add_(r1));
  const at::Tensor d3 = act(c3_d->forward(r2));
  const at::Tensor r3 = act(c3_r->forward(r2).add_(r2));
  const at::Tensor r4 = act(c4->forward(r3));
  return esa->forward(c5->forward(at::cat({d1, d2, d3, r4}, 1)));
}

}  // namespace srgan_cpp::models
