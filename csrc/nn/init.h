#pragma once
// Weight initialisations used by the SR reference codebases, so models trained from
// scratch start where BasicSR's do.
#include "nn/conv2d.h"

namespace srgan_cpp::nn {

// BasicSR's default_init_weights for a conv: kaiming_normal_ (fan_in, gain sqrt(2)) times
// `scale`, bias 0. The small scale (0.1) keeps deep residual stacks stable at the start.
void scaled_kaiming_normal_(Conv2dImpl& conv, double scale);

}  // namespace srgan_cpp::nn
