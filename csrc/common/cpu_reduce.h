#pragma once
// A vectorisable, deterministic sum for CPU kernels. A plain `total += term` loop stays
// scalar without -ffast-math (the compiler may not reassociate), and `omp simd` reductions
// were left scalar by GCC 12 here. block_sum has the terms written to a small block buffer
// by a plain loop, then adds the buffer into kLanes fixed accumulators (a loop the compiler
// vectorises) and the lanes in a fixed order: the result depends only on the terms, never
// on the thread count. Used by the RaGAN loss and the attention ops.
#include <algorithm>
#include <cstdint>

#include "common/cpu_isa.h"

namespace srgan_cpp::cpu_reduce {

constexpr int64_t kBlock = 256;  // block buffer of a sum (stack)
constexpr int kLanes = 16;

// Sum over [b, e) of the terms fill(s, n, buf) writes to buf[0..n) for the elements
// s..s+n-1, block by block, into kLanes accumulators added in a fixed order.
template <typename acc_t, typename F>
SRGAN_CPP_ALWAYS_INLINE acc_t block_sum(int64_t b, int64_t e, const F& fill) {
  acc_t buf[kBlock];
  acc_t lane[kLanes] = {};
  for (int64_t s = b; s < e; s += kBlock) {
    const int64_t n = std::min(kBlock, e - s);
    fill(s, n, buf);
    int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes)
      for (int l = 0; l < kLanes; ++l) lane[l] += buf[j + l];
    for (int l = 0; j < n; ++j, ++l) lane[l] += buf[j];
  }
  acc_t total = 0;
  for (int l = 0; l < kLanes; ++l) total += lane[l];
  return total;
}

}  // namespace srgan_cpp::cpu_reduce
