// CUDA kernels of the channel-attention op (see channel_attention_kernels.h), with the
// semantics of channel_attention_cpu.cpp.
//   pool:  partial sums per (n, c) over fixed chunks of pixels - NCHW: a block reduces one
//          chunk of one plane (coalesced along the row); channels_last: a 32 x 8 block, 32
//          consecutive channels (coalesced) by 8 pixel rows - then the chunk partials added
//          in order by a second kernel. No atomics: deterministic.
//   gate:  one block per sample; the steps meet through global memory (the outputs) with
//          block barriers, so any C and Cr fit.
//   scale: a grid-stride element loop in the tensor's memory order.
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "common/cuda_launch.cuh"
#include "ops/channel_attention/channel_attention_kernels.h"

namespace srgan_cpp::channel_attention_detail {
namespace {

using cuda_launch::kThreads;

// Elements one pool block sums per (plane or channel tile); a plane larger than this is
// split into chunks whose partial sums the finish kernel adds in order.
constexpr int64_t kChunkElements = 16384;
constexpr int kClChannels = 32, kClRows = 8;

template <typename scalar_t, bool kTwo>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    pool_nchw_kernel(const scalar_t* __restrict__ x, const scalar_t* __restrict__ g, int64_t planes, int64_t hw,
                     int64_t chunk_len, int64_t chunks, at::opmath_type<scalar_t>* __restrict__ out) {
  using acc_t = at::opmath_type<scalar_t>;
  __shared__ acc_t shared[32];
  const int64_t plane = blockIdx.x, chunk = blockIdx.y;
  const int64_t begin = chunk * chunk_len, end = begin + chunk_len < hw ? begin + chunk_len : hw;
  const scalar_t* xr = x + plane * hw;
  acc_t sx = 0, sgx = 0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    const acc_t v = static_cast<acc_t>(xr[i]);
    sx += v;
    if constexpr (kTwo) sgx += static_cast<acc_t>(g[plane * hw + i]) * v;
  }
  sx = cuda_launch::block_sum(sx, shared);
  if constexpr (kTwo) sgx = cuda_launch::block_sum(sgx, shared);
  if (threadIdx.x == 0) {
    out[plane * chunks + chunk] = sx;
    if constexpr (kTwo) out[(planes + plane) * chunks + chunk] = sgx;
  }
}

template <typename scalar_t, bool kTwo>
__global__ void __launch_bounds__(kClChannels * kClRows)
    pool_cl_kernel(const scalar_t* __restrict__ x, const scalar_t* __restrict__ g, int64_t N, int64_t C, int64_t hw,
                   int64_t chunk_len, int64_t chunks, at::opmath_type<scalar_t>* __restrict__ out) {
  using acc_t = at::opmath_type<scalar_t>;
  __shared__ acc_t sh_x[kClRows][kClChannels];
  __shared__ acc_t sh_gx[kClRows][kClChannels];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * kClChannels + threadIdx.x;
  const int64_t chunk = blockIdx.y, n = blockIdx.z;
  const int64_t begin = chunk * chunk_len, end = begin + chunk_len < hw ? begin + chunk_len : hw;
  acc_t sx = 0, sgx = 0;
  if (c < C) {
    for (int64_t p = begin + threadIdx.y; p < end; p += kClRows) {
      const int64_t off = (n * hw + p) * C + c;
      const acc_t v = static_cast<acc_t>(x[off]);
      sx += v;
      if constexpr (kTwo) sgx += static_cast<acc_t>(g[off]) * v;
    }
  }
  sh_x[threadIdx.y][threadIdx.x] = sx;
  sh_gx[threadIdx.y][threadIdx.x] = sgx;
  __syncthreads();
  if (threadIdx.y == 0 && c < C) {
    for (int r = 1; r < kClRows; ++r) {
      sx += sh_x[r][threadIdx.x];
      sgx += sh_gx[r][threadIdx.x];
    }
    out[(n * C + c) * chunks + chunk] = sx;
    if constexpr (kTwo) out[(N * C + n * C + c) * chunks + chunk] = sgx;
  }
}

// sums[row] = sum over chunks of partial[row * chunks + chunk], in chunk order.
template <typename acc_t>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    finish_kernel(const acc_t* __restrict__ partial, int64_t rows, int64_t chunks, acc_t* __restrict__ sums) {
  for (int64_t row = cuda_launch::first_index(); row < rows; row += cuda_launch::grid_stride()) {
    acc_t s = 0;
    for (int64_t k = 0; k < chunks; ++k) s += partial[row * chunks + k];
    sums[row] = s;
  }
}

template <typename acc_t>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    gate_kernel(const acc_t* __restrict__ sums, const acc_t* __restrict__ w1, const acc_t* __restrict__ b1,
                const acc_t* __restrict__ w2, const acc_t* __restrict__ b2, int64_t N, int64_t C, int64_t Cr,
                acc_t inv_hw, bool backward, acc_t* __restrict__ pooled, acc_t* __restrict__ hidden,
                acc_t* __restrict__ scale, acc_t* __restrict__ d_excite, acc_t* __restrict__ d_squeeze,
                acc_t* __restrict__ d_pixel) {
  const int64_t n = blockIdx.x;
  acc_t* p = pooled + n * C;
  acc_t* h = hidden + n * Cr;
  acc_t* s = scale + n * C;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) p[c] = sums[n * C + c] * inv_hw;
  __syncthreads();
  for (int64_t j = threadIdx.x; j < Cr; j += blockDim.x) {
    acc_t z = b1[j];
    for (int64_t c = 0; c < C; ++c) z += w1[j * C + c] * p[c];
    h[j] = z > acc_t(0) ? z : acc_t(0);
  }
  __syncthreads();
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
    acc_t z = b2[c];
    for (int64_t j = 0; j < Cr; ++j) z += w2[c * Cr + j] * h[j];
    s[c] = acc_t(1) / (acc_t(1) + exp(-z));
  }
  if (!backward) return;
  __syncthreads();
  acc_t* de = d_excite + n * C;
  acc_t* ds = d_squeeze + n * Cr;
  const acc_t* sgx = sums + N * C + n * C;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) de[c] = sgx[c] * s[c] * (acc_t(1) - s[c]);
  __syncthreads();
  for (int64_t j = threadIdx.x; j < Cr; j += blockDim.x) {
    acc_t z = 0;
    for (int64_t c = 0; c < C; ++c) z += w2[c * Cr + j] * de[c];
    ds[j] = h[j] > acc_t(0) ? z : acc_t(0);  // relu' (0 at 0, as torch)
  }
  __syncthreads();
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
    acc_t z = 0;
    for (int64_t j = 0; j < Cr; ++j) z += w1[j * C + c] * ds[j];
    d_pixel[n * C + c] = z * inv_hw;
  }
}

template <typename scalar_t, typename index_t, bool kAdd>
__global__ void C10_LAUNCH_BOUNDS_1(kThreads)
    scale_kernel(const scalar_t* __restrict__ x, const at::opmath_type<scalar_t>* __restrict__ scale,
                 const at::opmath_type<scalar_t>* __restrict__ add, scalar_t* __restrict__ out, index_t C, index_t hw,
                 bool channels_last, int64_t numel) {
  using acc_t = at::opmath_type<scalar_t>;
  for (int64_t i = cuda_launch::first_index(); i < numel; i += cuda_launch::grid_stride()) {
    const index_t li = static_cast<index_t>(i);
    // Row (n * C + c) of the (N, C) gate tensors for element li.
    const index_t row = channels_last ? (li / (hw * C)) * C + li % C : li / hw;
    acc_t v = static_cast<acc_t>(x[li]) * scale[row];
    if constexpr (kAdd) v += add[row];
    out[li] = static_cast<scalar_t>(v);
  }
}

}  // namespace

void pool_cuda(const at::Tensor& x, const at::Tensor& g, at::Tensor& sums) {
  c10::cuda::CUDAGuard guard(x.device());
  const int64_t N = x.size(0), C = x.size(1), hw = x.size(2) * x.size(3);
  const bool cl = !x.is_contiguous();  // x is NCHW- or channels_last-contiguous
  const int64_t k = g.defined() ? 2 : 1;
  // NCHW chunks are runs of one plane; channels_last chunks are runs of pixels, sized so a
  // block still reads about kChunkElements / 4 values (32 channels x chunk pixels).
  const int64_t chunk_len = cl ? kChunkElements / kClChannels : kChunkElements;
  const int64_t chunks = std::min<int64_t>((hw + chunk_len - 1) / chunk_len, 65535);
  const int64_t len = (hw + chunks - 1) / chunks;
  at::Tensor partial = chunks == 1 ? sums : at::empty({k * N * C * chunks}, sums.options());
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "channel_attention_pool_cuda", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    const scalar_t* xp = x.const_data_ptr<scalar_t>();
    const scalar_t* gp = g.defined() ? g.const_data_ptr<scalar_t>() : nullptr;
    acc_t* out = partial.data_ptr<acc_t>();
    if (!cl) {
      TORCH_CHECK(N * C <= std::numeric_limits<int32_t>::max(), "srgan_cpp.ops.channel_attention: too many planes");
      const dim3 grid(static_cast<unsigned int>(N * C), static_cast<unsigned int>(chunks));
      if (gp) {
        pool_nchw_kernel<scalar_t, true><<<grid, kThreads, 0, stream>>>(xp, gp, N * C, hw, len, chunks, out);
      } else {
        pool_nchw_kernel<scalar_t, false><<<grid, kThreads, 0, stream>>>(xp, gp, N * C, hw, len, chunks, out);
      }
    } else {
      TORCH_CHECK(N <= 65535, "srgan_cpp.ops.channel_attention: CUDA channels_last inputs take at most 65535 samples, got ",
                  N);
      const dim3 grid(static_cast<unsigned int>((C + kClChannels - 1) / kClChannels), static_cast<unsigned int>(chunks),
                      static_cast<unsigned int>(N));
      const dim3 block(kClChannels, kClRows);
      if (gp) {
        pool_cl_kernel<scalar_t, true><<<grid, block, 0, stream>>>(xp, gp, N, C, hw, len, chunks, out);
      } else {
        pool_cl_kernel<scalar_t, false><<<grid, block, 0, stream>>>(xp, gp, N, C, hw, len, chunks, out);
      }
    }
    C10_CUDA_KERNEL_LAUNCH_CHECK();
    if (chunks > 1) {
      const int64_t rows = k * N * C;
      finish_kernel<acc_t><<<cuda_launch::grid_for(rows), kThreads, 0, stream>>>(out, rows, chunks,
                                                                                 sums.data_ptr<acc_t>());
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    }
  });
}

void gate_cuda(const at::Tensor& sums, const GateWeights& w, int64_t hw, GateTensors& t, bool backward) {
  c10::cuda::CUDAGuard guard(sums.device());
  const int64_t N = sums.size(1), C = sums.size(2), Cr = w.w1.size(0);
  TORCH_CHECK(N <= std::numeric_limits<int32_t>::max(), "srgan_cpp.ops.channel_attention: too many samples");
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(sums.scalar_type(), "channel_attention_gate_cuda", [&] {
    auto ptr = [](at::Tensor& u) { return u.defined() ? u.data_ptr<scalar_t>() : nullptr; };
    gate_kernel<scalar_t><<<static_cast<unsigned int>(N), kThreads, 0, stream>>>(
        sums.const_data_ptr<scalar_t>(), w.w1.const_data_ptr<scalar_t>(), w.b1.const_data_ptr<scalar_t>(),
        w.w2.const_data_ptr<scalar_t>(), w.b2.const_data_ptr<scalar_t>(), N, C, Cr,
        scalar_t(1) / static_cast<scalar_t>(hw), backward, ptr(t.pooled), ptr(t.hidden), ptr(t.scale),
        ptr(t.d_excite), ptr(t.d_squeeze), ptr(t.d_pixel));
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

at::Tensor scale_cuda(const at::Tensor& x, const at::Tensor& scale, const at::Tensor& add) {
  c10::cuda::CUDAGuard guard(x.device());
  at::Tensor out = at::empty_like(x);  // x is NCHW- or channels_last-contiguous; so is out
  const int64_t numel = x.numel();
  if (numel == 0) return out;
  const bool cl = !x.is_contiguous();
  const int64_t C = x.size(1), hw = x.size(2) * x.size(3);
  const unsigned int grid = cuda_launch::grid_for(numel);
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "channel_attention_scale_cuda", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    const acc_t* ap = add.defined() ? add.const_data_ptr<acc_t>() : nullptr;
    auto launch = [&](auto idx) {
      using index_t = decltype(idx);
      if (ap) {
        scale_kernel<scalar_t, index_t, true><<<grid, kThreads, 0, stream>>>(
            x.const_data_ptr<scalar_t>(), scale.const_data_ptr<acc_t>(), ap, out.data_ptr<scalar_t>(),
            static_cast<index_t>(C), static_cast<index_t>(hw), cl, numel);
      } else {
        scale_kernel<scalar_t, index_t, false><<<grid, kThreads, 0, stream>>>(
            x.const_data_ptr<scalar_t>(), scale.const_data_ptr<acc_t>(), ap, out.data_ptr<scalar_t>(),
            static_cast<index_t>(C), static_cast<index_t>(hw), cl, numel);
      }
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    };
    if (cuda_launch::fits_int32(x)) {
      launch(int32_t{});
    } else {
      launch(int64_t{});
    }
  });
  return out;
}

}  // namespace srgan_cpp::channel_attention_detail
