// CUDA kernels of the pixel-attention gate, with the semantics of pixel_attention_cpu.cpp:
// grid-stride loops in the tensors' memory order (coalesced). A per-pixel gate's backward
// runs one thread per pixel over its C channels (the channel sum of g * x). The bias
// gradient is ATen's CUDA sum of grad_gate in the accumulation dtype - a fixed-order tree
// reduction, deterministic.
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/sum.h>
#include <ATen/ops/zeros.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "common/cuda_launch.cuh"
#include "ops/pixel_attention/pixel_attention_kernels.h"

namespace srgan_cpp::pixel_attention_detail {
namespace {

using cuda_launch::kThreads;

template <typename acc_t>
__device__ __forceinline__ acc_t sigmoid(acc_t v) {
  return acc_t(1) / (acc_t(1) + exp(-v));
}

// Index of element i's gate value and gate channel: per element (G = C) the element itself;
// per pixel (G = 1) its pixel n * hw + p.
template <typename index_t>
__device__ __forceinline__ index_t gate_index(index_t i, index_t C, index_t hw, bool per_pixel, bool channels_last,
                                              index_t& gate_channel) {
  if (!per_pixel) {
    gate_channel = channels_last ? i % C : (i / hw) % C;
    return i;
  }
  gate_channel = 0;
  return channels_last ? i / C : (i / (C * hw)) * hw + i % hw;
}

template <typename scalar_t, typename index_t>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    forward_kernel(const scalar_t* __restrict__ x, const scalar_t* __restrict__ z,
                   const at::opmath_type<scalar_t>* __restrict__ b, scalar_t* __restrict__ out, index_t C, index_t hw,
                   bool per_pixel, bool channels_last, int64_t numel) {
  using acc_t = at::opmath_type<scalar_t>;
  for (int64_t k = cuda_launch::first_index(); k < numel; k += cuda_launch::grid_stride()) {
    const index_t i = static_cast<index_t>(k);
    index_t gc;
    const index_t zi = gate_index(i, C, hw, per_pixel, channels_last, gc);
    out[i] = static_cast<scalar_t>(static_cast<acc_t>(x[i]) * sigmoid(static_cast<acc_t>(z[zi]) + b[gc]));
  }
}

// G = C: grad_input and grad_gate element-wise.
template <typename scalar_t, typename index_t>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    backward_elem_kernel(const scalar_t* __restrict__ g, const scalar_t* __restrict__ x, const scalar_t* __restrict__ z,
                         const at::opmath_type<scalar_t>* __restrict__ b, scalar_t* __restrict__ gx,
                         scalar_t* __restrict__ gz, index_t C, index_t hw, bool channels_last, int64_t numel) {
  using acc_t = at::opmath_type<scalar_t>;
  for (int64_t k = cuda_launch::first_index(); k < numel; k += cuda_launch::grid_stride()) {
    const index_t i = static_cast<index_t>(k);
    const index_t c = channels_last ? i % C : (i / hw) % C;
    const acc_t s = sigmoid(static_cast<acc_t>(z[i]) + b[c]), gv = static_cast<acc_t>(g[i]);
    gx[i] = static_cast<scalar_t>(gv * s);
    gz[i] = static_cast<scalar_t>(gv * static_cast<acc_t>(x[i]) * s * (acc_t(1) - s));
  }
}

// G = 1: one thread per pixel (n, p): grad_input over its C channels, grad_gate from their sum.
template <typename scalar_t, typename index_t>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    backward_pixel_kernel(const scalar_t* __restrict__ g, const scalar_t* __restrict__ x,
                          const scalar_t* __restrict__ z, const at::opmath_type<scalar_t>* __restrict__ b,
                          scalar_t* __restrict__ gx,
                          scalar_t* __restrict__ gz, index_t C, index_t hw, bool channels_last, int64_t pixels) {
  using acc_t = at::opmath_type<scalar_t>;
  for (int64_t k = cuda_launch::first_index(); k < pixels; k += cuda_launch::grid_stride()) {
    const index_t pix = static_cast<index_t>(k);
    const acc_t s = sigmoid(static_cast<acc_t>(z[pix]) + b[0]);
    // Element (n, c, p): NCHW (n * C + c) * hw + p; channels_last pix * C + c.
    const index_t base = channels_last ? pix * C : (pix / hw) * C * hw + pix % hw;
    const index_t step = channels_last ? 1 : hw;
    acc_t dot = 0;
    for (index_t c = 0; c < C; ++c) {
      const index_t o = base + c * step;
      const acc_t gv = static_cast<acc_t>(g[o]);
      gx[o] = static_cast<scalar_t>(gv * s);
      dot += gv * static_cast<acc_t>(x[o]);
    }
    gz[pix] = static_cast<scalar_t>(dot * s * (acc_t(1) - s));
  }
}

template <typename F>
void with_index(bool int32, F&& f) {
  if (int32) {
    f(int32_t{});
  } else {
    f(int64_t{});
  }
}

}  // namespace

at::Tensor forward_cuda(const at::Tensor& x, const at::Tensor& z, const at::Tensor& bias) {
  c10::cuda::CUDAGuard guard(x.device());
  at::Tensor out = at::empty_like(x);  // x is NCHW- or channels_last-contiguous; so is out
  const int64_t numel = x.numel();
  if (numel == 0) return out;
  const int64_t C = x.size(1), hw = x.size(2) * x.size(3);
  const bool per_pixel = z.size(1) == 1 && C != 1, cl = !x.is_contiguous();
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "pixel_attention_cuda", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    with_index(cuda_launch::fits_int32(x), [&](auto idx) {
      using index_t = decltype(idx);
      forward_kernel<scalar_t, index_t><<<cuda_launch::grid_for(numel), kThreads, 0, stream>>>(
          x.const_data_ptr<scalar_t>(), z.const_data_ptr<scalar_t>(), bias.const_data_ptr<acc_t>(),
          out.data_ptr<scalar_t>(), static_cast<index_t>(C), static_cast<index_t>(hw), per_pixel, cl, numel);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> backward_cuda(const at::Tensor& g, const at::Tensor& x,
                                                             const at::Tensor& z, const at::Tensor& bias, bool bias_grad) {
  c10::cuda::CUDAGuard guard(x.device());
  at::Tensor gx = at::empty_like(x), gz = at::empty_like(z);
  const int64_t numel = x.numel(), G = z.size(1);
  if (numel == 0) return {gx, gz, bias_grad ? at::zeros({G}, bias.options()) : at::Tensor()};
  const int64_t C = x.size(1), hw = x.size(2) * x.size(3);
  const bool per_pixel = G == 1 && C != 1, cl = !x.is_contiguous();
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "pixel_attention_backward_cuda", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    with_index(cuda_launch::fits_int32(x), [&](auto idx) {
      using index_t = decltype(idx);
      if (per_pixel) {
        const int64_t pixels = z.numel();
        backward_pixel_kernel<scalar_t, index_t><<<cuda_launch::grid_for(pixels), kThreads, 0, stream>>>(
            g.const_data_ptr<scalar_t>(), x.const_data_ptr<scalar_t>(), z.const_data_ptr<scalar_t>(), bias.const_data_ptr<acc_t>(),
            gx.data_ptr<scalar_t>(), gz.data_ptr<scalar_t>(), static_cast<index_t>(C), static_cast<index_t>(hw), cl,
            pixels);
      } else {
        backward_elem_kernel<scalar_t, index_t><<<cuda_launch::grid_for(numel), kThreads, 0, stream>>>(
            g.const_data_ptr<scalar_t>(), x.const_data_ptr<scalar_t>(), z.const_data_ptr<scalar_t>(),
            bias.const_data_ptr<acc_t>(), gx.data_ptr<scalar_t>(), gz.data_ptr<scalar_t>(), static_cast<index_t>(C),
            static_cast<index_t>(hw), cl, numel);
      }
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  });
  at::Tensor gb = bias_grad ? at::sum(gz, {0, 2, 3}, /*keepdim=*/false, bias.scalar_type()) : at::Tensor();
  return {gx, gz, gb};
}

}  // namespace srgan_cpp::pixel_attention_detail
