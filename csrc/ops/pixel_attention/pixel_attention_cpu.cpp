// CPU kernels of the pixel-attention gate (see pixel_attention_kernels.h): one streaming
// pass each way over contiguous rows - NCHW planes, or channels_last pixels - with the
// branch-free sigmoid of common/cpu_math.h, so the loops vectorise. A per-pixel gate
// (G = 1) is evaluated once per pixel and shared by the C channels.
// The bias gradient is summed per fixed piece (a plane, a chunk of pixels) and the pieces
// added in order, so it does not depend on the thread count.
// float32 and bfloat16 get an AVX2 + FMA copy of the loops (common/cpu_isa.h).
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <memory>
#include <type_traits>
#include <vector>

#include "common/cpu_isa.h"
#include "common/cpu_math.h"
#include "common/cpu_reduce.h"
#include "ops/pixel_attention/pixel_attention_kernels.h"

namespace srgan_cpp::pixel_attention_detail {
namespace {

template <typename scalar_t>
constexpr bool kAvx2 = std::is_same_v<scalar_t, float> || std::is_same_v<scalar_t, c10::BFloat16>;

constexpr int64_t kGrainElements = 16384;
constexpr int64_t kPixelChunk = 256;  // channels_last pixels per piece of a bias sum
constexpr int64_t kPlaneRun = 2048;   // pixels per piece of a per-pixel gate's backward

int64_t grain_for(int64_t elements_per_item) {
  return std::max<int64_t>(1, kGrainElements / std::max<int64_t>(1, elements_per_item));
}

using cpu_math::sigmoid;

struct Sizes {
  int64_t n, c, hw;
  bool channels_last;
};

Sizes sizes_of(const at::Tensor& x) {
  return {x.size(0), x.size(1), x.size(2) * x.size(3), !x.is_contiguous()};  // NCHW- or channels_last-contiguous
}

// One gate per element (G = C). Forward: out = x * sigmoid(z + b[c]); backward also writes
// gz = g x s (1 - s) and, with `part`, the bias-gradient partial of each piece.
template <typename scalar_t, bool kBackward>
void per_element(const Sizes& sz, const scalar_t* x, const scalar_t* z, const scalar_t* g,
                 const at::opmath_type<scalar_t>* b, scalar_t* out, scalar_t* gz, at::opmath_type<scalar_t>* part) {
  using acc_t = at::opmath_type<scalar_t>;
  if (!sz.channels_last) {  // one piece per (n, c) plane
    at::parallel_for(0, sz.n * sz.c, grain_for(sz.hw), [&](int64_t begin, int64_t end) {
      call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
        for (int64_t p = begin; p < end; ++p) {
          const int64_t o = p * sz.hw;
          const acc_t bc = b[p % sz.c];
          const scalar_t* __restrict xr = x + o;
          const scalar_t* __restrict zr = z + o;
          scalar_t* __restrict orow = out + o;
          if constexpr (!kBackward) {
            for (int64_t i = 0; i < sz.hw; ++i)
              orow[i] = static_cast<scalar_t>(static_cast<acc_t>(xr[i]) * sigmoid(static_cast<acc_t>(zr[i]) + bc));
          } else {
            const scalar_t* __restrict gr = g + o;
            scalar_t* __restrict gzr = gz + o;
            const acc_t total = cpu_reduce::block_sum<acc_t>(0, sz.hw, [&](int64_t s, int64_t n, acc_t* __restrict buf)
                                                                           SRGAN_CPP_INLINE_LAMBDA {
              for (int64_t j = 0; j < n; ++j) {
                const acc_t sg = sigmoid(static_cast<acc_t>(zr[s + j]) + bc), gv = static_cast<acc_t>(gr[s + j]);
                orow[s + j] = static_cast<scalar_t>(gv * sg);
                buf[j] = gv * static_cast<acc_t>(xr[s + j]) * sg * (acc_t(1) - sg);
                gzr[s + j] = static_cast<scalar_t>(buf[j]);
              }
            });
            if (part) part[p] = total;
          }
        }
      });
    });
    return;
  }
  // channels_last: pieces of kPixelChunk pixels, C contiguous values each. The backward
  // writes each pixel's gate gradients (in acc_t) to a row buffer first, so the loops stay
  // free of the bias-sum branch and the sum is one more vectorised loop.
  const int64_t C = sz.c, chunks = (sz.n * sz.hw + kPixelChunk - 1) / kPixelChunk;
  at::parallel_for(0, chunks, grain_for(kPixelChunk * C), [&](int64_t begin, int64_t end) {
    std::vector<acc_t> row(kBackward ? static_cast<size_t>(C) : 0);
    call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t ch = begin; ch < end; ++ch) {
        const int64_t p0 = ch * kPixelChunk, p1 = std::min(sz.n * sz.hw, p0 + kPixelChunk);
        acc_t* __restrict acc = part ? part + ch * C : nullptr;
        if (acc) std::fill(acc, acc + C, acc_t(0));
        for (int64_t pix = p0; pix < p1; ++pix) {
          const int64_t o = pix * C;
          const scalar_t* __restrict xr = x + o;
          const scalar_t* __restrict zr = z + o;
          scalar_t* __restrict orow = out + o;
          if constexpr (!kBackward) {
            for (int64_t c = 0; c < C; ++c)
              orow[c] = static_cast<scalar_t>(static_cast<acc_t>(xr[c]) * sigmoid(static_cast<acc_t>(zr[c]) + b[c]));
          } else {
            const scalar_t* __restrict gr = g + o;
            scalar_t* __restrict gzr = gz + o;
            acc_t* __restrict d = row.data();
            for (int64_t c = 0; c < C; ++c) {
              const acc_t sg = sigmoid(static_cast<acc_t>(zr[c]) + b[c]), gv = static_cast<acc_t>(gr[c]);
              orow[c] = static_cast<scalar_t>(gv * sg);
              d[c] = gv * static_cast<acc_t>(xr[c]) * sg * (acc_t(1) - sg);
            }
            for (int64_t c = 0; c < C; ++c) gzr[c] = static_cast<scalar_t>(d[c]);
            if (acc)
              for (int64_t c = 0; c < C; ++c) acc[c] += d[c];
          }
        }
      }
    });
  });
}

// One gate per pixel (G = 1), shared by the C channels: the sigmoids of all N*H*W gates
// first (a small pass), then streaming passes over the channels - NCHW planes or
// channels_last pixels. The backward's channel sums g.x go to a per-pixel buffer: NCHW
// adds plane after plane into it (one task per piece of kPlaneRun pixels of a sample, so
// each plane is read in long contiguous runs), channels_last sums each pixel's C values.
template <typename scalar_t, bool kBackward>
void per_pixel(const Sizes& sz, const scalar_t* x, const scalar_t* z, const scalar_t* g, at::opmath_type<scalar_t> b,
               scalar_t* out, scalar_t* gz, at::opmath_type<scalar_t>* part) {
  using acc_t = at::opmath_type<scalar_t>;
  const int64_t C = sz.c, hw = sz.hw, pixels = sz.n * hw;
  // Not value-initialised: every element is written before it is read.
  const std::unique_ptr<acc_t[]> sig(new acc_t[static_cast<size_t>(pixels)]);
  acc_t* __restrict sigw = sig.get();
  at::parallel_for(0, pixels, kGrainElements, [&](int64_t begin, int64_t end) {
    call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t i = begin; i < end; ++i) sigw[i] = sigmoid(static_cast<acc_t>(z[i]) + b);
    });
  });
  const acc_t* sigp = sig.get();
  if constexpr (!kBackward) {
    if (!sz.channels_last) {
      at::parallel_for(0, sz.n * C, grain_for(hw), [&](int64_t begin, int64_t end) {
        call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
          for (int64_t p = begin; p < end; ++p) {
            const scalar_t* __restrict xr = x + p * hw;
            scalar_t* __restrict orow = out + p * hw;
            const acc_t* __restrict sr = sigp + (p / C) * hw;
            for (int64_t i = 0; i < hw; ++i) orow[i] = static_cast<scalar_t>(static_cast<acc_t>(xr[i]) * sr[i]);
          }
        });
      });
    } else {
      at::parallel_for(0, pixels, grain_for(C), [&](int64_t begin, int64_t end) {
        call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
          for (int64_t pix = begin; pix < end; ++pix) {
            const scalar_t* __restrict xr = x + pix * C;
            scalar_t* __restrict orow = out + pix * C;
            const acc_t s = sigp[pix];
            for (int64_t c = 0; c < C; ++c) orow[c] = static_cast<scalar_t>(static_cast<acc_t>(xr[c]) * s);
          }
        });
      });
    }
    return;
  }
  // Backward: pieces of kPlaneRun pixels of one sample.
  const int64_t per_sample = (hw + kPlaneRun - 1) / kPlaneRun;
  at::parallel_for(0, sz.n * per_sample, grain_for(kPlaneRun * C), [&](int64_t begin, int64_t end) {
    std::vector<acc_t> dot_buf(static_cast<size_t>(kPlaneRun));
    call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      acc_t* __restrict dot = dot_buf.data();
      for (int64_t item = begin; item < end; ++item) {
        const int64_t n = item / per_sample, p0 = (item % per_sample) * kPlaneRun, len = std::min(kPlaneRun, hw - p0);
        const acc_t* __restrict sg = sigp + n * hw + p0;
        if (!sz.channels_last) {
          std::fill(dot, dot + len, acc_t(0));
          for (int64_t c = 0; c < C; ++c) {
            const int64_t o = (n * C + c) * hw + p0;
            const scalar_t* __restrict xr = x + o;
            const scalar_t* __restrict gr = g + o;
            scalar_t* __restrict orow = out + o;
            for (int64_t j = 0; j < len; ++j) {
              const acc_t gv = static_cast<acc_t>(gr[j]);
              orow[j] = static_cast<scalar_t>(gv * sg[j]);
              dot[j] += gv * static_cast<acc_t>(xr[j]);
            }
          }
        } else {
          for (int64_t j = 0; j < len; ++j) {
            const int64_t o = (n * hw + p0 + j) * C;
            const scalar_t* __restrict xr = x + o;
            const scalar_t* __restrict gr = g + o;
            scalar_t* __restrict orow = out + o;
            const acc_t s = sg[j];
            for (int64_t c = 0; c < C; ++c) orow[c] = static_cast<scalar_t>(static_cast<acc_t>(gr[c]) * s);
            dot[j] = cpu_reduce::block_sum<acc_t>(0, C, [&](int64_t s0, int64_t m, acc_t* __restrict buf)
                                                            SRGAN_CPP_INLINE_LAMBDA {
              for (int64_t k = 0; k < m; ++k) buf[k] = static_cast<acc_t>(gr[s0 + k]) * static_cast<acc_t>(xr[s0 + k]);
            });
          }
        }
        scalar_t* __restrict gzr = gz + n * hw + p0;
        for (int64_t j = 0; j < len; ++j) dot[j] *= sg[j] * (acc_t(1) - sg[j]);
        for (int64_t j = 0; j < len; ++j) gzr[j] = static_cast<scalar_t>(dot[j]);
        if (part) {
          part[item] = cpu_reduce::block_sum<acc_t>(0, len, [&](int64_t s0, int64_t m, acc_t* __restrict buf)
                                                                SRGAN_CPP_INLINE_LAMBDA {
            std::copy(dot + s0, dot + s0 + m, buf);
          });
        }
      }
    });
  });
}

// Sums `pieces` partials of width `width` in order: (pieces, width) -> (width,).
template <typename acc_t>
at::Tensor sum_pieces(const std::vector<acc_t>& part, int64_t pieces, int64_t width, const at::TensorOptions& opts) {
  at::Tensor out = at::empty({width}, opts);
  acc_t* o = out.data_ptr<acc_t>();
  std::fill(o, o + width, acc_t(0));
  for (int64_t p = 0; p < pieces; ++p)
    for (int64_t k = 0; k < width; ++k) o[k] += part[p * width + k];
  return out;
}

}  // namespace

at::Tensor forward_cpu(const at::Tensor& x, const at::Tensor& z, const at::Tensor& bias) {
  at::Tensor out = at::empty_like(x);  // x is NCHW- or channels_last-contiguous; so is out
  if (x.numel() == 0) return out;
  const Sizes sz = sizes_of(x);
  const bool per_px = z.size(1) == 1 && sz.c != 1;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "pixel_attention_cpu", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    const acc_t* b = bias.const_data_ptr<acc_t>();
    if (per_px) {
      per_pixel<scalar_t, false>(sz, x.const_data_ptr<scalar_t>(), z.const_data_ptr<scalar_t>(), nullptr, b[0],
                                 out.data_ptr<scalar_t>(), nullptr, nullptr);
    } else {
      per_element<scalar_t, false>(sz, x.const_data_ptr<scalar_t>(), z.const_data_ptr<scalar_t>(), nullptr, b,
                                   out.data_ptr<scalar_t>(), nullptr, nullptr);
    }
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> backward_cpu(const at::Tensor& g, const at::Tensor& x,
                                                            const at::Tensor& z, const at::Tensor& bias, bool bias_grad) {
  at::Tensor gx = at::empty_like(x), gz = at::empty_like(z);
  const Sizes sz = sizes_of(x);
  const int64_t G = z.size(1);
  if (x.numel() == 0) return {gx, gz, bias_grad ? at::zeros({G}, bias.options()) : at::Tensor()};
  const bool per_px = G == 1 && sz.c != 1;
  at::Tensor gb;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "pixel_attention_backward_cpu", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    const acc_t* b = bias.const_data_ptr<acc_t>();
    const scalar_t *xp = x.const_data_ptr<scalar_t>(), *zp = z.const_data_ptr<scalar_t>(), *gp = g.const_data_ptr<scalar_t>();
    scalar_t *gxp = gx.data_ptr<scalar_t>(), *gzp = gz.data_ptr<scalar_t>();
    if (per_px) {
      const int64_t pieces = sz.n * ((sz.hw + kPlaneRun - 1) / kPlaneRun);
      std::vector<acc_t> part(bias_grad ? static_cast<size_t>(pieces) : 0);
      per_pixel<scalar_t, true>(sz, xp, zp, gp, b[0], gxp, gzp, bias_grad ? part.data() : nullptr);
      if (bias_grad) gb = sum_pieces(part, pieces, 1, bias.options());
    } else if (!sz.channels_last) {
      const int64_t pieces = sz.n * sz.c;  // one partial per plane; plane p is channel p % C
      std::vector<acc_t> part(bias_grad ? static_cast<size_t>(pieces) : 0);
      per_element<scalar_t, true>(sz, xp, zp, gp, b, gxp, gzp, bias_grad ? part.data() : nullptr);
      if (bias_grad) gb = sum_pieces(part, sz.n, sz.c, bias.options());
    } else {
      const int64_t pieces = (sz.n * sz.hw + kPixelChunk - 1) / kPixelChunk;
      std::vector<acc_t> part(bias_grad ? static_cast<size_t>(pieces * sz.c) : 0);
      per_element<scalar_t, true>(sz, xp, zp, gp, b, gxp, gzp, bias_grad ? part.data() : nullptr);
      if (bias_grad) gb = sum_pieces(part, pieces, sz.c, bias.options());
    }
  });
  return {gx, gz, gb};
}

}  // namespace srgan_cpp::pixel_attention_detail
