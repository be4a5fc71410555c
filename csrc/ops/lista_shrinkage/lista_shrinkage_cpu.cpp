// CPU kernels of the LISTA shrinkage op: one pass forward (add, threshold, write), one pass
// backward (mask the gradient, and sum the threshold gradient per channel).
//
// NCHW tensors are walked plane by plane (one threshold per plane), channels_last tensors
// row by row (the thresholds along the row). The threshold gradient is summed into fixed
// partials - one per plane (NCHW) or per block of kRowBlock rows (channels_last) - that are
// then added in a fixed order, so it does not depend on the number of threads. Element
// loops are plain loops over the select-only math of lista_shrinkage_kernels.h, which GCC
// vectorises; float32 gets an AVX2 copy (common/cpu_isa.h).
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "common/cpu_isa.h"
#include "common/tensor_checks.h"
#include "ops/lista_shrinkage/lista_shrinkage_kernels.h"

namespace srgan_cpp::lista_detail {
namespace {

template <typename scalar_t>
constexpr bool kAvx2 = std::is_same_v<scalar_t, float>;

// Elements per task below which work stays on the calling thread (a memory-bound pass).
constexpr int64_t kGrain = 1 << 16;
constexpr int64_t kRowBlock = 64;  // channels_last rows per threshold-gradient partial
constexpr int kLanes = 16;

struct Geometry {
  int64_t n, c, hw;
  bool channels_last;
};

Geometry geometry_of(const at::Tensor& t) {
  return {t.size(0), t.size(1), t.size(2) * t.size(3), is_channels_last_input(t)};
}

template <typename scalar_t>
void forward_typed(const at::Tensor& x, const at::Tensor& r, const at::Tensor& theta, at::Tensor& y) {
  using acc_t = at::opmath_type<scalar_t>;
  const Geometry g = geometry_of(x);
  const scalar_t* xp = x.const_data_ptr<scalar_t>();
  const scalar_t* rp = r.defined() ? r.const_data_ptr<scalar_t>() : nullptr;
  const acc_t* tp = theta.const_data_ptr<acc_t>();
  scalar_t* yp = y.data_ptr<scalar_t>();
  if (!g.channels_last) {
    at::parallel_for(0, g.n * g.c, std::max<int64_t>(1, kGrain / std::max<int64_t>(g.hw, 1)), [&](int64_t b, int64_t e) {
      call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
        for (int64_t p = b; p < e; ++p) {
          const acc_t t = tp[p % g.c];
          const int64_t off = p * g.hw;
          if (rp != nullptr) {
            for (int64_t i = 0; i < g.hw; ++i)
              yp[off + i] = static_cast<scalar_t>(shrink(rounded_sum<scalar_t, acc_t>(xp[off + i], rp[off + i]), t));
          } else {
            for (int64_t i = 0; i < g.hw; ++i) yp[off + i] = static_cast<scalar_t>(shrink(static_cast<acc_t>(xp[off + i]), t));
          }
        }
      });
    });
    return;
  }
  at::parallel_for(0, g.n * g.hw, std::max<int64_t>(1, kGrain / g.c), [&](int64_t b, int64_t e) {
    call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t q = b; q < e; ++q) {
        const int64_t off = q * g.c;
        if (rp != nullptr) {
          for (int64_t c = 0; c < g.c; ++c)
            yp[off + c] = static_cast<scalar_t>(shrink(rounded_sum<scalar_t, acc_t>(xp[off + c], rp[off + c]), tp[c]));
        } else {
          for (int64_t c = 0; c < g.c; ++c) yp[off + c] = static_cast<scalar_t>(shrink(static_cast<acc_t>(xp[off + c]), tp[c]));
        }
      }
    });
  });
}

// grad_input for [b, e) and, with `sum`, the sum of the threshold terms over it.
template <typename scalar_t, typename acc_t>
SRGAN_CPP_ALWAYS_INLINE acc_t mask_span(const scalar_t* gp, const scalar_t* yp, scalar_t* gip, int64_t n, bool sum) {
  for (int64_t i = 0; i < n; ++i) {
    const acc_t yv = static_cast<acc_t>(yp[i]);
    gip[i] = yv != acc_t(0) ? gp[i] : scalar_t(0);
  }
  if (!sum) return acc_t(0);
  acc_t lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l)
      lane[l] += threshold_term(static_cast<acc_t>(gp[i + l]), static_cast<acc_t>(yp[i + l]));
  for (int l = 0; i < n; ++i, ++l) lane[l] += threshold_term(static_cast<acc_t>(gp[i]), static_cast<acc_t>(yp[i]));
  acc_t total = 0;
  for (int l = 0; l < kLanes; ++l) total += lane[l];
  return total;
}

template <typename scalar_t>
std::tuple<at::Tensor, at::Tensor> backward_typed(const at::Tensor& grad, const at::Tensor& y, bool need_threshold) {
  using acc_t = at::opmath_type<scalar_t>;
  const Geometry g = geometry_of(y);
  const auto fmt = g.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  at::Tensor gi = at::empty(y.sizes(), y.options().memory_format(fmt));
  const auto acc_opts = y.options().dtype(c10::CppTypeToScalarType<acc_t>::value);
  at::Tensor gt = need_threshold ? at::zeros({g.c}, acc_opts) : at::empty({0}, acc_opts);
  const scalar_t* gp = grad.const_data_ptr<scalar_t>();
  const scalar_t* yp = y.const_data_ptr<scalar_t>();
  scalar_t* gip = gi.data_ptr<scalar_t>();
  acc_t* gtp = need_threshold ? gt.data_ptr<acc_t>() : nullptr;
  if (!g.channels_last) {
    std::vector<acc_t> part(need_threshold ? static_cast<size_t>(g.n * g.c) : 0);
    at::parallel_for(0, g.n * g.c, std::max<int64_t>(1, kGrain / std::max<int64_t>(g.hw, 1)), [&](int64_t b, int64_t e) {
      call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
        for (int64_t p = b; p < e; ++p) {
          const int64_t off = p * g.hw;
          const acc_t s = mask_span<scalar_t, acc_t>(gp + off, yp + off, gip + off, g.hw, need_threshold);
          if (need_threshold) part[p] = s;
        }
      });
    });
    if (need_threshold)
      for (int64_t n = 0; n < g.n; ++n)
        for (int64_t c = 0; c < g.c; ++c) gtp[c] += part[n * g.c + c];
    return {gi, gt};
  }
  const int64_t rows = g.n * g.hw, blocks = (rows + kRowBlock - 1) / kRowBlock;
  std::vector<acc_t> part(need_threshold ? static_cast<size_t>(blocks * g.c) : 0, acc_t(0));
  at::parallel_for(0, blocks, std::max<int64_t>(1, kGrain / (kRowBlock * g.c)), [&](int64_t b, int64_t e) {
    call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t blk = b; blk < e; ++blk) {
        acc_t* acc = need_threshold ? part.data() + blk * g.c : nullptr;
        for (int64_t q = blk * kRowBlock; q < std::min(rows, (blk + 1) * kRowBlock); ++q) {
          const int64_t off = q * g.c;
          for (int64_t c = 0; c < g.c; ++c) {
            const acc_t yv = static_cast<acc_t>(yp[off + c]);
            gip[off + c] = yv != acc_t(0) ? gp[off + c] : scalar_t(0);
          }
          if (acc != nullptr)
            for (int64_t c = 0; c < g.c; ++c)
              acc[c] += threshold_term(static_cast<acc_t>(gp[off + c]), static_cast<acc_t>(yp[off + c]));
        }
      }
    });
  });
  if (need_threshold)
    for (int64_t blk = 0; blk < blocks; ++blk)
      for (int64_t c = 0; c < g.c; ++c) gtp[c] += part[blk * g.c + c];
  return {gi, gt};
}

}  // namespace

void forward_cpu(const at::Tensor& x, const at::Tensor& r, const at::Tensor& theta, at::Tensor& y) {
  if (x.numel() == 0) return;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "srgan_cpp_lista_shrinkage_cpu",
                                  [&] { forward_typed<scalar_t>(x, r, theta, y); });
}

std::tuple<at::Tensor, at::Tensor> backward_cpu(const at::Tensor& g, const at::Tensor& y, bool need_threshold) {
  std::tuple<at::Tensor, at::Tensor> out;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, y.scalar_type(), "srgan_cpp_lista_shrinkage_bwd_cpu",
                                  [&] { out = backward_typed<scalar_t>(g, y, need_threshold); });
  return out;
}

}  // namespace srgan_cpp::lista_detail
