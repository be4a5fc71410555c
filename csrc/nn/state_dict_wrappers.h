#pragma once
// The one definition of how a checkpoint's state dict is unwrapped, shared by the C++ loader
// (nn::load_state_dict) and the Python one (srgan_cpp.models.checkpoint, which reads these
// values through the extension): the wrapper keys in order of preference (params_ema is
// what BasicSR / Real-ESRGAN inference uses when a file holds both it and params), and the
// deepest nesting accepted - a file whose wrapper refers to itself, or nests without end,
// must be refused at once, not followed forever.
#include <array>

namespace srgan_cpp::nn {

inline constexpr std::array<const char*, 4> kStateDictWrappers = {"params_ema", "params", "state_dict", "model"};
inline constexpr int kMaxWrapperDepth = 8;

}  // namespace srgan_cpp::nn
