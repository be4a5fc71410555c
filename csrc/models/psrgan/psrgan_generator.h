#pragma once
// The PSRGAN generator (Huang et al., IEEE SPL 2021; the public code's `D_msrresnet0`,
// selected by its options/train_kdsrgan.json):
//   h    = head(x)                                        3x3 conv, in_nc -> nc
//   main = h + body.sub(h)                                nb residual blocks of two
//                                                         depthwise-separable 3x3 convs
//                                                         (dw, pw, act, dw, pw) + a 3x3 conv
//   kd   = KD(h)                                          distillation branch ending in ESA
//   y    = tail(copress(cat(kd, main)))                   1x1 compression 2nc -> nc, then
//                                                         upsampling, conv+act, conv (no bias)
// State-dict keys and shapes are those of the PSRGAN code, so its .pth files load:
//   KD.*, head.{weight,bias}, body.sub.{i}.res.{0,1,3,4}.{weight,bias}, body.sub.{nb}.{weight,bias},
//   tail.{k}.weight/bias (the conv indices of its flattened nn.Sequential), copress.{weight,bias}.
// Upsampling: "upconv" (nearest x2 / x3 + 3x3 conv + act, the default) or "pixelshuffle"
// (3x3 conv to nc*r^2 + pixel shuffle + act, one fused op here). x4 = two x2 stages.
#include <torch/nn/pimpl.h>

#include <memory>
#include <string>
#include <vector>

#include "models/psrgan/ds_conv.h"
#include "models/psrgan/kdb.h"
#include "nn/conv2d.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/sequence.h"

namespace srgan_cpp::models {

// x + pw2(dw2(act(pw1(dw1(x))))); keys res.{0,1,3,4}.{weight,bias} (res.2 is the activation).
class PSRGANResBlockImpl : public nn::Module {
 public:
  PSRGANResBlockImpl(int64_t channels, const std::string& act);
  // (N, C, H, W) -> same shape.
  at::Tensor forward(const at::Tensor& input) const;

  nn::Sequence res{nullptr};
  DepthwiseConv2d dw1{nullptr}, dw2{nullptr};
  nn::Conv2d pw1{nullptr}, pw2{nullptr};

 private:
  std::string act_;
};
TORCH_MODULE(PSRGANResBlock);

struct PSRGANGeneratorOptions {
  // Defaults of the PSRGAN code's options/train_kdsrgan.json (netG and "scale").
  TORCH_ARG(int64_t, in_nc) = 3;
  TORCH_ARG(int64_t, out_nc) = 3;
  TORCH_ARG(int64_t, nc) = 64;
  TORCH_ARG(int64_t, nb) = 16;
  TORCH_ARG(int64_t, upscale) = 2;                   // 2, 3 or 4
  TORCH_ARG(std::string, act_mode) = "R";            // "R" (ReLU) | "L" (LeakyReLU 0.2)
  TORCH_ARG(std::string, upsample_mode) = "upconv";  // "upconv" | "pixelshuffle"
  SRGAN_CPP_OPTIONS(in_nc, out_nc, nc, nb, upscale, act_mode, upsample_mode);
};

class PSRGANGeneratorImpl : public nn::ModuleWithOptions<PSRGANGeneratorOptions> {
 public:
  explicit PSRGANGeneratorImpl(const PSRGANGeneratorOptions& options = {});
  // (N, in_nc, H, W), H, W >= 13 (ESA's 7x7 max pool at half resolution)
  // -> (N, out_nc, H*upscale, W*upscale).
  at::Tensor forward(const at::Tensor& input);

  KDB kd{nullptr};
  nn::Conv2d head{nullptr}, body_conv{nullptr}, copress{nullptr}, conv_hr{nullptr}, conv_last{nullptr};
  std::vector<nn::Conv2d> upconvs;  // one per upsampling stage
  std::shared_ptr<nn::Module> body;
  nn::Repeated<PSRGANResBlock> body_sub{nullptr};  // body.sub.0 .. nb-1; body.sub.{nb} is body_conv
  nn::Sequence tail{nullptr};

 private:
  at::Tensor activate(at::Tensor x) const;
};
TORCH_MODULE(PSRGANGenerator);

}  // namespace srgan_cpp::models
