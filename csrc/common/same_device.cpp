// See same_device.h.
#include "common/same_device.h"

#include <string>

namespace srgan_cpp {

namespace {

// "srgan_cpp::ragan_loss" -> "srgan_cpp.ops.ragan_loss", the name users call it by.
std::string public_name(const c10::OperatorHandle& op) {
  const std::string& full = op.schema().name();
  const auto sep = full.find("::");
  return sep == std::string::npos ? full : full.substr(0, sep) + ".ops." + full.substr(sep + 2);
}

// Every key below BackendSelect: the backends (CPU, CUDA, Meta, ...).
constexpr c10::DispatchKeySet kAfterBackendSelect(c10::DispatchKeySet::FULL_AFTER, c10::DispatchKey::BackendSelect);

}  // namespace

void check_same_device_then_redispatch(const c10::OperatorHandle& op, c10::DispatchKeySet keys,
                                       torch::jit::Stack* stack) {
  const auto& args = op.schema().arguments();
  const size_t first = stack->size() - args.size();
  const at::Tensor* ref = nullptr;
  size_t ref_index = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const c10::IValue& v = (*stack)[first + i];
    if (!v.isTensor()) continue;  // also skips an absent optional tensor (None)
    const at::Tensor& t = v.toTensor();
    if (!t.defined()) continue;
    if (ref == nullptr) {
      ref = &t;
      ref_index = i;
      continue;
    }
    TORCH_CHECK(t.device() == ref->device(), public_name(op), ": expected `", args[i].name(), "` on ",
                ref->device(), " like `", args[ref_index].name(), "`, got ", t.device(),
                " (all tensor arguments must be on one device)");
  }
  op.redispatchBoxed(keys & kAfterBackendSelect, stack);
}

}  // namespace srgan_cpp
