// CPU kernels of the channel-attention op (see channel_attention_kernels.h).
//   pool:  NCHW - one task per (n, c) plane, a block_sum over its H*W values;
//          channels_last - per-channel sums over fixed chunks of kPixelChunk pixels (a loop
//          over the C contiguous channels of each pixel, which vectorises), then the chunk
//          sums added in order. Either way the result does not depend on the thread count.
//   gate:  plain loops per sample (N * C * Cr multiply-adds: tiny next to the passes).
//   scale: one streaming pass, NCHW planes or channels_last pixels.
// float32 and bfloat16 get an AVX2 + FMA copy of the pass loops (common/cpu_isa.h).
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "common/cpu_isa.h"
#include "common/cpu_reduce.h"
#include "ops/channel_attention/channel_attention_kernels.h"

namespace srgan_cpp::channel_attention_detail {
namespace {

template <typename scalar_t>
constexpr bool kAvx2 = std::is_same_v<scalar_t, float> || std::is_same_v<scalar_t, c10::BFloat16>;

// Elements per task: below this a pass runs on the calling thread.
constexpr int64_t kGrainElements = 32768;
constexpr int64_t kPixelChunk = 64;

int64_t grain_for(int64_t elements_per_item) {
  return std::max<int64_t>(1, kGrainElements / std::max<int64_t>(1, elements_per_item));
}

template <typename scalar_t>
void pool_nchw(const at::Tensor& x, const at::Tensor& g, at::Tensor& sums) {
  using acc_t = at::opmath_type<scalar_t>;
  const int64_t planes = x.size(0) * x.size(1), hw = x.size(2) * x.size(3);
  const scalar_t* xp = x.const_data_ptr<scalar_t>();
  const scalar_t* gp = g.defined() ? g.const_data_ptr<scalar_t>() : nullptr;
  acc_t* sx = sums.data_ptr<acc_t>();
  acc_t* sgx = gp ? sx + planes : nullptr;
  at::parallel_for(0, planes, grain_for(hw), [&](int64_t b, int64_t e) {
    call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t p = b; p < e; ++p) {
        const scalar_t* xr = xp + p * hw;
        sx[p] = cpu_reduce::block_sum<acc_t>(0, hw, [&](int64_t s, int64_t n, acc_t* __restrict buf) SRGAN_CPP_INLINE_LAMBDA {
          for (int64_t j = 0; j < n; ++j) buf[j] = static_cast<acc_t>(xr[s + j]);
        });
        if (gp) {
          const scalar_t* gr = gp + p * hw;
          sgx[p] = cpu_reduce::block_sum<acc_t>(0, hw, [&](int64_t s, int64_t n, acc_t* __restrict buf) SRGAN_CPP_INLINE_LAMBDA {
            for (int64_t j = 0; j < n; ++j) buf[j] = static_cast<acc_t>(gr[s + j]) * static_cast<acc_t>(xr[s + j]);
          });
        }
      }
    });
  });
}

template <typename scalar_t>
void pool_channels_last(const at::Tensor& x, const at::Tensor& g, at::Tensor& sums) {
  using acc_t = at::opmath_type<scalar_t>;
  const int64_t N = x.size(0), C = x.size(1), hw = x.size(2) * x.size(3);
  const int64_t chunks = (hw + kPixelChunk - 1) / kPixelChunk;
  const scalar_t* xp = x.const_data_ptr<scalar_t>();
  const scalar_t* gp = g.defined() ? g.const_data_ptr<scalar_t>() : nullptr;
  const int64_t k = gp ? 2 : 1;
  // part[(n * chunks + chunk) * k + i][c]: sum i over the chunk's pixels.
  std::vector<acc_t> part(static_cast<size_t>(N * chunks * k * C));
  at::parallel_for(0, N * chunks, grain_for(kPixelChunk * C), [&](int64_t b, int64_t e) {
    call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t item = b; item < e; ++item) {
        const int64_t n = item / chunks, p0 = (item % chunks) * kPixelChunk, p1 = std::min(hw, p0 + kPixelChunk);
        acc_t* __restrict ax = part.data() + item * k * C;
        acc_t* __restrict agx = ax + C;
        std::fill(ax, ax + k * C, acc_t(0));
        for (int64_t p = p0; p < p1; ++p) {
          const scalar_t* __restrict xr = xp + (n * hw + p) * C;
          for (int64_t c = 0; c < C; ++c) ax[c] += static_cast<acc_t>(xr[c]);
          if (gp) {
            const scalar_t* __restrict gr = gp + (n * hw + p) * C;
            for (int64_t c = 0; c < C; ++c) agx[c] += static_cast<acc_t>(gr[c]) * static_cast<acc_t>(xr[c]);
          }
        }
      }
    });
  });
  acc_t* out = sums.data_ptr<acc_t>();
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t n = 0; n < N; ++n) {
      acc_t* dst = out + (i * N + n) * C;
      std::fill(dst, dst + C, acc_t(0));
      for (int64_t ch = 0; ch < chunks; ++ch) {
        const acc_t* src = part.data() + ((n * chunks + ch) * k + i) * C;
        for (int64_t c = 0; c < C; ++c) dst[c] += src[c];
      }
    }
  }
}

template <typename acc_t>
void gate_kernel(const at::Tensor& sums, const GateWeights& w, int64_t hw, GateTensors& t, bool backward) {
  const int64_t N = sums.size(1), C = sums.size(2), Cr = w.w1.size(0);
  const acc_t* sx = sums.const_data_ptr<acc_t>();
  const acc_t* sgx = backward ? sx + N * C : nullptr;
  const acc_t *w1 = w.w1.const_data_ptr<acc_t>(), *b1 = w.b1.const_data_ptr<acc_t>();
  const acc_t *w2 = w.w2.const_data_ptr<acc_t>(), *b2 = w.b2.const_data_ptr<acc_t>();
  acc_t* pooled = t.pooled.data_ptr<acc_t>();
  acc_t* hidden = t.hidden.data_ptr<acc_t>();
  acc_t* scale = t.scale.data_ptr<acc_t>();
  const acc_t inv_hw = acc_t(1) / static_cast<acc_t>(hw);
  std::vector<acc_t> dh(static_cast<size_t>(Cr));
  for (int64_t n = 0; n < N; ++n) {
    acc_t* p = pooled + n * C;
    acc_t* h = hidden + n * Cr;
    acc_t* s = scale + n * C;
    for (int64_t c = 0; c < C; ++c) p[c] = sx[n * C + c] * inv_hw;
    for (int64_t j = 0; j < Cr; ++j) {
      acc_t z = b1[j];
      for (int64_t c = 0; c < C; ++c) z += w1[j * C + c] * p[c];
      h[j] = z > 0 ? z : acc_t(0);
    }
    for (int64_t c = 0; c < C; ++c) {
      acc_t z = b2[c];
      for (int64_t j = 0; j < Cr; ++j) z += w2[c * Cr + j] * h[j];
      s[c] = acc_t(1) / (acc_t(1) + std::exp(-z));
    }
    if (!backward) continue;
    acc_t* de = t.d_excite.data_ptr<acc_t>() + n * C;
    acc_t* ds = t.d_squeeze.data_ptr<acc_t>() + n * Cr;
    acc_t* dpix = t.d_pixel.data_ptr<acc_t>() + n * C;
    for (int64_t c = 0; c < C; ++c) de[c] = sgx[n * C + c] * s[c] * (acc_t(1) - s[c]);
    std::fill(dh.begin(), dh.end(), acc_t(0));
    for (int64_t c = 0; c < C; ++c)
      for (int64_t j = 0; j < Cr; ++j) dh[j] += w2[c * Cr + j] * de[c];
    for (int64_t j = 0; j < Cr; ++j) ds[j] = h[j] > 0 ? dh[j] : acc_t(0);  // relu' (0 at 0, as torch)
    for (int64_t c = 0; c < C; ++c) {
      acc_t z = 0;
      for (int64_t j = 0; j < Cr; ++j) z += w1[j * C + c] * ds[j];
      dpix[c] = z * inv_hw;
    }
  }
}

template <typename scalar_t, bool kAdd>
void scale_kernel(const at::Tensor& x, const at::Tensor& scale, const at::Tensor& add, at::Tensor& out,
                  bool channels_last) {
  using acc_t = at::opmath_type<scalar_t>;
  const int64_t N = x.size(0), C = x.size(1), hw = x.size(2) * x.size(3);
  const scalar_t* xp = x.const_data_ptr<scalar_t>();
  scalar_t* op = out.data_ptr<scalar_t>();
  const acc_t* sp = scale.const_data_ptr<acc_t>();
  const acc_t* ap = kAdd ? add.const_data_ptr<acc_t>() : nullptr;
  if (!channels_last) {
    at::parallel_for(0, N * C, grain_for(hw), [&](int64_t b, int64_t e) {
      call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
        for (int64_t p = b; p < e; ++p) {
          const scalar_t* __restrict xr = xp + p * hw;
          scalar_t* __restrict orow = op + p * hw;
          const acc_t s = sp[p];
          if constexpr (kAdd) {
            const acc_t a = ap[p];
            for (int64_t i = 0; i < hw; ++i) orow[i] = static_cast<scalar_t>(static_cast<acc_t>(xr[i]) * s + a);
          } else {
            for (int64_t i = 0; i < hw; ++i) orow[i] = static_cast<scalar_t>(static_cast<acc_t>(xr[i]) * s);
          }
        }
      });
    });
    return;
  }
  at::parallel_for(0, N * hw, grain_for(C), [&](int64_t b, int64_t e) {
    call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t pix = b; pix < e; ++pix) {
        const int64_t n = pix / hw;
        const scalar_t* __restrict xr = xp + pix * C;
        scalar_t* __restrict orow = op + pix * C;
        const acc_t* __restrict s = sp + n * C;
        if constexpr (kAdd) {
          const acc_t* __restrict a = ap + n * C;
          for (int64_t c = 0; c < C; ++c) orow[c] = static_cast<scalar_t>(static_cast<acc_t>(xr[c]) * s[c] + a[c]);
        } else {
          for (int64_t c = 0; c < C; ++c) orow[c] = static_cast<scalar_t>(static_cast<acc_t>(xr[c]) * s[c]);
        }
      }
    });
  });
}

}  // namespace

void pool_cpu(const at::Tensor& x, const at::Tensor& g, at::Tensor& sums) {
  const bool cl = !x.is_contiguous();  // x is NCHW- or channels_last-contiguous
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "channel_attention_pool_cpu", [&] {
    if (cl) {
      pool_channels_last<scalar_t>(x, g, sums);
    } else {
      pool_nchw<scalar_t>(x, g, sums);
    }
  });
}

void gate_cpu(const at::Tensor& sums, const GateWeights& w, int64_t hw, GateTensors& t, bool backward) {
  AT_DISPATCH_FLOATING_TYPES(sums.scalar_type(), "channel_attention_gate_cpu",
                             [&] { gate_kernel<scalar_t>(sums, w, hw, t, backward); });
}

at::Tensor scale_cpu(const at::Tensor& x, const at::Tensor& scale, const at::Tensor& add) {
  // x is NCHW- or channels_last-contiguous; empty_like keeps that layout.
  at::Tensor out = at::empty_like(x);
  const bool cl = !x.is_contiguous();  // x is NCHW- or channels_last-contiguous
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "channel_attention_scale_cpu", [&] {
    if (add.defined()) {
      scale_kernel<scalar_t, true>(x, scale, add, out, cl);
    } else {
      scale_kernel<scalar_t, false>(x, scale, add, out, cl);
    }
  });
  return out;
}

}  // namespace srgan_cpp::channel_attention_detail
