#pragma once
// Launch helpers shared by the attention ops' CUDA kernels: grid sizes for grid-stride
// loops, a 32-bit index test and a deterministic block-wide sum.
#include <ATen/core/Tensor.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/macros/Macros.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <limits>

namespace srgan_cpp::cuda_launch {

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over `numel` (> 0) elements on the current device: a few
// waves of full SMs, no more (more blocks only add scheduling overhead). The SM count is
// cached per device: querying it is cheap but not free, and it never changes.
inline unsigned int grid_for(int64_t numel) {
  static std::array<std::atomic<int>, C10_COMPILE_TIME_MAX_GPUS> sm_counts{};
  const c10::DeviceIndex device = c10::cuda::current_device();
  int sms = sm_counts[device].load(std::memory_order_relaxed);
  if (sms == 0) {
    C10_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    sm_counts[device].store(sms, std::memory_order_relaxed);  // racing writers store the same value
  }
  const int64_t needed = (numel + kThreads - 1) / kThreads;
  return static_cast<unsigned int>(std::max<int64_t>(1, std::min<int64_t>(needed, int64_t{sms} * 32)));
}

// 32-bit index math (much cheaper divisions) is safe when every element count and offset fits.
inline bool fits_int32(const at::Tensor& t) {
  return !t.defined() || t.numel() < std::numeric_limits<int32_t>::max();
}

__device__ __forceinline__ int64_t first_index() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int64_t grid_stride() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

// Sum of `v` over the (1-D, multiple-of-32, <= 1024 threads) block, valid in thread 0; a fixed
// reduction order (warp shuffles, then the warp sums), so results are deterministic.
// `shared` holds 32 values; the call ends with a barrier, so it can be reused at once.
template <typename T>
__device__ T block_sum(T v, T* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < static_cast<int>(blockDim.x >> 5) ? shared[lane] : T(0);
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  }
  __syncthreads();
  return v;
}

}  // namespace srgan_cpp::cuda_launch
