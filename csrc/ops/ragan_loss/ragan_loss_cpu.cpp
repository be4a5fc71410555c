// CPU kernels of the RaGAN loss: two passes over the logits each way.
//   forward:  (1) the two means, (2) the softplus terms (summed, or written for "none");
//   backward: (1) the sigmoids and their two weighted sums (the cross terms), the sigmoids
//             kept in the float32/float64 output buffers; (2) the element-wise gradients.
// Sums are taken per fixed chunk of kChunk elements and the chunk sums added in order, so
// results do not depend on the thread count. Chunks are spread over the threads with a
// grain of kMinTaskElems elements for the exp/log passes and kMinTaskElemsLight for the
// memory-bound ones: small logit tensors (a VGG-style discriminator's (N, 1)) run inline
// on the calling thread, with no parallel region and no allocation. Element loops are plain loops over the branch-free
// float math of ragan_loss_cpu_math.h, which GCC vectorises; sums go through
// common/cpu_reduce.h's block_sum (a plain reduction loop would stay scalar).
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>

#include <algorithm>
#include <type_traits>
#include <vector>

#include "common/cpu_isa.h"
#include "common/cpu_reduce.h"
#include "ops/ragan_loss/ragan_loss_cpu_math.h"
#include "ops/ragan_loss/ragan_loss_kernels.h"

namespace srgan_cpp::ragan_detail {
namespace {

// Only float32 gets an AVX2 copy of the element loops (compile time; see common/cpu_isa.h).
template <typename scalar_t>
constexpr bool kAvx2 = std::is_same_v<scalar_t, float>;

constexpr int64_t kChunk = 4096;
// Elements per thread below which a pass runs on the calling thread: the exp/log passes
// pay off from 32K elements; the memory-bound ones (the means, the element-wise pass on
// kept sigmoids) only from 1M - below that a parallel region mostly adds a barrier that
// stalls when another process holds a core.
constexpr int64_t kMinTaskElems = 32768;
constexpr int64_t kMinTaskElemsLight = 1 << 20;

using cpu_reduce::block_sum;
using cpu_math::sigmoid;
using cpu_math::softplus;

// Sum over chunks of body(begin, end, double* acc) - `width` accumulators per chunk, added
// in chunk order.
template <bool kAvx2, int width, typename F>
void chunked_sum(int64_t K, double out[width], const F& body, int64_t min_task_elems = kMinTaskElems) {
  const int64_t chunks = (K + kChunk - 1) / kChunk;
  for (int k = 0; k < width; ++k) out[k] = 0.0;
  if (chunks == 1) {  // tiny inputs: no partials vector, no parallel region
    call_best_isa<kAvx2>([&]() SRGAN_CPP_INLINE_LAMBDA { body(0, K, out); });
    return;
  }
  std::vector<double> part(static_cast<size_t>(chunks * width), 0.0);
  at::parallel_for(0, chunks, min_task_elems / kChunk, [&](int64_t b, int64_t e) {
    call_best_isa<kAvx2>([&]() SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t ch = b; ch < e; ++ch)
        body(ch * kChunk, std::min(K, (ch + 1) * kChunk), part.data() + ch * width);
    });
  });
  for (int64_t ch = 0; ch < chunks; ++ch)
    for (int k = 0; k < width; ++k) out[k] += part[ch * width + k];
}

template <typename scalar_t>
void forward_kernel(const at::Tensor& real, const at::Tensor& fake, Signs s, LossReduction red, at::Tensor& loss,
                    double means[2]) {
  using acc_t = at::opmath_type<scalar_t>;
  const scalar_t* r = real.const_data_ptr<scalar_t>();
  const scalar_t* f = fake.const_data_ptr<scalar_t>();
  const int64_t K = real.numel();
  double sums[2];
  chunked_sum<kAvx2<scalar_t>, 2>(K, sums, [&](int64_t b, int64_t e, double* acc) SRGAN_CPP_INLINE_LAMBDA {
    acc[0] = block_sum<acc_t>(b, e, [&](int64_t st, int64_t n, acc_t* __restrict buf) SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t j = 0; j < n; ++j) buf[j] = static_cast<acc_t>(r[st + j]);
    });
    acc[1] = block_sum<acc_t>(b, e, [&](int64_t st, int64_t n, acc_t* __restrict buf) SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t j = 0; j < n; ++j) buf[j] = static_cast<acc_t>(f[st + j]);
    });
  }, kMinTaskElemsLight);
  means[0] = sums[0] / static_cast<double>(K);
  means[1] = sums[1] / static_cast<double>(K);
  const acc_t mr = static_cast<acc_t>(means[0]), mf = static_cast<acc_t>(means[1]);
  const acc_t sa = static_cast<acc_t>(s.sa), sb = static_cast<acc_t>(s.sb);
  scalar_t* out = red == LossReduction::None ? loss.data_ptr<scalar_t>() : nullptr;
  double total[1];
  chunked_sum<kAvx2<scalar_t>, 1>(K, total, [&](int64_t b, int64_t e, double* acc) SRGAN_CPP_INLINE_LAMBDA {
    if (out) {
      for (int64_t i = b; i < e; ++i) {
        const acc_t a = sa * (static_cast<acc_t>(r[i]) - mf), bb = sb * (static_cast<acc_t>(f[i]) - mr);
        out[i] = static_cast<scalar_t>(acc_t(0.5) * (softplus(a) + softplus(bb)));
      }
      acc[0] = 0;  // "none" needs no total
    } else {
      acc[0] = acc_t(0.5) * block_sum<acc_t>(b, e, [&](int64_t st, int64_t n, acc_t* __restrict buf) SRGAN_CPP_INLINE_LAMBDA {
        for (int64_t j = 0; j < n; ++j) {
          const acc_t a = sa * (static_cast<acc_t>(r[st + j]) - mf), bb = sb * (static_cast<acc_t>(f[st + j]) - mr);
          buf[j] = softplus(a) + softplus(bb);
        }
      });
    }
  });
  if (red == LossReduction::Mean) *loss.data_ptr<scalar_t>() = static_cast<scalar_t>(total[0] / static_cast<double>(K));
  if (red == LossReduction::Sum) *loss.data_ptr<scalar_t>() = static_cast<scalar_t>(total[0]);
}

// Pass 1 of the backward over [b, e): returns sum w_i sigmoid(s (x_i - m)) and, when `keep`
// is not null, stores each sigmoid there (pass 2 then needs no exp). kPerElem: w_i = g_i,
// else w_i = 1 (the scalar weight is applied to the sum).
template <bool kPerElem, typename scalar_t, typename acc_t>
SRGAN_CPP_ALWAYS_INLINE acc_t sigmoid_pass(const scalar_t* x, const scalar_t* g, acc_t s, acc_t m, acc_t* keep, int64_t b, int64_t e) {
  return block_sum<acc_t>(b, e, [&](int64_t st, int64_t n, acc_t* __restrict buf) SRGAN_CPP_INLINE_LAMBDA {
    for (int64_t j = 0; j < n; ++j) buf[j] = sigmoid(s * (static_cast<acc_t>(x[st + j]) - m));
    if (keep) std::copy(buf, buf + n, keep + st);
    if constexpr (kPerElem)
      for (int64_t j = 0; j < n; ++j) buf[j] *= static_cast<acc_t>(g[st + j]);
  });
}

template <typename scalar_t>
void backward_kernel(const at::Tensor& grad, const at::Tensor& real, const at::Tensor& fake, const double means[2],
                     Signs s, LossReduction red, at::Tensor& gr, at::Tensor& gf) {
  using acc_t = at::opmath_type<scalar_t>;
  const scalar_t* r = real.const_data_ptr<scalar_t>();
  const scalar_t* f = fake.const_data_ptr<scalar_t>();
  const int64_t K = real.numel();
  const scalar_t* g = grad.const_data_ptr<scalar_t>();
  const bool per_elem = red == LossReduction::None;
  const acc_t wscalar = per_elem ? acc_t(0)
                                 : static_cast<acc_t>(red == LossReduction::Mean ? static_cast<double>(g[0]) / K
                                                                                 : static_cast<double>(g[0]));
  const acc_t mr = static_cast<acc_t>(means[0]), mf = static_cast<acc_t>(means[1]);
  const acc_t sa = static_cast<acc_t>(s.sa), sb = static_cast<acc_t>(s.sb);
  scalar_t* pr = gr.defined() ? gr.data_ptr<scalar_t>() : nullptr;
  scalar_t* pf = gf.defined() ? gf.data_ptr<scalar_t>() : nullptr;
  // The sigmoids are kept in the output buffers when those hold acc_t (float32/float64);
  // reduced-precision outputs recompute them in pass 2 instead of rounding them.
  constexpr bool kKeep = std::is_same_v<scalar_t, acc_t>;
  acc_t* keep_r = nullptr;
  acc_t* keep_f = nullptr;
  if constexpr (kKeep) {
    keep_r = pr;
    keep_f = pf;
  }
  double sums[2];  // sum w sig(a), sum w sig(b)
  chunked_sum<kAvx2<scalar_t>, 2>(K, sums, [&](int64_t b, int64_t e, double* acc) SRGAN_CPP_INLINE_LAMBDA {
    if (per_elem) {
      acc[0] = sigmoid_pass<true>(r, g, sa, mf, keep_r, b, e);
      acc[1] = sigmoid_pass<true>(f, g, sb, mr, keep_f, b, e);
    } else {
      acc[0] = wscalar * sigmoid_pass<false>(r, g, sa, mf, keep_r, b, e);
      acc[1] = wscalar * sigmoid_pass<false>(f, g, sb, mr, keep_f, b, e);
    }
  });
  const acc_t cross_r = static_cast<acc_t>(-s.sb * sums[1] / static_cast<double>(K));
  const acc_t cross_f = static_cast<acc_t>(-s.sa * sums[0] / static_cast<double>(K));
  // out[i] = 0.5 * (s * w_i * sigmoid(s * (x_i - m)) + cross), one branch-free loop per
  // output and weighting.
  auto grad_loop = [&](scalar_t* out, const scalar_t* x, acc_t s, acc_t m, acc_t cross, int64_t b, int64_t e)
                       SRGAN_CPP_INLINE_LAMBDA {
    const acc_t sw = s * wscalar;
    if constexpr (kKeep) {
      if (per_elem) {
        for (int64_t i = b; i < e; ++i) out[i] = acc_t(0.5) * (s * static_cast<acc_t>(g[i]) * out[i] + cross);
      } else {
        for (int64_t i = b; i < e; ++i) out[i] = acc_t(0.5) * (sw * out[i] + cross);
      }
    } else if (per_elem) {
      for (int64_t i = b; i < e; ++i)
        out[i] = static_cast<scalar_t>(acc_t(0.5) * (s * static_cast<acc_t>(g[i]) * sigmoid(s * (static_cast<acc_t>(x[i]) - m)) + cross));
    } else {
      for (int64_t i = b; i < e; ++i)
        out[i] = static_cast<scalar_t>(acc_t(0.5) * (sw * sigmoid(s * (static_cast<acc_t>(x[i]) - m)) + cross));
    }
  };
  at::parallel_for(0, K, kKeep ? kMinTaskElemsLight : kMinTaskElems, [&](int64_t b, int64_t e) {
    call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      if (pr) grad_loop(pr, r, sa, mf, cross_r, b, e);
      if (pf) grad_loop(pf, f, sb, mr, cross_f, b, e);
    });
  });
}

}  // namespace

std::tuple<at::Tensor, at::Tensor> forward_cpu(const at::Tensor& real, const at::Tensor& fake, Signs s,
                                               LossReduction red) {
  const at::Tensor r = real.contiguous(), f = fake.contiguous();
  at::Tensor loss = red == LossReduction::None ? at::empty(real.sizes(), real.options()) : at::empty({}, real.options());
  at::Tensor stats = at::empty({2}, real.options().dtype(at::kDouble));
  double means[2];
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, real.scalar_type(), "srgan_cpp_ragan_cpu",
                                  [&] { forward_kernel<scalar_t>(r, f, s, red, loss, means); });
  stats.data_ptr<double>()[0] = means[0];
  stats.data_ptr<double>()[1] = means[1];
  return {loss, stats};
}

std::tuple<at::Tensor, at::Tensor> backward_cpu(const at::Tensor& grad, const at::Tensor& real,
                                                const at::Tensor& fake, const at::Tensor& stats, Signs s,
                                                LossReduction red, bool need_real, bool need_fake) {
  const at::Tensor r = real.contiguous(), f = fake.contiguous(), g = grad.contiguous();
  const at::Tensor st = stats.contiguous();
  const double means[2] = {st.const_data_ptr<double>()[0], st.const_data_ptr<double>()[1]};
  at::Tensor gr = need_real ? at::empty(real.sizes(), real.options()) : at::Tensor();
  at::Tensor gf = need_fake ? at::empty(fake.sizes(), fake.options()) : at::Tensor();
  if (need_real || need_fake) {
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, real.scalar_type(), "srgan_cpp_ragan_bwd_cpu",
                                    [&] { backward_kernel<scalar_t>(g, r, f, means, s, red, gr, gf); });
  }
  if (!need_real) gr = at::empty({0}, real.options());
  if (!need_fake) gf = at::empty({0}, fake.options());
  return {gr, gf};
}

}  // namespace srgan_cpp::ragan_detail
