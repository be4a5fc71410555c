// CUDA kernels of pixel_shuffle, pixel_unshuffle and fused_pixel_shuffle (forward and
// backward), with exactly the semantics (and rounding) of pixel_shuffle_cpu.cpp.
//
// Mapping: one thread per element of the tensor being written, walked in that tensor's
// own memory order (NCHW rows or channels_last pixels) by a grid-stride loop, so stores
// are fully coalesced; each thread gathers its source element(s) through the 4 strides,
// which serves contiguous, channels_last, strided and expanded inputs without a copy.
//
// The backward's reductions (grad_bias, grad_weight) are deterministic: the element
// kernel writes grad_input (and, for PReLU, each element's weight-gradient term), and
// ATen's CUDA sum - a fixed-order tree reduction, no atomics - reduces them.
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/sum.h>
#include <ATen/ops/zeros.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <c10/macros/Macros.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "common/tensor_checks.h"
#include "ops/pixel_shuffle/pixel_shuffle_epilogue.h"
#include "ops/pixel_shuffle/pixel_shuffle_kernels.h"

namespace srgan_cpp::pixel_shuffle_detail {
namespace {

constexpr int kThreads = 256;
// 8 blocks of 256 threads fill an SM (2048 resident threads); a few waves of that is all a
// grid-stride loop can use - more blocks only add scheduling overhead.
constexpr int64_t kBlocksPerSm = 8 * 4;

// Sizes or strides of a 4-D tensor, in the index type the kernel computes with.
template <typename index_t>
struct Dims4 {
  index_t n, c, h, w;
};

template <typename index_t>
Dims4<index_t> sizes_of(const at::Tensor& t) {
  return {static_cast<index_t>(t.size(0)), static_cast<index_t>(t.size(1)), static_cast<index_t>(t.size(2)),
          static_cast<index_t>(t.size(3))};
}

template <typename index_t>
Dims4<index_t> strides_of(const at::Tensor& t) {
  if (!t.defined()) return {0, 0, 0, 0};
  return {static_cast<index_t>(t.stride(0)), static_cast<index_t>(t.stride(1)), static_cast<index_t>(t.stride(2)),
          static_cast<index_t>(t.stride(3))};
}

// Position (n, c, h, w) of the element at linear index i of a dense tensor of sizes `sz`
// laid out NCHW-contiguous or channels_last (memory order n, h, w, c).
template <typename index_t>
__device__ __forceinline__ Dims4<index_t> unravel(index_t i, const Dims4<index_t>& sz, bool channels_last) {
  Dims4<index_t> p;
  if (channels_last) {
    p.c = i % sz.c;
    i /= sz.c;
    p.w = i % sz.w;
    i /= sz.w;
    p.h = i % sz.h;
    p.n = i / sz.h;
  } else {
    p.w = i % sz.w;
    i /= sz.w;
    p.h = i % sz.h;
    i /= sz.h;
    p.c = i % sz.c;
    p.n = i / sz.c;
  }
  return p;
}

template <typename index_t>
__device__ __forceinline__ index_t offset_of(index_t n, index_t c, index_t h, index_t w, const Dims4<index_t>& st) {
  return n * st.n + c * st.c + h * st.h + w * st.w;
}

// 32-bit index math (much cheaper divisions on the GPU) is safe when every element
// count and every reachable offset of `t` fits in int32.
bool fits_int32(const at::Tensor& t) {
  if (!t.defined()) return true;
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  if (t.numel() >= kMax) return false;
  int64_t max_offset = 0;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.size(d) > 0) max_offset += (t.size(d) - 1) * t.stride(d);
  }
  return max_offset < kMax;
}

template <typename F>
void dispatch_index(bool use_int32, F&& f) {
  if (use_int32) {
    f(int32_t{});
  } else {
    f(int64_t{});
  }
}

// Blocks for a grid-stride loop over `numel` (> 0) elements on `device`. The SM count is
// cached per device: querying it is cheap but not free, and it never changes.
unsigned int grid_for(int64_t numel, c10::DeviceIndex device) {
  static std::array<std::atomic<int>, C10_COMPILE_TIME_MAX_GPUS> sm_counts{};
  int sms = sm_counts[device].load(std::memory_order_relaxed);
  if (sms == 0) {
    C10_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    sm_counts[device].store(sms, std::memory_order_relaxed);  // racing writers store the same value
  }
  const int64_t needed = (numel + kThreads - 1) / kThreads;
  return static_cast<unsigned int>(std::min<int64_t>(needed, sms * kBlocksPerSm));
}

// The grid-stride loop counter stays 64-bit (one add per step) so it cannot overflow;
// callers convert it to index_t, which is exact because i < numel.
__device__ __forceinline__ int64_t first_index() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t grid_stride() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

// Slope of the negative side: PReLU's learned weight (shared or per output channel c),
// leaky_relu's constant; unused by none/relu.
template <Act A, typename scalar_t, typename acc_t, typename index_t>
__device__ __forceinline__ acc_t weight_of(const scalar_t* weight, bool per_channel_w, acc_t slope, index_t c) {
  if constexpr (A == Act::PReLU) {
    return static_cast<acc_t>(weight[per_channel_w ? c : 0]);
  } else {
    return slope;
  }
}

// z = x (+ bias[ic]), rounded to scalar_t like eager's separate add.
template <typename scalar_t, typename acc_t, typename index_t>
__device__ __forceinline__ acc_t pre_activation(scalar_t x, const scalar_t* bias, index_t ic) {
  acc_t z = static_cast<acc_t>(x);
  if (bias != nullptr) z = static_cast<acc_t>(static_cast<scalar_t>(z + static_cast<acc_t>(bias[ic])));
  return z;
}

// Plain data movement: out(n, oc, oh, ow) gathered from x; bit exact.
template <typename scalar_t, typename index_t>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    shuffle_kernel(const scalar_t* __restrict__ in, Dims4<index_t> in_st, scalar_t* __restrict__ out,
                   Dims4<index_t> out_sz, index_t r, bool upscale, bool channels_last, int64_t numel) {
  const index_t rr = r * r;
  for (int64_t i = first_index(); i < numel; i += grid_stride()) {
    const Dims4<index_t> p = unravel<index_t>(static_cast<index_t>(i), out_sz, channels_last);
    index_t src;
    if (upscale) {  // out(n, c, oh, ow) <- x(n, c*r*r + (oh%r)*r + ow%r, oh/r, ow/r)
      src = offset_of<index_t>(p.n, p.c * rr + (p.h % r) * r + p.w % r, p.h / r, p.w / r, in_st);
    } else {  // out(n, c*r*r + i*r + j, oh, ow) <- x(n, c, oh*r + i, ow*r + j)
      const index_t c = p.c / rr, di = (p.c % rr) / r, dj = p.c % r;
      src = offset_of<index_t>(p.n, c, p.h * r + di, p.w * r + dj, in_st);
    }
    out[i] = in[src];
  }
}

// y(n, c, oh, ow) = round(act(z)) (+ residual), z from x(n, ic, oh/r, ow/r) with
// ic = c*r*r + (oh%r)*r + ow%r.
template <typename scalar_t, Act A, typename index_t>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    fused_forward_kernel(const scalar_t* __restrict__ in, Dims4<index_t> in_st, const scalar_t* __restrict__ bias,
                         const scalar_t* __restrict__ weight, bool per_channel_w, at::opmath_type<scalar_t> slope,
                         const scalar_t* __restrict__ res, Dims4<index_t> res_st, scalar_t* __restrict__ out,
                         Dims4<index_t> out_sz, index_t r, bool channels_last, int64_t numel) {
  using acc_t = at::opmath_type<scalar_t>;
  const index_t rr = r * r;
  for (int64_t i = first_index(); i < numel; i += grid_stride()) {
    const Dims4<index_t> p = unravel<index_t>(static_cast<index_t>(i), out_sz, channels_last);
    const index_t ic = p.c * rr + (p.h % r) * r + p.w % r;
    const scalar_t xv = in[offset_of<index_t>(p.n, ic, p.h / r, p.w / r, in_st)];
    const acc_t z = pre_activation<scalar_t, acc_t, index_t>(xv, bias, ic);
    const acc_t w = weight_of<A, scalar_t, acc_t, index_t>(weight, per_channel_w, slope, p.c);
    acc_t y = static_cast<acc_t>(static_cast<scalar_t>(activate<A, acc_t>(z, w)));
    if (res != nullptr) y += static_cast<acc_t>(res[offset_of<index_t>(p.n, p.c, p.h, p.w, res_st)]);
    out[i] = static_cast<scalar_t>(y);
  }
}

// grad_input(n, ic, ih, iw) = round(act'(z) * g), g = grad_out(n, ic/(r*r), ih*r + i, iw*r + j)
// with i = (ic%(r*r))/r, j = ic%r. For PReLU each element's weight-gradient term
// (z > 0 ? 0 : g*z, in acc_t) goes to `wterm`, laid out like grad_input.
template <typename scalar_t, Act A, typename index_t>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    fused_backward_kernel(const scalar_t* __restrict__ go, Dims4<index_t> go_st, const scalar_t* __restrict__ in,
                          Dims4<index_t> in_st, const scalar_t* __restrict__ bias, const scalar_t* __restrict__ weight,
                          bool per_channel_w, at::opmath_type<scalar_t> slope, scalar_t* __restrict__ gx,
                          at::opmath_type<scalar_t>* __restrict__ wterm, Dims4<index_t> x_sz, index_t r,
                          bool channels_last, int64_t numel) {
  using acc_t = at::opmath_type<scalar_t>;
  const index_t rr = r * r;
  for (int64_t i = first_index(); i < numel; i += grid_stride()) {
    const Dims4<index_t> p = unravel<index_t>(static_cast<index_t>(i), x_sz, channels_last);
    const index_t c = p.c / rr, di = (p.c % rr) / r, dj = p.c % r;
    const scalar_t xv = in[offset_of<index_t>(p.n, p.c, p.h, p.w, in_st)];
    const acc_t z = pre_activation<scalar_t, acc_t, index_t>(xv, bias, p.c);
    const acc_t g = static_cast<acc_t>(go[offset_of<index_t>(p.n, c, p.h * r + di, p.w * r + dj, go_st)]);
    const acc_t w = weight_of<A, scalar_t, acc_t, index_t>(weight, per_channel_w, slope, c);
    gx[i] = static_cast<scalar_t>(activate_backward<A, acc_t>(z, g, w));
    if constexpr (A == Act::PReLU) {
      // !(z > 0) like the CPU kernel, so a NaN z poisons the weight gradient there too.
      if (wterm != nullptr) wterm[i] = z > acc_t(0) ? acc_t(0) : g * z;
    }
  }
}

// Accumulation dtype of the ATen reductions: float for half/bfloat16 (matching the CPU
// kernel's acc_t partial sums), the input dtype otherwise.
at::ScalarType acc_dtype(at::ScalarType st) {
  return (st == at::kHalf || st == at::kBFloat16) ? at::kFloat : st;
}

}  // namespace

at::Tensor shuffle_cuda(const at::Tensor& x, int64_t r, bool upscale) {
  c10::cuda::CUDAGuard guard(x.device());
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  auto out = upscale ? empty_like_layout(x, {N, C / (r * r), H * r, W * r})
                     : empty_like_layout(x, {N, C * r * r, H / r, W / r});
  const int64_t numel = out.numel();
  if (numel == 0) return out;
  const bool channels_last = is_channels_last_input(x);
  const unsigned int grid = grid_for(numel, x.device().index());
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "srgan_cpp_shuffle_cuda", [&] {
    dispatch_index(fits_int32(x) && fits_int32(out), [&](auto idx) {
      using index_t = decltype(idx);
      shuffle_kernel<scalar_t, index_t><<<grid, kThreads, 0, stream>>>(
          x.const_data_ptr<scalar_t>(), strides_of<index_t>(x), out.data_ptr<scalar_t>(), sizes_of<index_t>(out),
          static_cast<index_t>(r), upscale, channels_last, numel);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  });
  return out;
}

at::Tensor fused_forward_cuda(const at::Tensor& x, int64_t r, const at::Tensor& bias, Act act,
                              const at::Tensor& weight, double slope, const at::Tensor& residual) {
  c10::cuda::CUDAGuard guard(x.device());
  auto out = empty_like_layout(x, {x.size(0), x.size(1) / (r * r), x.size(2) * r, x.size(3) * r});
  const int64_t numel = out.numel();
  if (numel == 0) return out;
  // bias/weight are tiny and indexed by channel: make them dense once rather than carry strides.
  const at::Tensor b = bias.defined() ? bias.contiguous() : bias;
  const at::Tensor w = weight.defined() ? weight.contiguous() : weight;
  const bool per_channel_w = w.defined() && w.numel() > 1;
  const bool channels_last = is_channels_last_input(x);
  const unsigned int grid = grid_for(numel, x.device().index());
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const bool use_int32 = fits_int32(x) && fits_int32(out) && fits_int32(residual);
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "srgan_cpp_fused_shuffle_cuda", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    const scalar_t* bp = b.defined() ? b.const_data_ptr<scalar_t>() : nullptr;
    const scalar_t* wp = w.defined() ? w.const_data_ptr<scalar_t>() : nullptr;
    const scalar_t* rp = residual.defined() ? residual.const_data_ptr<scalar_t>() : nullptr;
    dispatch_act(act, [&](auto a) {
      constexpr Act A = decltype(a)::value;
      dispatch_index(use_int32, [&](auto idx) {
        using index_t = decltype(idx);
        fused_forward_kernel<scalar_t, A, index_t><<<grid, kThreads, 0, stream>>>(
            x.const_data_ptr<scalar_t>(), strides_of<index_t>(x), bp, wp, per_channel_w, static_cast<acc_t>(slope),
            rp, strides_of<index_t>(residual), out.data_ptr<scalar_t>(), sizes_of<index_t>(out),
            static_cast<index_t>(r), channels_last, numel);
        C10_CUDA_KERNEL_LAUNCH_CHECK();
      });
    });
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> fused_backward_cuda(const at::Tensor& grad_out, const at::Tensor& x,
                                                                   int64_t r, const at::Tensor& bias, Act act,
                                                                   const at::Tensor& weight, double slope) {
  c10::cuda::CUDAGuard guard(x.device());
  auto gx = empty_like_layout(x, x.sizes());
  const int64_t numel = x.numel();
  if (numel == 0) {  // nothing flows back: the parameter gradients are zero
    auto gb = bias.defined() ? at::zeros(bias.sizes(), x.options()) : at::empty({0}, x.options());
    auto gw = weight.defined() ? at::zeros(weight.sizes(), x.options()) : at::empty({0}, x.options());
    return {gx, gb, gw};
  }
  const at::Tensor b = bias.defined() ? bias.contiguous() : bias;
  const at::Tensor w = weight.defined() ? weight.contiguous() : weight;
  const bool per_channel_w = w.defined() && w.numel() > 1;
  const bool channels_last = is_channels_last_input(x);
  const at::ScalarType acc_type = acc_dtype(x.scalar_type());
  // The per-element PReLU weight-gradient terms, in acc_t and laid out like grad_input so
  // the kernel writes them coalesced at the same linear index.
  at::Tensor wterm;
  if (act == Act::PReLU && w.defined()) {
    const auto fmt = channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    wterm = at::empty(x.sizes(), x.options().dtype(acc_type).memory_format(fmt));
  }
  const unsigned int grid = grid_for(numel, x.device().index());
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const bool use_int32 = fits_int32(x) && fits_int32(grad_out) && fits_int32(gx);
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "srgan_cpp_fused_shuffle_bwd_cuda", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    const scalar_t* bp = b.defined() ? b.const_data_ptr<scalar_t>() : nullptr;
    const scalar_t* wp = w.defined() ? w.const_data_ptr<scalar_t>() : nullptr;
    acc_t* tp = wterm.defined() ? wterm.data_ptr<acc_t>() : nullptr;
    dispatch_act(act, [&](auto a) {
      constexpr Act A = decltype(a)::value;
      dispatch_index(use_int32, [&](auto idx) {
        using index_t = decltype(idx);
        fused_backward_kernel<scalar_t, A, index_t><<<grid, kThreads, 0, stream>>>(
            grad_out.const_data_ptr<scalar_t>(), strides_of<index_t>(grad_out), x.const_data_ptr<scalar_t>(),
            strides_of<index_t>(x), bp, wp, per_channel_w, static_cast<acc_t>(slope), gx.data_ptr<scalar_t>(), tp,
            sizes_of<index_t>(x), static_cast<index_t>(r), channels_last, numel);
        C10_CUDA_KERNEL_LAUNCH_CHECK();
      });
    });
  });

  // d/d bias[ic] is the sum of the (rounded) grad_input over (n, h, w), as on the CPU.
  at::Tensor gb = b.defined() ? at::sum(gx, {0, 2, 3}, /*keepdim=*/false, acc_type).to(x.scalar_type())
                              : at::empty({0}, x.options());
  at::Tensor gw = at::empty({0}, x.options());
  if (wterm.defined()) {
    at::Tensor s;
    if (per_channel_w) {  // output channel c owns input channels c*r*r .. c*r*r + r*r - 1
      const int64_t C = x.size(1) / (r * r);
      s = at::sum(wterm.view({x.size(0), C, r * r, x.size(2), x.size(3)}), {0, 2, 3, 4});
    } else {
      s = wterm.sum();
    }
    gw = s.to(x.scalar_type()).reshape(w.sizes()).contiguous();
  }
  return {gx, gb, gw};
}

}  // namespace srgan_cpp::pixel_shuffle_detail
