// CUDA kernels of the gradient cosine loss, computing exactly the function of
// gradient_cosine_cpu.cpp (shared math in gradient_cosine_math.h).
//
// Forward: a (blocks, N) grid; each block walks its share of one sample's pixels in memory
// order (NCHW or channels_last, so loads coalesce), computes both images' gradients on the
// fly and reduces the three sums in shared memory; one partial per block, no atomics. A
// one-block finalize kernel adds the partials in a fixed order (deterministic) and writes
// the stats and the reduced loss.
// Backward: one thread per pixel of the gradient it writes, in that tensor's memory order;
// it evaluates the per-pixel adjoint U at the (up to) 9 neighbours whose stencil reaches it
// and applies the border-folded transposed taps. Neighbouring threads share their loads
// through L1, so the images are read from DRAM about once.
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <c10/macros/Macros.h>

#include <algorithm>
#include <cstdint>

#include "common/tensor_checks.h"
#include "ops/gradient_cosine/gradient_cosine_math.h"

namespace srgan_cpp::gradient_cosine_detail {
namespace {

constexpr int kThreads = 256;

struct Geo {
  int64_t C, H, W;
  int64_t sN, sC, sH, sW;  // of the tensor being read
};

Geo geo_of(const at::Tensor& t) {
  return {t.size(1), t.size(2), t.size(3), t.stride(0), t.stride(1), t.stride(2), t.stride(3)};
}

// Pixel k (0 <= k < C*H*W) of a sample, walked in NCHW or channels_last (h, w, c) order.
__device__ __forceinline__ void unravel(int64_t k, const Geo& g, bool channels_last, int64_t& c, int64_t& i,
                                        int64_t& j) {
  if (channels_last) {
    c = k % g.C;
    k /= g.C;
    j = k % g.W;
    i = k / g.W;
  } else {
    j = k % g.W;
    k /= g.W;
    i = k % g.H;
    c = k / g.H;
  }
}

template <GradOp O, typename acc_t, typename scalar_t>
__device__ __forceinline__ void gradient_at(const scalar_t* plane, const Geo& g, int64_t i, int64_t j, acc_t& gx,
                                            acc_t& gy) {
  const int64_t im = i > 0 ? i - 1 : 0, ip = i < g.H - 1 ? i + 1 : g.H - 1;
  const int64_t jm = j > 0 ? j - 1 : 0, jp = j < g.W - 1 ? j + 1 : g.W - 1;
  image_gradient<O, acc_t>(plane, g.sH, g.sW, im, i, ip, jm, j, jp, gx, gy);
}

// Sums `v[0..2]` over the block; thread 0 gets the result.
template <typename acc_t>
__device__ void block_sum3(acc_t v[3]) {
  __shared__ acc_t sh[3][kThreads];
  for (int k = 0; k < 3; ++k) sh[k][threadIdx.x] = v[k];
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s)
      for (int k = 0; k < 3; ++k) sh[k][threadIdx.x] += sh[k][threadIdx.x + s];
    __syncthreads();
  }
  for (int k = 0; k < 3; ++k) v[k] = sh[k][0];
}

template <typename scalar_t, GradOp O, GradMode M>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    forward_partial_kernel(const scalar_t* __restrict__ sr, Geo gs, const scalar_t* __restrict__ hr, Geo gh,
                           bool channels_last, int64_t N, double* __restrict__ partial) {
  using acc_t = at::opmath_type<scalar_t>;
  const int64_t pixels = gs.C * gs.H * gs.W;
  // gridDim.y is capped at 65535: larger batches loop over their samples.
  for (int64_t n = blockIdx.y; n < N; n += gridDim.y) {
    acc_t v[3] = {0, 0, 0};
    for (int64_t k = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x; k < pixels;
         k += static_cast<int64_t>(gridDim.x) * kThreads) {
      int64_t c, i, j;
      unravel(k, gs, channels_last, c, i, j);
      acc_t gxs, gys, gxh, gyh;
      gradient_at<O, acc_t>(sr + n * gs.sN + c * gs.sC, gs, i, j, gxs, gys);
      gradient_at<O, acc_t>(hr + n * gh.sN + c * gh.sC, gh, i, j, gxh, gyh);
      accumulate_pixel<M, acc_t>(gxs, gys, gxh, gyh, v[0], v[1], v[2]);
    }
    block_sum3<acc_t>(v);
    if (threadIdx.x == 0) {
      double* out = partial + (n * gridDim.x + blockIdx.x) * 3;
      for (int k = 0; k < 3; ++k) out[k] = static_cast<double>(v[k]);
    }
    __syncthreads();  // block_sum3's shared buffer is reused by the next sample
  }
}

// One block: stats[n] = sum of the sample's partials (fixed order), then the loss.
template <typename scalar_t>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    finalize_kernel(const double* __restrict__ partial, int64_t blocks, int64_t N, double eps, int reduction,
                    double* __restrict__ stats, scalar_t* __restrict__ loss) {
  __shared__ double sh[kThreads];
  double mine = 0.0;
  for (int64_t n = threadIdx.x; n < N; n += kThreads) {
    double s[3] = {0, 0, 0};
    for (int64_t b = 0; b < blocks; ++b)
      for (int k = 0; k < 3; ++k) s[k] += partial[(n * blocks + b) * 3 + k];
    for (int k = 0; k < 3; ++k) stats[n * 3 + k] = s[k];
    const double l = sample_coef(s[0], s[1], s[2], eps).loss;
    if (reduction == static_cast<int>(LossReduction::None)) loss[n] = static_cast<scalar_t>(l);
    mine += l;
  }
  if (reduction == static_cast<int>(LossReduction::None)) return;
  sh[threadIdx.x] = mine;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const double total = sh[0];
    loss[0] = static_cast<scalar_t>(reduction == static_cast<int>(LossReduction::Mean) ? total / static_cast<double>(N)
                                                                                       : total);
  }
}

// coef[n] = (-g alpha, -g beta, -g gamma) for each sample, g its incoming gradient.
template <typename scalar_t>
__global__ void coef_kernel(const scalar_t* __restrict__ grad, int64_t grad_stride, const double* __restrict__ stats,
                            int64_t N, double eps, int reduction, at::opmath_type<scalar_t>* __restrict__ coef) {
  using acc_t = at::opmath_type<scalar_t>;
  const int64_t n = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (n >= N) return;
  double g = static_cast<double>(reduction == static_cast<int>(LossReduction::None) ? grad[n * grad_stride] : grad[0]);
  if (reduction == static_cast<int>(LossReduction::Mean)) g /= static_cast<double>(N);
  const SampleCoef c = sample_coef(stats[n * 3], stats[n * 3 + 1], stats[n * 3 + 2], eps);
  coef[n * 3] = static_cast<acc_t>(-g * c.alpha);
  coef[n * 3 + 1] = static_cast<acc_t>(-g * c.beta);
  coef[n * 3 + 2] = static_cast<acc_t>(-g * c.gamma);
}

template <typename acc_t>
struct Taps {
  acc_t x[3][3][3][3];
  acc_t y[3][3][3][3];
};

template <typename scalar_t, GradOp O, GradMode M>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    backward_kernel(const scalar_t* __restrict__ sr, Geo gs, const scalar_t* __restrict__ hr, Geo gh,
                    const at::opmath_type<scalar_t>* __restrict__ coef, Taps<at::opmath_type<scalar_t>> taps,
                    scalar_t* __restrict__ gsr, Geo os, scalar_t* __restrict__ ghr, Geo oh, bool channels_last,
                    int64_t numel) {
  using acc_t = at::opmath_type<scalar_t>;
  const int64_t pixels = gs.C * gs.H * gs.W;
  const Geo& out_geo = gsr != nullptr ? os : oh;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x; t < numel;
       t += static_cast<int64_t>(gridDim.x) * kThreads) {
    const int64_t n = t / pixels;
    int64_t c, p, q;
    unravel(t - n * pixels, out_geo, channels_last, c, p, q);
    const acc_t ka = coef[n * 3], kbs = coef[n * 3 + 1], kbh = coef[n * 3 + 2];
    const scalar_t* s = sr + n * gs.sN + c * gs.sC;
    const scalar_t* h = hr + n * gh.sN + c * gh.sC;
    const int ch = border_class<int64_t>(p, gs.H), cw = border_class<int64_t>(q, gs.W);
    acc_t ds = 0, dh = 0;
#pragma unroll
    for (int di = 0; di < 3; ++di) {
      const int64_t i = p + di - 1;
      if (i < 0 || i >= gs.H) continue;
#pragma unroll
      for (int dj = 0; dj < 3; ++dj) {
        const int64_t j = q + dj - 1;
        const acc_t wx = taps.x[ch][cw][di][dj], wy = taps.y[ch][cw][di][dj];
        if (j < 0 || j >= gs.W || (wx == acc_t(0) && wy == acc_t(0))) continue;
        acc_t gxs, gys, gxh, gyh, uxs, uys, uxh, uyh;
        gradient_at<O, acc_t>(s, gs, i, j, gxs, gys);
        gradient_at<O, acc_t>(h, gh, i, j, gxh, gyh);
        pixel_adjoint<M, acc_t>(gxs, gys, gxh, gyh, ka, kbs, kbh, uxs, uys, uxh, uyh);
        ds += wx * uxs + wy * uys;
        dh += wx * uxh + wy * uyh;
      }
    }
    if (gsr != nullptr) gsr[n * os.sN + c * os.sC + p * os.sH + q * os.sW] = static_cast<scalar_t>(ds);
    if (ghr != nullptr) ghr[n * oh.sN + c * oh.sC + p * oh.sH + q * oh.sW] = static_cast<scalar_t>(dh);
  }
}

int sm_count(c10::DeviceIndex device) {
  int sms = 0;
  C10_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  return sms;
}

at::MemoryFormat layout_of(const at::Tensor& t) {
  return is_channels_last_input(t) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
}

}  // namespace

std::tuple<at::Tensor, at::Tensor> forward_cuda(const at::Tensor& sr, const at::Tensor& hr, GradOp op, GradMode mode,
                                                LossReduction red, double eps) {
  c10::cuda::CUDAGuard guard(sr.device());
  const int64_t N = sr.size(0);
  const int64_t pixels = sr.size(1) * sr.size(2) * sr.size(3);
  at::Tensor stats = at::empty({N, 3}, sr.options().dtype(at::kDouble));
  at::Tensor loss = at::empty(loss_shape(N, red), sr.options());
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  // Enough blocks in all to fill the GPU a few times over, split across the samples.
  const int64_t want = static_cast<int64_t>(sm_count(sr.device().index())) * 8;
  const int64_t blocks = N == 0 ? 1 : std::max<int64_t>(1, std::min<int64_t>((want + N - 1) / N, (pixels + kThreads - 1) / kThreads));
  at::Tensor partial = at::empty({std::max<int64_t>(N, 1) * blocks * 3}, sr.options().dtype(at::kDouble));
  const bool channels_last = is_channels_last_input(sr);
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, sr.scalar_type(), "srgan_cpp_gradient_cosine_cuda", [&] {
    if (N > 0) {
      dispatch_op_mode(op, mode, [&](auto o, auto m) {
        forward_partial_kernel<scalar_t, decltype(o)::value, decltype(m)::value>
            <<<dim3(static_cast<unsigned>(blocks), static_cast<unsigned>(std::min<int64_t>(N, 65535))), kThreads, 0,
               stream>>>(sr.const_data_ptr<scalar_t>(), geo_of(sr), hr.const_data_ptr<scalar_t>(), geo_of(hr),
                         channels_last, N, partial.data_ptr<double>());
        C10_CUDA_KERNEL_LAUNCH_CHECK();
      });
    }
    finalize_kernel<scalar_t><<<1, kThreads, 0, stream>>>(partial.const_data_ptr<double>(), blocks, N, eps,
                                                          static_cast<int>(red), stats.data_ptr<double>(),
                                                          loss.data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
  return {loss, stats};
}

std::tuple<at::Tensor, at::Tensor> backward_cuda(const at::Tensor& grad, const at::Tensor& sr, const at::Tensor& hr,
                                                 const at::Tensor& stats, GradOp op, GradMode mode, LossReduction red,
                                                 double eps, bool need_sr, bool need_hr) {
  c10::cuda::CUDAGuard guard(sr.device());
  const int64_t N = sr.size(0);
  at::Tensor gsr = need_sr ? at::empty(sr.sizes(), sr.options().memory_format(layout_of(sr))) : at::Tensor();
  at::Tensor ghr = need_hr ? at::empty(hr.sizes(), hr.options().memory_format(layout_of(hr))) : at::Tensor();
  const int64_t numel = sr.numel();
  if ((need_sr || need_hr) && numel > 0) {
    const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
    const at::Tensor st = stats.contiguous();
    const at::Tensor g = grad.dim() == 0 ? grad : grad.contiguous();
    const TransposedTaps taps = transposed_taps(op);
    // Threads walk the first requested output in its memory order; each output is
    // written through its own strides, so mixed layouts stay correct (only less coalesced).
    const bool channels_last = need_sr ? is_channels_last_input(gsr) : is_channels_last_input(ghr);
    const int64_t blocks = std::min<int64_t>((numel + kThreads - 1) / kThreads,
                                             static_cast<int64_t>(sm_count(sr.device().index())) * 32);
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, sr.scalar_type(), "srgan_cpp_gradient_cosine_bwd_cuda", [&] {
      using acc_t = at::opmath_type<scalar_t>;
      at::Tensor coef = at::empty({N * 3}, sr.options().dtype(c10::CppTypeToScalarType<acc_t>::value));
      coef_kernel<scalar_t><<<static_cast<unsigned>((N + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
          g.const_data_ptr<scalar_t>(), g.dim() == 0 ? 0 : g.stride(0), st.const_data_ptr<double>(), N, eps,
          static_cast<int>(red), coef.data_ptr<acc_t>());
      C10_CUDA_KERNEL_LAUNCH_CHECK();
      Taps<acc_t> t;
      for (int a = 0; a < 81; ++a) {
        (&t.x[0][0][0][0])[a] = static_cast<acc_t>((&taps.x[0][0][0][0])[a]);
        (&t.y[0][0][0][0])[a] = static_cast<acc_t>((&taps.y[0][0][0][0])[a]);
      }
      dispatch_op_mode(op, mode, [&](auto o, auto m) {
        backward_kernel<scalar_t, decltype(o)::value, decltype(m)::value>
            <<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(
                sr.const_data_ptr<scalar_t>(), geo_of(sr), hr.const_data_ptr<scalar_t>(), geo_of(hr),
                coef.const_data_ptr<acc_t>(), t, need_sr ? gsr.data_ptr<scalar_t>() : nullptr,
                need_sr ? geo_of(gsr) : Geo{}, need_hr ? ghr.data_ptr<scalar_t>() : nullptr,
                need_hr ? geo_of(ghr) : Geo{}, channels_last, numel);
        C10_CUDA_KERNEL_LAUNCH_CHECK();
      });
    });
  }
  if (!need_sr) gsr = at::empty({0}, sr.options());
  if (!need_hr) ghr = at::empty({0}, hr.options());
  return {gsr, ghr};
}

}  // namespace srgan_cpp::gradient_cosine_detail
