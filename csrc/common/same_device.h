#pragma once
// The device check every op runs before any kernel: all tensor arguments on the device of
// the first one, or a RuntimeError naming the op and both arguments.
//
// It is registered on the BackendSelect key, which the dispatcher visits on every call
// just before choosing the backend kernel. That matters for mixes with the meta device:
// the dispatcher picks the kernel of the highest-priority backend among the arguments, so
// a CPU input with a meta `bias` used to reach the meta (shape-only) kernel and return an
// uninitialised CPU tensor. Checking here covers every entry point (Python, torch.ops,
// LibTorch) and every backend (CPU, CUDA, meta) in one place.
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

namespace srgan_cpp {

// Boxed BackendSelect kernel: checks the devices of the tensor arguments on `stack`, then
// redispatches to the backend kernel.
void check_same_device_then_redispatch(const c10::OperatorHandle& op, c10::DispatchKeySet keys,
                                       torch::jit::Stack* stack);

}  // namespace srgan_cpp

// In a TORCH_LIBRARY_IMPL(srgan_cpp, BackendSelect, m) block: registers the check for `name`.
#define SRGAN_CPP_CHECK_SAME_DEVICE(m, name) \
  (m).impl(name, torch::CppFunction::makeFromBoxedFunction<&::srgan_cpp::check_same_device_then_redispatch>())
