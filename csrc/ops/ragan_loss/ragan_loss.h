#pragma once
// Public C++ API of the relativistic average GAN loss (ESRGAN). Goes through the dispatcher.
#include <ATen/core/Tensor.h>
#include <string>

namespace srgan_cpp::ops {

// ESRGAN's RaGAN loss on discriminator logits C(x) of real and fake samples (same shape):
//   target "discriminator": 0.5 * (BCE(real - mean(fake), 1) + BCE(fake - mean(real), 0))
//   target "generator":     0.5 * (BCE(real - mean(fake), 0) + BCE(fake - mean(real), 1))
// with BCE-with-logits in log-sigmoid form; reduction "mean" | "sum" (0-dim) | "none" (the
// per-element terms, shape of the logits). Gradients flow to both inputs, through the
// means too (nothing is detached).
at::Tensor ragan_loss(const at::Tensor& real_logits, const at::Tensor& fake_logits,
                      const std::string& target = "discriminator", const std::string& reduction = "mean");

}  // namespace srgan_cpp::ops
