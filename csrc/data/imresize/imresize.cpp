// Argument checks and pass ordering of the CPU imresize (the loops are in imresize_cpu.cpp).
#include "data/imresize/imresize.h"

#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>

#include "data/imresize/imresize_kernels.h"

namespace srgan_cpp::data {
namespace {

constexpr const char* kOp = "imresize_bhwc";

// Validates one pass's taps against the input length of its axis; returns whether the
// pass runs. Indices are checked here (once, O(out*P)) so the loops can trust them.
bool check_taps(const c10::optional<at::Tensor>& weights, const c10::optional<at::Tensor>& indices,
                int64_t in_len, const char* wname, const char* iname) {
  const bool has_w = weights.has_value() && weights->defined();
  const bool has_i = indices.has_value() && indices->defined();
  TORCH_CHECK_VALUE(has_w == has_i, kOp, ": `", wname, "` and `", iname, "` must be given together");
  if (!has_w) return false;
  const at::Tensor& w = *weights;
  const at::Tensor& i = *indices;
  TORCH_CHECK_TYPE(w.scalar_type() == at::kDouble, kOp, ": expected `", wname, "` of dtype float64, got ",
                   w.scalar_type());
  TORCH_CHECK_TYPE(i.scalar_type() == at::kLong, kOp, ": expected `", iname, "` of dtype int64, got ",
                   i.scalar_type());
  TORCH_CHECK_VALUE(w.dim() == 2 && w.size(0) >= 1 && w.size(1) >= 1, kOp, ": expected `", wname,
                    "` of shape (out_len, P) with out_len, P >= 1, got ", w.sizes());
  TORCH_CHECK_VALUE(i.sizes() == w.sizes(), kOp, ": expected `", iname, "` of the shape of `", wname, "` ",
                    w.sizes(), ", got ", i.sizes());
  TORCH_CHECK_VALUE(w.device().is_cpu() && i.device().is_cpu(), kOp, ": `", wname, "` and `", iname,
                    "` must be CPU tensors");
  TORCH_CHECK_VALUE(w.is_contiguous() && i.is_contiguous(), kOp, ": `", wname, "` and `", iname,
                    "` must be contiguous");
  const int64_t* p = i.const_data_ptr<int64_t>();
  for (int64_t t = 0; t < i.numel(); ++t) {
    TORCH_CHECK_VALUE(p[t] >= 0 && p[t] < in_len, kOp, ": `", iname, "` holds ", p[t],
                      ", outside [0, ", in_len, ")");
  }
  return true;
}

// (W, C) rows contiguous: what both passes read with unit stride.
bool rows_contiguous(const at::Tensor& x) {
  const int64_t W = x.size(2), C = x.size(3);
  return (C == 1 || x.stride(3) == 1) && (W == 1 || x.stride(2) == C);
}

}  // namespace

at::Tensor imresize_bhwc(const at::Tensor& x, const c10::optional<at::Tensor>& weights_h,
                         const c10::optional<at::Tensor>& indices_h, const c10::optional<at::Tensor>& weights_w,
                         const c10::optional<at::Tensor>& indices_w, bool h_first, double int_max) {
  TORCH_CHECK_VALUE(x.defined() && x.dim() == 4, kOp, ": expected `x` of rank 4 (B, H, W, C), got ",
                    x.defined() ? x.sizes() : c10::IntArrayRef{});
  TORCH_CHECK_VALUE(x.device().is_cpu(), kOp, ": expected `x` on the CPU, got ", x.device(),
                    " (use the tensor path of srgan_cpp.data.imresize on other devices)");
  const auto st = x.scalar_type();
  TORCH_CHECK_TYPE(st == at::kByte || st == at::kFloat || st == at::kDouble, kOp,
                   ": expected `x` of dtype uint8, float32 or float64, got ", st);
  TORCH_CHECK_VALUE(x.numel() > 0, kOp, ": expected a non-empty `x`, got shape ", x.sizes());
  TORCH_CHECK_VALUE(int_max >= 0, kOp, ": `int_max` must be >= 0, got ", int_max);
  if (st == at::kByte) int_max = 255.0;
  const bool run_h = check_taps(weights_h, indices_h, x.size(1), "weights_h", "indices_h");
  const bool run_w = check_taps(weights_w, indices_w, x.size(2), "weights_w", "indices_w");

  at::Tensor cur = rows_contiguous(x) ? x : x.contiguous();
  auto pass_h = [&] {
    at::Tensor out = at::empty({cur.size(0), weights_h->size(0), cur.size(2), cur.size(3)}, cur.options());
    imresize_detail::resize_h_cpu(cur, *weights_h, *indices_h, int_max, out);
    cur = out;
  };
  auto pass_w = [&] {
    at::Tensor out = at::empty({cur.size(0), cur.size(1), weights_w->size(0), cur.size(3)}, cur.options());
    imresize_detail::resize_w_cpu(cur, *weights_w, *indices_w, int_max, out);
    cur = out;
  };
  if (h_first) {
    if (run_h) pass_h();
    if (run_w) pass_w();
  } else {
    if (run_w) pass_w();
    if (run_h) pass_h();
  }
  // No pass: a contiguous copy, never an alias of the caller's (possibly NumPy) memory.
  return (run_h || run_w) ? cur : x.clone(at::MemoryFormat::Contiguous);
}

}  // namespace srgan_cpp::data
