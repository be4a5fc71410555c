// CPU kernels of the RaGAN loss: two passes over the logits each way (means, then the
// terms; or the two weighted sigmoid sums, then the gradients). Sums are taken per fixed
// chunk of 2048 elements and the chunk sums added in order, so results do not depend on
// the thread count. Element loops use the vectorisable float math of
// ragan_loss_cpu_math.h and kLanes independent accumulators, so they vectorise without
// -ffast-math.
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>

#include <vector>

#include "ops/ragan_loss/ragan_loss_cpu_math.h"
#include "ops/ragan_loss/ragan_loss_kernels.h"

namespace srgan_cpp::ragan_detail {
namespace {

constexpr int64_t kChunk = 2048;
constexpr int kLanes = 8;

using cpu_math::sigmoid;
using cpu_math::softplus;

// Sum of f(i) for i in [b, e), with kLanes independent partial sums.
template <typename acc_t, typename F>
acc_t lane_sum(int64_t b, int64_t e, const F& f) {
  acc_t lane[kLanes] = {};
  int64_t i = b;
  for (; i + kLanes <= e; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lane[l] += f(i + l);
  for (; i < e; ++i) lane[0] += f(i);
  acc_t s = 0;
  for (int l = 0; l < kLanes; ++l) s += lane[l];
  return s;
}

// sum over chunks of body(begin, end, double* acc) - `width` accumulators per chunk.
template <int width, typename F>
void chunked_sum(int64_t K, double out[width], const F& body) {
  const int64_t chunks = (K + kChunk - 1) / kChunk;
  std::vector<double> part(static_cast<size_t>(chunks * width), 0.0);
  at::parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t ch = b; ch < e; ++ch)
      body(ch * kChunk, std::min(K, (ch + 1) * kChunk), part.data() + ch * width);
  });
  for (int k = 0; k < width; ++k) out[k] = 0.0;
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
  chunked_sum<2>(K, sums, [&](int64_t b, int64_t e, double* acc) {
    acc[0] = lane_sum<acc_t>(b, e, [&](int64_t i) { return static_cast<acc_t>(r[i]); });
    acc[1] = lane_sum<acc_t>(b, e, [&](int64_t i) { return static_cast<acc_t>(f[i]); });
  });
  means[0] = sums[0] / static_cast<double>(K);
  means[1] = sums[1] / static_cast<double>(K);
  const acc_t mr = static_cast<acc_t>(means[0]), mf = static_cast<acc_t>(means[1]);
  const acc_t sa = static_cast<acc_t>(s.sa), sb = static_cast<acc_t>(s.sb);
  scalar_t* out = red == LossReduction::None ? loss.data_ptr<scalar_t>() : nullptr;
  double total[1];
  auto term = [&](int64_t i) {
    const acc_t a = sa * (static_cast<acc_t>(r[i]) - mf), bb = sb * (static_cast<acc_t>(f[i]) - mr);
    return acc_t(0.5) * (softplus(a) + softplus(bb));
  };
  chunked_sum<1>(K, total, [&](int64_t b, int64_t e, double* acc) {
    if (out) {
      for (int64_t i = b; i < e; ++i) out[i] = static_cast<scalar_t>(term(i));
      acc[0] = 0;  // "none" needs no total
    } else {
      acc[0] = lane_sum<acc_t>(b, e, term);
    }
  });
  if (red == LossReduction::Mean) *loss.data_ptr<scalar_t>() = static_cast<scalar_t>(total[0] / static_cast<double>(K));
  if (red == LossReduction::Sum) *loss.data_ptr<scalar_t>() = static_cast<scalar_t>(total[0]);
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
  double sums[2];  // sum w sig(a), sum w sig(b)
  chunked_sum<2>(K, sums, [&](int64_t b, int64_t e, double* acc) {
    if (per_elem) {
      acc[0] = lane_sum<acc_t>(b, e, [&](int64_t i) { return static_cast<acc_t>(g[i]) * sigmoid(sa * (static_cast<acc_t>(r[i]) - mf)); });
      acc[1] = lane_sum<acc_t>(b, e, [&](int64_t i) { return static_cast<acc_t>(g[i]) * sigmoid(sb * (static_cast<acc_t>(f[i]) - mr)); });
    } else {
      acc[0] = wscalar * lane_sum<acc_t>(b, e, [&](int64_t i) { return sigmoid(sa * (static_cast<acc_t>(r[i]) - mf)); });
      acc[1] = wscalar * lane_sum<acc_t>(b, e, [&](int64_t i) { return sigmoid(sb * (static_cast<acc_t>(f[i]) - mr)); });
    }
  });
  const acc_t cross_r = static_cast<acc_t>(-s.sb * sums[1] / static_cast<double>(K));
  const acc_t cross_f = static_cast<acc_t>(-s.sa * sums[0] / static_cast<double>(K));
  scalar_t* pr = gr.defined() ? gr.data_ptr<scalar_t>() : nullptr;
  scalar_t* pf = gf.defined() ? gf.data_ptr<scalar_t>() : nullptr;
  // out[i] = 0.5 * (s * w_i * sigmoid(s * (x_i - m)) + cross), one branch-free loop per
  // output and weighting so each vectorises (a conditional load of g[i] would not).
  auto grad_loop = [&](scalar_t* out, const scalar_t* x, acc_t s, acc_t m, acc_t cross, int64_t b, int64_t e) {
    if (per_elem) {
      for (int64_t i = b; i < e; ++i)
        out[i] = static_cast<scalar_t>(acc_t(0.5) * (s * static_cast<acc_t>(g[i]) * sigmoid(s * (static_cast<acc_t>(x[i]) - m)) + cross));
    } else {
      const acc_t sw = s * wscalar;
      for (int64_t i = b; i < e; ++i)
        out[i] = static_cast<scalar_t>(acc_t(0.5) * (sw * sigmoid(s * (static_cast<acc_t>(x[i]) - m)) + cross));
    }
  };
  at::parallel_for(0, K, kChunk, [&](int64_t b, int64_t e) {
    if (pr) grad_loop(pr, r, sa, mf, cross_r, b, e);
    if (pf) grad_loop(pf, f, sb, mr, cross_f, b, e);
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
