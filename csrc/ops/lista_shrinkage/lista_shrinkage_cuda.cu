// CUDA kernels of the LISTA shrinkage op.
//   forward:  one grid-stride element-wise kernel (add, threshold, write);
//   backward: one kernel writes grad_input and, per (channel, slice) block, a partial sum
//             of the threshold gradient (block reduction in shared memory, fixed order);
//             a second kernel adds each channel's partials in order. No atomics, so the
//             result is the same on every run.
// The channel of element i is (i / HW) % C for NCHW and i % C for channels_last tensors.
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>

#include "common/tensor_checks.h"
#include "ops/lista_shrinkage/lista_shrinkage_kernels.h"

namespace srgan_cpp::lista_detail {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kMaxSlices = 64;       // threshold-gradient partials per channel
constexpr int64_t kElemsPerSlice = 8192;  // below this, fewer slices

__host__ __device__ inline int64_t channel_of(int64_t i, int64_t c, int64_t hw, bool cl) {
  return cl ? i % c : (i / hw) % c;
}

template <typename scalar_t, typename acc_t>
__global__ void forward_kernel(const scalar_t* __restrict__ x, const scalar_t* __restrict__ r,
                               const acc_t* __restrict__ theta, scalar_t* __restrict__ y, int64_t numel, int64_t c,
                               int64_t hw, bool cl) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < numel;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const acc_t a = r != nullptr ? rounded_sum<scalar_t, acc_t>(x[i], r[i]) : static_cast<acc_t>(x[i]);
    y[i] = static_cast<scalar_t>(shrink(a, theta[channel_of(i, c, hw, cl)]));
  }
}

// Element j in [0, N * HW) of channel ch -> its linear index.
__device__ inline int64_t index_of(int64_t j, int64_t ch, int64_t c, int64_t hw, bool cl) {
  return cl ? j * c + ch : ((j / hw) * c + ch) * hw + j % hw;
}

// Block (ch, s) handles channel ch's elements j = s*span .. (s+1)*span - 1.
template <typename scalar_t, typename acc_t>
__global__ void __launch_bounds__(kThreads)
    backward_kernel(const scalar_t* __restrict__ g, const scalar_t* __restrict__ y, scalar_t* __restrict__ gi,
                    acc_t* __restrict__ partial, int64_t per_channel, int64_t span, int64_t c, int64_t hw, bool cl) {
  const int64_t ch = blockIdx.x, s = blockIdx.y;
  const int64_t begin = s * span, end = min(per_channel, begin + span);
  acc_t sum = 0;
  for (int64_t j = begin + threadIdx.x; j < end; j += kThreads) {
    const int64_t i = index_of(j, ch, c, hw, cl);
    const acc_t gv = static_cast<acc_t>(g[i]), yv = static_cast<acc_t>(y[i]);
    gi[i] = yv != acc_t(0) ? g[i] : scalar_t(0);
    if (partial != nullptr) sum += threshold_term(gv, yv);
  }
  if (partial == nullptr) return;
  __shared__ acc_t buf[kThreads];
  buf[threadIdx.x] = sum;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) buf[threadIdx.x] += buf[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[ch * gridDim.y + s] = buf[0];
}

template <typename acc_t>
__global__ void sum_partials_kernel(const acc_t* __restrict__ partial, acc_t* __restrict__ out, int64_t c,
                                    int64_t slices) {
  const int64_t ch = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (ch >= c) return;
  acc_t total = 0;
  for (int64_t s = 0; s < slices; ++s) total += partial[ch * slices + s];
  out[ch] = total;
}

}  // namespace

void forward_cuda(const at::Tensor& x, const at::Tensor& r, const at::Tensor& theta, at::Tensor& y) {
  if (x.numel() == 0) return;
  c10::cuda::CUDAGuard guard(x.device());
  const int64_t numel = x.numel(), c = x.size(1), hw = x.size(2) * x.size(3);
  const bool cl = is_channels_last_input(x);
  const int64_t blocks = std::min<int64_t>((numel + kThreads - 1) / kThreads, 65535 * 8);
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "srgan_cpp_lista_shrinkage_cuda", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    forward_kernel<scalar_t, acc_t><<<blocks, kThreads, 0, stream>>>(
        x.const_data_ptr<scalar_t>(), r.defined() ? r.const_data_ptr<scalar_t>() : nullptr,
        theta.const_data_ptr<acc_t>(), y.data_ptr<scalar_t>(), numel, c, hw, cl);
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

std::tuple<at::Tensor, at::Tensor> backward_cuda(const at::Tensor& g, const at::Tensor& y, bool need_threshold) {
  c10::cuda::CUDAGuard guard(y.device());
  const int64_t n = y.size(0), c = y.size(1), hw = y.size(2) * y.size(3);
  const bool cl = is_channels_last_input(y);
  const auto fmt = cl ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  at::Tensor gi = at::empty(y.sizes(), y.options().memory_format(fmt));
  at::Tensor gt;
  const int64_t per_channel = n * hw;
  const int64_t slices = std::max<int64_t>(1, std::min(kMaxSlices, per_channel / kElemsPerSlice));
  const int64_t span = (per_channel + slices - 1) / slices;
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, y.scalar_type(), "srgan_cpp_lista_shrinkage_bwd_cuda", [&] {
    using acc_t = at::opmath_type<scalar_t>;
    const auto acc_opts = y.options().dtype(c10::CppTypeToScalarType<acc_t>::value);
    gt = at::empty({need_threshold ? c : 0}, acc_opts);
    at::Tensor partial = at::empty({need_threshold ? c * slices : 0}, acc_opts);
    if (y.numel() > 0) {
      const dim3 grid(static_cast<unsigned>(c), static_cast<unsigned>(slices));
      backward_kernel<scalar_t, acc_t><<<grid, kThreads, 0, stream>>>(
          g.const_data_ptr<scalar_t>(), y.const_data_ptr<scalar_t>(), gi.data_ptr<scalar_t>(),
          need_threshold ? partial.data_ptr<acc_t>() : nullptr, per_channel, span, c, hw, cl);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    }
    if (need_threshold && c > 0) {
      if (y.numel() == 0) {
        gt.zero_();
      } else {
        sum_partials_kernel<acc_t><<<static_cast<unsigned>((c + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
            partial.const_data_ptr<acc_t>(), gt.data_ptr<acc_t>(), c, slices);
        C10_CUDA_KERNEL_LAUNCH_CHECK();
      }
    }
  });
  return {gi, gt};
}

}  // namespace srgan_cpp::lista_detail
