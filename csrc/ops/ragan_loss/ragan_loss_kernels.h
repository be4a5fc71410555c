#pragma once
// Internal: checks, shared math and device kernels of the RaGAN loss.
//
// With K elements, mr = mean(real), mf = mean(fake) and signs (sa, sb) = (-1, +1) for the
// discriminator, (+1, -1) for the generator:
//   a_i = sa * (r_i - mf),  b_i = sb * (f_i - mr),  l_i = (softplus(a_i) + softplus(b_i)) / 2
//   (softplus(-z) = -log sigmoid(z) = BCE-with-logits(z, 1), softplus(z) = BCE(z, 0)).
// Backward, with w_i the gradient reaching l_i (g/K for mean, g for sum, g_i for none):
//   dr_j = (sa w_j sig(a_j) - sb/K sum_i w_i sig(b_i)) / 2
//   df_j = (sb w_j sig(b_j) - sa/K sum_i w_i sig(a_i)) / 2
#include <ATen/core/Tensor.h>
#include <c10/macros/Macros.h>

#include <cmath>
#include <string>
#include <tuple>

#include "common/device_kernels.h"
#include "common/loss_reduction.h"

namespace srgan_cpp::ragan_detail {

struct Signs {
  int sa, sb;
};

Signs parse_target(const std::string& target, const char* op);
void check_logits(const at::Tensor& real, const at::Tensor& fake, const char* op);

// log(1 + exp(z)) without overflow for any finite z.
template <typename acc_t>
C10_HOST_DEVICE inline acc_t softplus(acc_t z) {
  return (z > acc_t(0) ? z : acc_t(0)) + ::log1p(::exp(-(z > acc_t(0) ? z : -z)));
}

template <typename acc_t>
C10_HOST_DEVICE inline acc_t sigmoid(acc_t z) {
  if (z >= acc_t(0)) return acc_t(1) / (acc_t(1) + ::exp(-z));
  const acc_t e = ::exp(z);
  return e / (acc_t(1) + e);
}

// Kernels take contiguous logits; stats (2,) float64 = (mean real, mean fake).
#define SRGAN_CPP_RAGAN_KERNELS(dev)                                                                          \
  std::tuple<at::Tensor, at::Tensor> forward_##dev(const at::Tensor& real, const at::Tensor& fake, Signs s,   \
                                                   LossReduction red);                                        \
  std::tuple<at::Tensor, at::Tensor> backward_##dev(const at::Tensor& grad, const at::Tensor& real,           \
                                                    const at::Tensor& fake, const at::Tensor& stats, Signs s, \
                                                    LossReduction red, bool need_real, bool need_fake);
SRGAN_CPP_DECLARE_DEVICE_KERNELS(SRGAN_CPP_RAGAN_KERNELS)
#undef SRGAN_CPP_RAGAN_KERNELS

}  // namespace srgan_cpp::ragan_detail
