#pragma once
// Input checks shared by the discriminators: float (N, C, H, W) with the model's channel
// count, dtype and device, plus each model's spatial-size rule. `op` names the model.
#include <ATen/core/Tensor.h>

namespace srgan_cpp::models {

// (N, in_channels, H, W), N, H, W >= 1, same dtype/device as `like` (a model parameter).
void check_discriminator_input(const at::Tensor& input, const char* op, int64_t in_channels, const at::Tensor& like);

// H == W == size (the VGG-style discriminators end in a fixed-size dense layer).
void check_fixed_size(const at::Tensor& input, const char* op, int64_t size);

}  // namespace srgan_cpp::models
