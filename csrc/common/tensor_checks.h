#pragma once
// Argument checks shared by every op. Each names the op and the argument so the Python
// exception tells the user exactly what to fix. TORCH_CHECK_TYPE -> TypeError,
// TORCH_CHECK_VALUE -> ValueError, TORCH_CHECK -> RuntimeError.
#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>

namespace srgan_cpp {

inline void check_floating(const at::Tensor& t, const char* op, const char* arg) {
  const auto st = t.scalar_type();
  TORCH_CHECK_TYPE(st == at::kFloat || st == at::kDouble || st == at::kHalf || st == at::kBFloat16,
                   op, ": expected `", arg, "` to be float32, float64, float16 or bfloat16, got ", st);
}

inline void check_dim(const at::Tensor& t, int64_t dim, const char* op, const char* arg, const char* layout) {
  TORCH_CHECK_VALUE(t.dim() == dim, op, ": expected `", arg, "` of rank ", dim, " (", layout,
                    "), got rank ", t.dim(), " with shape ", t.sizes());
}

// `arg` on the device of `ref` (the argument named `ref_arg`). Every op's BackendSelect
// check (common/same_device.h) already ran this for all tensor arguments; kernels repeat
// it for the tensors they index together, so a direct call cannot bypass it.
inline void check_same_device(const at::Tensor& t, const at::Tensor& ref, const char* op, const char* arg,
                              const char* ref_arg = "input") {
  TORCH_CHECK(t.device() == ref.device(), op, ": expected `", arg, "` on ", ref.device(), " like `", ref_arg,
              "`, got ", t.device());
}

inline void check_same_dtype(const at::Tensor& t, const at::Tensor& ref, const char* op, const char* arg,
                             const char* ref_arg = "input") {
  TORCH_CHECK_TYPE(t.scalar_type() == ref.scalar_type(), op, ": expected `", arg, "` of dtype ",
                   ref.scalar_type(), " like `", ref_arg, "`, got ", t.scalar_type());
}

// The memory-format rule every op follows (and its fake kernel mirrors): an output is
// channels_last exactly when the 4-D input is channels_last-contiguous and not also
// NCHW-contiguous; otherwise it is NCHW-contiguous.
inline bool is_channels_last_input(const at::Tensor& t) {
  return t.dim() == 4 && !t.is_contiguous() && t.is_contiguous(at::MemoryFormat::ChannelsLast);
}

}  // namespace srgan_cpp
