#pragma once
// Helpers shared by the SR generators (MSRResNet, RRDBNet, SRVGGNetCompact, EDSR).
#include <ATen/core/Tensor.h>

#include "nn/conv2d.h"

namespace srgan_cpp::models {

// A 3x3 stride-1 "same" conv, the building block of every SR generator here.
nn::Conv2d conv3x3(int64_t in_channels, int64_t out_channels);

// The conv without its bias: the bias is then added by the fused pixel-shuffle op.
at::Tensor conv_without_bias(const nn::Conv2dImpl& conv, const at::Tensor& input);

// LeakyReLU in place on a freshly computed tensor (e.g. a conv output, which the conv's
// backward does not need); returns it. at::leaky_relu_ is a free function taking Tensor&.
at::Tensor leaky_relu_inplace(at::Tensor t, double negative_slope);

// Checks a model input: float dtype, (N, C, H, W) with C == in_channels, N, H, W >= 1, and
// the same device and dtype as `like` (a model parameter). `op` names the model. With
// `allow_autocast`, a dtype other than `like`'s is accepted while autocast is on for the
// input's device (for layers whose ops cast to the autocast dtype themselves).
void check_sr_input(const at::Tensor& input, const char* op, int64_t in_channels, const at::Tensor& like,
                    bool allow_autocast = false);

}  // namespace srgan_cpp::models
