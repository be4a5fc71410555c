#pragma once
// HetSRWGAN's WGAN critic. The paper trains with a Wasserstein loss; its code is not public.
// This is the VGG-style discriminator of SRGAN/ESRGAN adapted to what WGAN-GP needs (see
// docs/s3-issue5b.md):
//   * no batch norm - the gradient penalty is a per-sample gradient, and batch norm mixes
//     samples; an optional per-sample norm ("instance" = GroupNorm(C, C), "layer" =
//     GroupNorm(1, C), both affine) can be switched on;
//   * no sigmoid - the output is an unbounded score;
//   * global average pooling before the linear head, so any input size >= 2^num_stages works.
// Stage i (i = 0 .. num_stages-1) has conv{i}_0 (3x3, stride 1) and conv{i}_1 (4x4, stride 2),
// each followed by [norm{i}_j] and LeakyReLU(negative_slope) (conv0_0 has no norm); widths
// num_feat * min(2^i, 8). Head: mean over H, W -> linear1 (-> linear_feat) -> LeakyReLU ->
// linear2 (-> 1).
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/options.h"

namespace srgan_cpp::models {

// Affine group norm (weight, bias of C elements) with a fixed group count: per-sample.
class CriticNormImpl : public nn::Module {
 public:
  CriticNormImpl(int64_t channels, int64_t groups);
  // (N, C, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& input) const;

 private:
  int64_t groups_;
};
TORCH_MODULE(CriticNorm);

struct HetSRWGANCriticOptions {
  TORCH_ARG(int64_t, num_in_ch) = 3;
  TORCH_ARG(int64_t, num_feat) = 64;
  TORCH_ARG(int64_t, num_stages) = 5;        // input H, W >= 2^num_stages
  TORCH_ARG(int64_t, linear_feat) = 100;     // width of the hidden linear layer
  TORCH_ARG(std::string, norm) = "none";     // "none" | "instance" | "layer"
  TORCH_ARG(double, negative_slope) = 0.2;
  SRGAN_CPP_OPTIONS(num_in_ch, num_feat, num_stages, linear_feat, norm, negative_slope);
};

class HetSRWGANCriticImpl : public nn::ModuleWithOptions<HetSRWGANCriticOptions> {
 public:
  explicit HetSRWGANCriticImpl(const HetSRWGANCriticOptions& options = {});
  // (N, num_in_ch, H, W), H, W >= 2^num_stages -> (N, 1) unbounded critic scores.
  at::Tensor forward(const at::Tensor& input);

  std::vector<nn::Conv2d> convs;          // conv0_0, conv0_1, conv1_0, ...
  std::vector<CriticNorm> norms;          // parallel to convs; empty handle = no norm
  nn::Linear linear1{nullptr}, linear2{nullptr};
};
TORCH_MODULE(HetSRWGANCritic);

}  // namespace srgan_cpp::models
