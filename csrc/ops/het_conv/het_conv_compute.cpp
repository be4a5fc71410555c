// The HetConv computation as exactly two library calls per pass, device-generic:
//   3x3 part: a grouped 3x3 conv over the P groups (oneDNN on CPU, cuDNN on CUDA);
//   1x1 part: one GEMM accumulated in place into the conv's output (beta = 1), whose
//             (out, in) weight is weight1x1 scattered around zero diagonal blocks.
// Why one GEMM with zero diagonal blocks instead of the exact per-group GEMMs: the 1x1
// part is ~1/4 of the FLOPs at P = 4, and the per-group form needs 2P skinny GEMMs (N = og)
// that ran 1.4-2.3x slower forward and 2-4.7x slower forward+backward on CPU
// (`alt_exact` in benchmarks/bench_het_conv.py) than one wide GEMM doing 1/P extra
// multiply-adds with zeros (which leave the result exact). HetConv's FLOP saving is in the
// 3x3 part, which the grouped conv does at its exact cost.
#include <ATen/ops/bmm.h>
#include <ATen/ops/convolution.h>
#include <ATen/ops/convolution_backward.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/zeros_like.h>

#include "common/tensor_checks.h"
#include "ops/het_conv/het_conv_kernels.h"

namespace srgan_cpp::het_conv_detail {
namespace {

at::MemoryFormat format_of(bool channels_last) {
  return channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
}

// The op family's layout rule: outputs/grad_input are channels_last iff the input is.
at::Tensor in_layout_of(const at::Tensor& t, const at::Tensor& input) {
  return t.contiguous(format_of(is_channels_last_input(input)));
}

// The pixels the 1x1 kernels see: every stride-th row and column (the 3x3 centres).
at::Tensor subsample(const at::Tensor& x, int64_t stride) {
  if (stride == 1) return x;
  return x.slice(2, 0, c10::nullopt, stride).slice(3, 0, c10::nullopt, stride);
}

// (N, C, H, W) channels_last-contiguous -> (N*H*W, C) view; it must not copy, since callers
// accumulate into it.
at::Tensor pixels_by_channels(const at::Tensor& t) {
  return t.permute({0, 2, 3, 1}).view({t.size(0) * t.size(2) * t.size(3), t.size(1)});
}

}  // namespace

at::Tensor forward_composite(const at::Tensor& input, const at::Tensor& weight3x3, const at::Tensor& weight1x1,
                             const at::Tensor& bias, const HetGeometry& g, bool channels_last) {
  const auto fmt = format_of(channels_last);
  const at::Tensor x = input.contiguous(fmt);
  const int64_t s = g.stride;
  at::Tensor y = at::convolution(x, weight3x3.contiguous(), bias, {s, s}, {1, 1}, {1, 1}, false, {0, 0}, g.parts)
                     .contiguous(fmt);
  if (g.parts > 1 && g.n > 0) {
    const at::Tensor full = one_by_one_full(weight1x1, g.in, g.parts);  // (out, in)
    const at::Tensor xs = subsample(x, s);
    if (channels_last) {
      // (N*H'*W', out) += (N*H'*W', in) @ (in, out): one GEMM over every pixel of the batch.
      pixels_by_channels(y).addmm_(xs.permute({0, 2, 3, 1}).reshape({-1, g.in}), full.t());
    } else {
      // Per sample (out, H'*W') += (out, in) @ (in, H'*W').
      const int64_t pix = g.out_h * g.out_w;
      y.view({g.n, g.out, pix}).baddbmm_(full.expand({g.n, g.out, g.in}), xs.reshape({g.n, g.in, pix}));
    }
  }
  return in_layout_of(y, input);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward_composite(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight3x3,
    const at::Tensor& weight1x1, const HetGeometry& g, std::array<bool, 4> mask, bool channels_last) {
  const auto fmt = format_of(channels_last);
  const at::Tensor x = input.contiguous(fmt);
  const at::Tensor go = grad_output.contiguous(fmt);
  const int64_t s = g.stride;
  at::Tensor gi, gw3, gw1, gb;
  if (mask[0] || mask[1] || mask[3]) {
    std::tie(gi, gw3, gb) =
        at::convolution_backward(go, x, weight3x3.contiguous(), at::IntArrayRef{g.out}, {s, s}, {1, 1}, {1, 1},
                                 false, {0, 0}, g.parts, {mask[0], mask[1], mask[3]});
  }
  if (g.parts > 1 && g.n > 0 && (mask[0] || mask[2])) {
    const at::Tensor full = one_by_one_full(weight1x1, g.in, g.parts);
    const at::Tensor xs = subsample(x, s);
    if (channels_last) {
      const at::Tensor g2 = pixels_by_channels(go);  // (P', out)
      if (mask[0]) {
        gi = gi.contiguous(fmt);
        if (s == 1) {
          pixels_by_channels(gi).addmm_(g2, full);
        } else {
          subsample(gi, s).add_(at::mm(g2, full).view({g.n, g.out_h, g.out_w, g.in}).permute({0, 3, 1, 2}));
        }
      }
      if (mask[2]) {
        const at::Tensor gfull = at::mm(g2.t(), xs.permute({0, 2, 3, 1}).reshape({-1, g.in}));  // (out, in)
        gw1 = gfull.gather(1, one_by_one_columns(g.in, g.out, g.parts, weight1x1.options()));
      }
    } else {
      const int64_t pix = g.out_h * g.out_w;
      const at::Tensor g3 = go.view({g.n, g.out, pix});
      if (mask[0]) {
        gi = gi.contiguous(fmt);
        const at::Tensor tfull = full.t().expand({g.n, g.in, g.out});
        if (s == 1) {
          gi.view({g.n, g.in, pix}).baddbmm_(tfull, g3);
        } else {
          subsample(gi, s).add_(at::bmm(tfull, g3).view({g.n, g.in, g.out_h, g.out_w}));
        }
      }
      if (mask[2]) {
        const at::Tensor gfull = at::bmm(g3, xs.reshape({g.n, g.in, pix}).transpose(1, 2)).sum(0);
        gw1 = gfull.gather(1, one_by_one_columns(g.in, g.out, g.parts, weight1x1.options()));
      }
    }
  }
  const at::Tensor none = at::empty({0}, input.options());
  if (mask[2] && !gw1.defined()) gw1 = at::zeros_like(weight1x1);  // P == 1 (no 1x1 part) or an empty batch
  return {mask[0] ? in_layout_of(gi, input) : none, mask[1] ? gw3.contiguous() : none, mask[2] ? gw1 : none,
          mask[3] ? gb : none};
}

}  // namespace srgan_cpp::het_conv_detail
