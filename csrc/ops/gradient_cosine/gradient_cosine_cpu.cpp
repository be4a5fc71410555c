// CPU kernels of the gradient cosine loss.
//
// Both images are brought to one row geometry (gradient_cosine_cpu_rows.h): NCHW planes,
// or whole channels_last images whose rows interleave the channels - contiguous inputs of
// either layout are used in place, anything else (strided views, mixed layouts) is copied.
// Forward: one task per image row computes the gradients of sr and hr on the fly from the
// three neighbouring rows (no gradient map is stored) and writes the row's three partial
// sums; the per-sample sums are then added row by row in a fixed order, so the result does
// not depend on the thread count.
// Backward: one task per block of rows of a plane keeps a 3-row ring of the per-element
// adjoint U (the loss gradient w.r.t. each element's gx, gy) and applies the transposed,
// border-folded stencil to it; U rows are computed once per block (plus two halo rows),
// the images are read once. Every output element is written by one task with the same
// arithmetic whatever the thread count.
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "common/cpu_isa.h"
#include "common/tensor_checks.h"
#include "ops/gradient_cosine/gradient_cosine_cpu_rows.h"
#include "ops/gradient_cosine/gradient_cosine_math.h"

namespace srgan_cpp::gradient_cosine_detail {
namespace {

using cpu_rows::RowReader;
using cpu_rows::Rows;
using cpu_rows::RowTaps;

// Only float32 (the training dtype) gets an AVX2 copy of the row loops: every copy is
// instantiated per operator, mode and gradient variant, and compile time adds up.
template <typename scalar_t>
constexpr bool kAvx2 = std::is_same_v<scalar_t, float>;

constexpr int64_t kRowsPerTask = 32;    // backward block height (2 halo rows of U per block)
constexpr int64_t kMinTaskElems = 16384;  // below this per task, waking a thread costs more than it saves

// Row geometry shared by both images: N samples of P planes of H rows of L elements,
// horizontal neighbours d apart; the tensors are contiguous in `format`.
struct Geometry {
  at::MemoryFormat format;
  int64_t N, P, H, L, d;
  int64_t plane() const { return H * L; }
};

Geometry geometry_of(const at::Tensor& sr) {
  const int64_t N = sr.size(0), C = sr.size(1), H = sr.size(2), W = sr.size(3);
  // channels_last: a row is W pixels of C interleaved channels. (C == 1 is both layouts.)
  if (C > 1 && is_channels_last_input(sr)) return {at::MemoryFormat::ChannelsLast, N, 1, H, W * C, C};
  return {at::MemoryFormat::Contiguous, N, C, H, W, 1};
}

template <typename scalar_t, GradOp O, GradMode M>
void forward_rows(const at::Tensor& sr, const at::Tensor& hr, const Geometry& g, std::vector<double>& part) {
  using acc_t = at::opmath_type<scalar_t>;
  const scalar_t* S = sr.const_data_ptr<scalar_t>();
  const scalar_t* Hp = hr.const_data_ptr<scalar_t>();
  const int64_t H = g.H, L = g.L, d = g.d;
  const int64_t rows = g.N * g.P * H;
  at::parallel_for(0, rows, std::max<int64_t>(1, kMinTaskElems / L), [&](int64_t begin, int64_t end) {
    RowReader<scalar_t, acc_t> read(L, 6);
    call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t i = row % H, plane = row / H;  // planes are consecutive in memory
        const scalar_t* s = S + plane * g.plane();
        const scalar_t* h = Hp + plane * g.plane();
        const int64_t im = std::max<int64_t>(i - 1, 0), ip = std::min<int64_t>(i + 1, H - 1);
        const Rows<acc_t> rs{read.get(s + im * L, 0), read.get(s + i * L, 1), read.get(s + ip * L, 2)};
        const Rows<acc_t> rh{read.get(h + im * L, 3), read.get(h + i * L, 4), read.get(h + ip * L, 5)};
        cpu_rows::row_sums<O, M>(rs, rh, L, d, part.data() + row * 3);
      }
    });
  });
}

// Per-sample incoming gradient g_n (the reduction's scale folded in), as double.
std::vector<double> sample_grads(const at::Tensor& grad, int64_t n, LossReduction red) {
  const at::Tensor g = grad.to(at::kDouble).contiguous();
  const double* gp = g.const_data_ptr<double>();
  std::vector<double> out(n);
  for (int64_t k = 0; k < n; ++k) {
    if (red == LossReduction::None) out[k] = gp[k];
    else out[k] = red == LossReduction::Mean ? gp[0] / static_cast<double>(n) : gp[0];
  }
  return out;
}

template <typename scalar_t, GradOp O, GradMode M, bool kS, bool kH>
void backward_planes(const at::Tensor& sr, const at::Tensor& hr, const Geometry& geo,
                     const std::vector<SampleCoef>& coef, const std::vector<double>& g, const TransposedTaps& taps,
                     at::Tensor& gsr, at::Tensor& ghr) {
  using acc_t = at::opmath_type<scalar_t>;
  const scalar_t* S = sr.const_data_ptr<scalar_t>();
  const scalar_t* Hp = hr.const_data_ptr<scalar_t>();
  scalar_t* GS = kS ? gsr.data_ptr<scalar_t>() : nullptr;
  scalar_t* GH = kH ? ghr.data_ptr<scalar_t>() : nullptr;
  const int64_t P = geo.P, H = geo.H, L = geo.L, d = geo.d;
  const int64_t blocks = (H + kRowsPerTask - 1) / kRowsPerTask;
  RowTaps<acc_t> row_taps[3];  // per row class
  for (int ch = 0; ch < 3; ++ch)
    for (int cw = 0; cw < 3; ++cw)
      for (int di = 0; di < 3; ++di)
        for (int dj = 0; dj < 3; ++dj) {
          row_taps[ch].x[cw][di][dj] = static_cast<acc_t>(taps.x[ch][cw][di][dj]);
          row_taps[ch].y[cw][di][dj] = static_cast<acc_t>(taps.y[ch][cw][di][dj]);
        }
  const int64_t stride_row = L + 2 * d;  // d zero elements each side

  const int64_t grain = std::max<int64_t>(1, kMinTaskElems / (std::min(H, kRowsPerTask) * L));
  at::parallel_for(0, geo.N * P * blocks, grain, [&](int64_t begin, int64_t end) {
    // ring[slot][image 0 sr / 1 hr][component x / y], rows of L + 2d; the pads stay zero.
    std::vector<acc_t> ring(static_cast<size_t>(3 * 4 * stride_row), acc_t(0));
    auto row_ptr = [&](int slot, int img, int comp) SRGAN_CPP_INLINE_LAMBDA { return ring.data() + ((slot * 2 + img) * 2 + comp) * stride_row + d; };
    RowReader<scalar_t, acc_t> read(L, 6);
    call_best_isa<kAvx2<scalar_t>>([&]() SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t task = begin; task < end; ++task) {
        const int64_t blk = task % blocks, plane = task / blocks, n = plane / P;
        const scalar_t* s = S + plane * geo.plane();
        const scalar_t* h = Hp + plane * geo.plane();
        const acc_t ka = static_cast<acc_t>(-g[n] * coef[n].alpha);
        const acc_t kbs = static_cast<acc_t>(-g[n] * coef[n].beta);
        const acc_t kbh = static_cast<acc_t>(-g[n] * coef[n].gamma);
        // Fills ring slot `slot` with U of image row i (zeros outside the image).
        auto fill = [&](int slot, int64_t i) SRGAN_CPP_INLINE_LAMBDA {
          acc_t *uxs = row_ptr(slot, 0, 0), *uys = row_ptr(slot, 0, 1), *uxh = row_ptr(slot, 1, 0),
                *uyh = row_ptr(slot, 1, 1);
          if (i < 0 || i >= H) {
            for (acc_t* u : {uxs, uys, uxh, uyh}) std::fill(u, u + L, acc_t(0));
            return;
          }
          const int64_t im = std::max<int64_t>(i - 1, 0), ip = std::min<int64_t>(i + 1, H - 1);
          const Rows<acc_t> rs{read.get(s + im * L, 0), read.get(s + i * L, 1), read.get(s + ip * L, 2)};
          const Rows<acc_t> rh{read.get(h + im * L, 3), read.get(h + i * L, 4), read.get(h + ip * L, 5)};
          cpu_rows::row_adjoint<O, M, kS, kH>(rs, rh, L, d, ka, kbs, kbh, uxs, uys, uxh, uyh);
        };
        // Writes the gradient of image row p from the ring slots holding U rows p-1, p, p+1.
        auto emit = [&](const int slots[3], int img, scalar_t* out, int64_t p) SRGAN_CPP_INLINE_LAMBDA {
          const acc_t* ux[3] = {row_ptr(slots[0], img, 0), row_ptr(slots[1], img, 0), row_ptr(slots[2], img, 0)};
          const acc_t* uy[3] = {row_ptr(slots[0], img, 1), row_ptr(slots[1], img, 1), row_ptr(slots[2], img, 1)};
          cpu_rows::row_emit(ux, uy, row_taps[border_class<int64_t>(p, H)], L, d, out + plane * geo.plane() + p * L);
        };
        // U row q lives in slot (q - p0 + 1) % 3; once rows p-1..p+1 are there, row p is
        // emitted. (One call site each, so the inlined row kernels are instantiated once.)
        const int64_t p0 = blk * kRowsPerTask, p1 = std::min(H, p0 + kRowsPerTask);
        for (int64_t q = p0 - 1; q <= p1; ++q) {
          fill(static_cast<int>((q - p0 + 1) % 3), q);
          if (q < p0 + 1) continue;
          const int slots[3] = {static_cast<int>((q - p0 - 1) % 3), static_cast<int>((q - p0) % 3),
                                static_cast<int>((q - p0 + 1) % 3)};
          if constexpr (kS) emit(slots, 0, GS, q - 1);
          if constexpr (kH) emit(slots, 1, GH, q - 1);
        }
      }
    });
  });
}

}  // namespace

std::tuple<at::Tensor, at::Tensor> forward_cpu(const at::Tensor& sr_in, const at::Tensor& hr_in, GradOp op,
                                               GradMode mode, LossReduction red, double eps) {
  const Geometry geo = geometry_of(sr_in);
  const int64_t N = geo.N;
  std::vector<double> part(static_cast<size_t>(N * geo.P * geo.H * 3), 0.0);
  if (sr_in.numel() > 0) {
    const at::Tensor sr = sr_in.contiguous(geo.format), hr = hr_in.contiguous(geo.format);
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, sr.scalar_type(), "srgan_cpp_gradient_cosine_cpu", [&] {
      dispatch_op_mode(op, mode, [&](auto o, auto m) {
        forward_rows<scalar_t, decltype(o)::value, decltype(m)::value>(sr, hr, geo, part);
      });
    });
  }
  const at::Tensor& sr = sr_in;
  const int64_t rows_per_sample = geo.P * geo.H;
  at::Tensor stats = at::empty({N, 3}, sr.options().dtype(at::kDouble));
  double* st = stats.data_ptr<double>();
  double total = 0.0;
  std::vector<double> losses(N);
  for (int64_t n = 0; n < N; ++n) {
    double sums[3] = {0, 0, 0};
    for (int64_t r = n * rows_per_sample; r < (n + 1) * rows_per_sample; ++r)
      for (int k = 0; k < 3; ++k) sums[k] += part[r * 3 + k];
    for (int k = 0; k < 3; ++k) st[n * 3 + k] = sums[k];
    losses[n] = sample_coef(sums[0], sums[1], sums[2], eps).loss;
    total += losses[n];
  }
  at::Tensor loss;
  if (red == LossReduction::None) {
    loss = at::empty({N}, stats.options());
    std::copy(losses.begin(), losses.end(), loss.data_ptr<double>());
  } else {
    const double v = red == LossReduction::Mean ? total / static_cast<double>(N) : total;
    loss = at::empty({}, stats.options());
    *loss.data_ptr<double>() = v;
  }
  return {loss.to(sr.scalar_type()), stats};
}

std::tuple<at::Tensor, at::Tensor> backward_cpu(const at::Tensor& grad, const at::Tensor& sr_in, const at::Tensor& hr_in,
                                                const at::Tensor& stats, GradOp op, GradMode mode, LossReduction red,
                                                double eps, bool need_sr, bool need_hr) {
  const Geometry geo = geometry_of(sr_in);
  const int64_t N = geo.N;
  // The kernel writes in its geometry's layout; the gradients are returned in their input's.
  auto result_format = [](const at::Tensor& t) {
    return is_channels_last_input(t) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  };
  at::Tensor gsr = at::empty(sr_in.sizes(), sr_in.options().memory_format(geo.format));
  at::Tensor ghr = need_hr ? at::empty(hr_in.sizes(), hr_in.options().memory_format(geo.format)) : at::Tensor();
  if ((need_sr || need_hr) && sr_in.numel() > 0) {
    const at::Tensor sr = sr_in.contiguous(geo.format), hr = hr_in.contiguous(geo.format);
    const at::Tensor st = stats.to(at::kDouble).contiguous();
    const double* sp = st.const_data_ptr<double>();
    std::vector<SampleCoef> coef(N);
    for (int64_t n = 0; n < N; ++n) coef[n] = sample_coef(sp[n * 3], sp[n * 3 + 1], sp[n * 3 + 2], eps);
    const std::vector<double> g = sample_grads(grad, N, red);
    const TransposedTaps taps = transposed_taps(op);
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, sr.scalar_type(), "srgan_cpp_gradient_cosine_bwd_cpu", [&] {
      dispatch_op_mode(op, mode, [&](auto o, auto m) {
        constexpr GradOp O = decltype(o)::value;
        constexpr GradMode M = decltype(m)::value;
        // hr alone (a rare request) runs the both-images kernel into a scratch sr gradient:
        // one kernel variant less to compile.
        if (need_hr) backward_planes<scalar_t, O, M, true, true>(sr, hr, geo, coef, g, taps, gsr, ghr);
        else backward_planes<scalar_t, O, M, true, false>(sr, hr, geo, coef, g, taps, gsr, ghr);
      });
    });
  }
  gsr = need_sr ? gsr.contiguous(result_format(sr_in)) : at::empty({0}, sr_in.options());
  ghr = need_hr ? ghr.contiguous(result_format(hr_in)) : at::empty({0}, hr_in.options());
  return {gsr, ghr};
}

}  // namespace srgan_cpp::gradient_cosine_detail
