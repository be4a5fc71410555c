#pragma once
// The one way an op's entry point picks its kernel for a tensor's device:
//
//   return run_on_device(input, op, forward_cpu, SRGAN_CPP_CUDA_KERNEL(forward_cuda), args...);
//
// runs the CPU kernel for CPU tensors, the CUDA kernel for CUDA tensors in a CUDA build,
// and otherwise raises one clear error (a CUDA tensor in a CPU-only build, or a device
// srgan_cpp has no kernels for).
#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>

#include <cstddef>
#include <type_traits>

// The CUDA kernel `f` in a CUDA build, nullptr (no CUDA kernel) otherwise: the CUDA kernels
// are declared only when SRGAN_CPP_WITH_CUDA is defined.
#ifdef SRGAN_CPP_WITH_CUDA
#define SRGAN_CPP_CUDA_KERNEL(f) (f)
#else
#define SRGAN_CPP_CUDA_KERNEL(f) nullptr
#endif

// Declares an op's family of device kernels once: X(cpu), and X(cuda) in a CUDA build, where
// X(dev) declares the kernels under names ending in _##dev - so the CPU and CUDA signatures
// cannot drift apart.
#ifdef SRGAN_CPP_WITH_CUDA
#define SRGAN_CPP_DECLARE_DEVICE_KERNELS(X) X(cpu) X(cuda)
#else
#define SRGAN_CPP_DECLARE_DEVICE_KERNELS(X) X(cpu)
#endif

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

// Calls cpu(args...) or cuda(args...) by the device of `like` (see the top of this file).
template <typename Cpu, typename Cuda, typename... Args>
auto run_on_device(const at::Tensor& like, const char* op, Cpu&& cpu, Cuda&& cuda, const Args&... args)
    -> decltype(cpu(args...)) {
  if (like.is_cpu()) return cpu(args...);
  if constexpr (!std::is_same_v<std::decay_t<Cuda>, std::nullptr_t>) {
    if (like.is_cuda()) return cuda(args...);
  }
  fail_unsupported_device(like, op);
}

}  // namespace srgan_cpp
