#pragma once
// Picks the CPU or CUDA implementation of a kernel for a tensor's device, with one clear
// error when srgan_cpp was built without CUDA or the device is not supported.
#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>

namespace srgan_cpp {

inline bool built_with_cuda() {
#ifdef SRGAN_CPP_WITH_CUDA
  return true;
#else
  return false;
#endif
}

[[noreturn]] inline void fail_unsupported_device(const at::Tensor& t, const char* op) {
  if (t.is_cuda()) {
    TORCH_CHECK(false, op, ": got a CUDA tensor, but this build of srgan_cpp has no CUDA kernels "
                "(it was built without a CUDA toolkit or against a CPU-only torch). Rebuild with "
                "SRGAN_CPP_CUDA=ON, or move the tensors to the CPU.");
  }
  TORCH_CHECK(false, op, ": tensors on ", t.device(), " are not supported (CPU and CUDA are)");
}

}  // namespace srgan_cpp
