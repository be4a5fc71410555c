#pragma once
// Overflow-safe size arithmetic for argument checks. A user's integer times a size
// (upscale_factor**2, H * upscale_factor, C * downscale_factor**2, in_channels / parts *
// parts) that does not fit int64 is refused with a ValueError naming the argument.
// Computed naively it wraps: a wrapped r*r = 0 made `C % (r*r)` a SIGFPE that killed the
// process, a wrapped H*r a negative output size, r = 2**63 - 1 squared wrapped to 1.
#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>
#include <c10/util/safe_numerics.h>

#include <cstdint>

namespace srgan_cpp {

// r * r for a factor argument `arg` (the shuffle ops' upscale_factor / downscale_factor):
// r must be >= 1 and its square must fit int64 (r <= 3037000499).
inline int64_t checked_factor_square(int64_t r, const char* op, const char* arg) {
  TORCH_CHECK_VALUE(r > 0, op, ": expected `", arg, "` > 0, got ", r);
  int64_t square = 0;
  TORCH_CHECK_VALUE(!c10::mul_overflows(r, r, &square), op, ": expected `", arg,
                    "` <= 3037000499 (its square must fit in int64), got ", r);
  return square;
}

// size * factor, where `arg` is the argument that makes the product large; `what` names the
// product in the message ("the output height").
inline int64_t checked_scaled_size(int64_t size, int64_t factor, const char* op, const char* arg, const char* what) {
  int64_t out = 0;
  TORCH_CHECK_VALUE(!c10::mul_overflows(size, factor, &out), op, ": `", arg, "` is too large: ", what, " ", size,
                    " * ", factor, " does not fit in int64");
  return out;
}

// Refuses output sizes a tensor cannot have: the product of all sizes, zeros counted as
// one (that is how strides are computed, so even an empty tensor needs it), must fit int64.
inline void check_output_sizes_fit(at::IntArrayRef sizes, const char* op, const char* arg) {
  int64_t product = 1;
  for (const int64_t s : sizes) {
    TORCH_CHECK_VALUE(!c10::mul_overflows(product, s > 0 ? s : int64_t{1}, &product), op, ": `", arg,
                      "` is too large: the output would have sizes ", sizes, ", whose product does not fit in int64");
  }
}

}  // namespace srgan_cpp
