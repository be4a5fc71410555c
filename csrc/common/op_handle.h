#pragma once
// The one way C++ code calls a srgan_cpp op through the dispatcher (so autograd, autocast and
// the device check run as they do from Python):
//
//   static const auto op = op_handle<at::Tensor(const at::Tensor&, int64_t)>("srgan_cpp::name");
//   return op.call(input, factor);
//
// `Signature` is the C++ function type of the op's schema; a mismatch throws at the first call
// (c10 checks it against the registered schema). Keep the handle in a function-local static:
// the lookup takes a lock and a hash, the call does not.
#include <ATen/core/dispatch/Dispatcher.h>

namespace srgan_cpp {

template <typename Signature>
c10::TypedOperatorHandle<Signature> op_handle(const char* qualified_name) {
  return c10::Dispatcher::singleton().findSchemaOrThrow(qualified_name, "").typed<Signature>();
}

}  // namespace srgan_cpp
