#include "models/discriminators/discriminator_checks.h"

#include "models/blocks/sr_common.h"

namespace srgan_cpp::models {

void check_discriminator_input(const at::Tensor& input, const char* op, int64_t in_channels, const at::Tensor& like) {
  check_sr_input(input, op, in_channels, like);
}

void check_fixed_size(const at::Tensor& input, const char* op, int64_t size) {
  TORCH_CHECK_VALUE(input.size(2) == size && input.size(3) == size, op, ": expected `input` of spatial size ", size,
                    "x", size, " (the dense layers fix it; crop or resize patches), got shape ", input.sizes());
}

}  // namespace srgan_cpp::models
