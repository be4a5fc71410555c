// CUDA kernels of the RaGAN loss: one fused kernel per direction. Discriminator logits are
// small (a batch of scalars, or a patch map of a few hundred thousand values), so one
// 1024-thread block does both passes of each direction - reduce, then the element-wise
// terms - with no second launch, no atomics and a fixed reduction order (deterministic).
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "ops/ragan_loss/ragan_loss_kernels.h"

namespace srgan_cpp::ragan_detail {
namespace {

constexpr int kThreads = 1024;

// Block-wide sum of two doubles; every thread gets the result.
__device__ void block_sum2(double& x, double& y) {
  __shared__ double sx[kThreads], sy[kThreads];
  sx[threadIdx.x] = x;
  sy[threadIdx.x] = y;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      sx[threadIdx.x] += sx[threadIdx.x + s];
      sy[threadIdx.x] += sy[threadIdx.x + s];
    }
    __syncthreads();
  }
  x = sx[0];
  y = sy[0];
  __syncthreads();  // the shared buffers are reused by the next call
}

template <typename scalar_t>
__global__ void __launch_bounds__(kThreads)
    forward_kernel(const scalar_t* __restrict__ r, const scalar_t* __restrict__ f, int64_t K, int sa_i, int sb_i,
                   int reduction, scalar_t* __restrict__ loss, double* __restrict__ stats) {
  using acc_t = at::opmath_type<scalar_t>;
  double sr = 0, sf = 0;
  for (int64_t i = threadIdx.x; i < K; i += kThreads) {
    sr += static_cast<double>(r[i]);
    sf += static_cast<double>(f[i]);
  }
  block_sum2(sr, sf);
  const double mean_r = sr / static_cast<double>(K), mean_f = sf / static_cast<double>(K);
  const acc_t mr = static_cast<acc_t>(mean_r), mf = static_cast<acc_t>(mean_f);
  const acc_t sa = static_cast<acc_t>(sa_i), sb = static_cast<acc_t>(sb_i);
  const bool per_elem = reduction == static_cast<int>(LossReduction::None);
  double total = 0, unused = 0;
  for (int64_t i = threadIdx.x; i < K; i += kThreads) {
    const acc_t a = sa * (static_cast<acc_t>(r[i]) - mf), b = sb * (static_cast<acc_t>(f[i]) - mr);
    const acc_t l = acc_t(0.5) * (softplus(a) + softplus(b));
    if (per_elem) loss[i] = static_cast<scalar_t>(l);
    total += static_cast<double>(l);
  }
  block_sum2(total, unused);
  if (threadIdx.x == 0) {
    stats[0] = mean_r;
    stats[1] = mean_f;
    if (!per_elem)
      loss[0] = static_cast<scalar_t>(reduction == static_cast<int>(LossReduction::Mean) ? total / static_cast<double>(K)
                                                                                         : total);
  }
}

template <typename scalar_t>
__global__ void __launch_bounds__(kThreads)
    backward_kernel(const scalar_t* __restrict__ g, const scalar_t* __restrict__ r, const scalar_t* __restrict__ f,
                    const double* __restrict__ stats, int64_t K, int sa_i, int sb_i, int reduction,
                    scalar_t* __restrict__ gr, scalar_t* __restrict__ gf) {
  using acc_t = at::opmath_type<scalar_t>;
  const bool per_elem = reduction == static_cast<int>(LossReduction::None);
  const acc_t wscalar =
      per_elem ? acc_t(0)
               : static_cast<acc_t>(reduction == static_cast<int>(LossReduction::Mean)
                                        ? static_cast<double>(g[0]) / static_cast<double>(K)
                                        : static_cast<double>(g[0]));
  const acc_t mr = static_cast<acc_t>(stats[0]), mf = static_cast<acc_t>(stats[1]);
  const acc_t sa = static_cast<acc_t>(sa_i), sb = static_cast<acc_t>(sb_i);
  double xa = 0, xb = 0;
  for (int64_t i = threadIdx.x; i < K; i += kThreads) {
    const acc_t w = per_elem ? static_cast<acc_t>(g[i]) : wscalar;
    xa += static_cast<double>(w * sigmoid(sa * (static_cast<acc_t>(r[i]) - mf)));
    xb += static_cast<double>(w * sigmoid(sb * (static_cast<acc_t>(f[i]) - mr)));
  }
  block_sum2(xa, xb);
  const acc_t cross_r = static_cast<acc_t>(-sb_i * xb / static_cast<double>(K));
  const acc_t cross_f = static_cast<acc_t>(-sa_i * xa / static_cast<double>(K));
  for (int64_t i = threadIdx.x; i < K; i += kThreads) {
    const acc_t w = per_elem ? static_cast<acc_t>(g[i]) : wscalar;
    if (gr != nullptr)
      gr[i] = static_cast<scalar_t>(acc_t(0.5) * (sa * w * sigmoid(sa * (static_cast<acc_t>(r[i]) - mf)) + cross_r));
    if (gf != nullptr)
      gf[i] = static_cast<scalar_t>(acc_t(0.5) * (sb * w * sigmoid(sb * (static_cast<acc_t>(f[i]) - mr)) + cross_f));
  }
}

}  // namespace

std::tuple<at::Tensor, at::Tensor> forward_cuda(const at::Tensor& real, const at::Tensor& fake, Signs s,
                                                LossReduction red) {
  c10::cuda::CUDAGuard guard(real.device());
  const at::Tensor r = real.contiguous(), f = fake.contiguous();
  at::Tensor loss = red == LossReduction::None ? at::empty(real.sizes(), real.options()) : at::empty({}, real.options());
  at::Tensor stats = at::empty({2}, real.options().dtype(at::kDouble));
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, real.scalar_type(), "srgan_cpp_ragan_cuda", [&] {
    forward_kernel<scalar_t><<<1, kThreads, 0, stream>>>(r.const_data_ptr<scalar_t>(), f.const_data_ptr<scalar_t>(),
                                                         r.numel(), s.sa, s.sb, static_cast<int>(red),
                                                         loss.data_ptr<scalar_t>(), stats.data_ptr<double>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
  return {loss, stats};
}

std::tuple<at::Tensor, at::Tensor> backward_cuda(const at::Tensor& grad, const at::Tensor& real,
                                                 const at::Tensor& fake, const at::Tensor& stats, Signs s,
                                                 LossReduction red, bool need_real, bool need_fake) {
  c10::cuda::CUDAGuard guard(real.device());
  const at::Tensor r = real.contiguous(), f = fake.contiguous(), g = grad.contiguous(), st = stats.contiguous();
  at::Tensor gr = at::empty(need_real ? real.sizes() : at::IntArrayRef{0}, real.options());
  at::Tensor gf = at::empty(need_fake ? fake.sizes() : at::IntArrayRef{0}, fake.options());
  if (need_real || need_fake) {
    const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, real.scalar_type(), "srgan_cpp_ragan_bwd_cuda", [&] {
      backward_kernel<scalar_t><<<1, kThreads, 0, stream>>>(
          g.const_data_ptr<scalar_t>(), r.const_data_ptr<scalar_t>(), f.const_data_ptr<scalar_t>(),
          st.const_data_ptr<double>(), r.numel(), s.sa, s.sb, static_cast<int>(red),
          need_real ? gr.data_ptr<scalar_t>() : nullptr, need_fake ? gf.data_ptr<scalar_t>() : nullptr);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  }
  return {gr, gf};
}

}  // namespace srgan_cpp::ragan_detail
