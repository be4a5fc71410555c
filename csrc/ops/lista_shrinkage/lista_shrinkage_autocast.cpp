// Autocast rule of the LISTA shrinkage (see common/autocast.h). It is an element-wise op on
// two conv outputs (`input` = S z_k, `addend` = W y) and a threshold that may have another
// floating dtype (the float32 parameter). Under autocast both activations normally arrive
// in the autocast dtype already; when one of them is float32 and the other a lower
// precision (a float32 addend from outside autocast, say), both run in the lower one, as
// the conv that made it did. The thresholds are never cast: casting the float32 parameter
// to bfloat16 would only lose its precision (the kernels read it in float32). The casts
// are autograd-visible; the backward op is reached only through autograd.
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/library.h>

#include "common/op_handle.h"

namespace srgan_cpp::lista_detail {
namespace {

bool is_reduced(at::ScalarType t) { return t == at::kHalf || t == at::kBFloat16; }

template <c10::DispatchKey AutocastKey>
at::Tensor lista_autocast(const at::Tensor& input, const at::Tensor& threshold,
                          const c10::optional<at::Tensor>& addend) {
  at::Tensor x = input;
  c10::optional<at::Tensor> r = addend;
  if (r.has_value() && r->defined() && r->scalar_type() != x.scalar_type()) {
    const at::ScalarType a = x.scalar_type(), b = r->scalar_type();
    if (is_reduced(a) && b == at::kFloat) {
      r = r->to(a);
    } else if (is_reduced(b) && a == at::kFloat) {
      x = x.to(b);
    }  // any other mix (float64, two reduced types) is left for the op's dtype check
  }
  c10::impl::ExcludeDispatchKeyGuard no_autocast(AutocastKey);
  static auto op = op_handle<at::Tensor(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&)>(
      "srgan_cpp::lista_shrinkage");
  return op.call(x, threshold, r);
}

}  // namespace

TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCPU, m) {
  m.impl("lista_shrinkage", &lista_autocast<c10::DispatchKey::AutocastCPU>);
}
TORCH_LIBRARY_IMPL(srgan_cpp, AutocastCUDA, m) {
  m.impl("lista_shrinkage", &lista_autocast<c10::DispatchKey::AutocastCUDA>);
}

}  // namespace srgan_cpp::lista_detail
