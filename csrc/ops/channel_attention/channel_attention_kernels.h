#pragma once
// Internal: argument checks and device kernels of the channel-attention op. The op is split
// into three kernels per direction (channel_attention_compute.cpp strings them together):
//   pool  - per-(n, c) sums over H*W of input (and, for the backward, of grad * input);
//   gate  - per sample, the tiny MLP: pooled mean -> hidden -> scale (and its backward);
//   scale - out = x * scale[n, c] (+ add[n, c]): the product, or the input gradient.
// Gate quantities are (N, C) / (N, Cr) tensors of the accumulation dtype (float32, or
// float64 for float64 inputs). Not part of the public API.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

#include "common/device_kernels.h"

namespace srgan_cpp::channel_attention_detail {

struct Geometry {
  int64_t n, c, h, w, cr;
  bool channels_last;  // the op's memory-format rule (common/tensor_checks.h)
  int64_t hw() const { return h * w; }
};

// Validates every argument of the forward (`grad_output` undefined) or the backward op.
Geometry check_args(const at::Tensor& input, const at::Tensor& squeeze_weight, const c10::optional<at::Tensor>& squeeze_bias,
                    const at::Tensor& excite_weight, const c10::optional<at::Tensor>& excite_bias,
                    const at::Tensor& grad_output, const char* op);

// The gate's weights in the accumulation dtype: w1 (Cr, C), b1 (Cr,), w2 (C, Cr), b2 (C,),
// contiguous; a missing bias is a zero tensor.
struct GateWeights {
  at::Tensor w1, b1, w2, b2;
};

// The gate's per-sample quantities (accumulation dtype).
struct GateTensors {
  at::Tensor pooled;     // (N, C)  mean of input over H, W
  at::Tensor hidden;     // (N, Cr) relu(w1 pooled + b1)
  at::Tensor scale;      // (N, C)  sigmoid(w2 hidden + b2)
  at::Tensor d_excite;   // (N, C)  backward: dL / d(w2 hidden + b2)
  at::Tensor d_squeeze;  // (N, Cr) backward: dL / d(w1 pooled + b1)
  at::Tensor d_pixel;    // (N, C)  backward: dL / d pooled / (H*W), what every pixel's gradient gets
};

// sums (k, N, C), k = 1 (input) or 2 (input, grad * input): sums over H*W. `x` and `g` are
// contiguous in one memory format (NCHW or channels_last, g undefined for k = 1).
// The gate fills `t`, allocated by the caller (pooled, hidden, scale; the d_ ones with backward).
// scale: out = x * scale[n, c] (+ add[n, c] when defined), in x's dtype and memory format.
#define SRGAN_CPP_CHANNEL_ATTENTION_KERNELS(dev)                                                            \
  void pool_##dev(const at::Tensor& x, const at::Tensor& g, at::Tensor& sums);                              \
  void gate_##dev(const at::Tensor& sums, const GateWeights& w, int64_t hw, GateTensors& t, bool backward); \
  at::Tensor scale_##dev(const at::Tensor& x, const at::Tensor& scale, const at::Tensor& add);
SRGAN_CPP_DECLARE_DEVICE_KERNELS(SRGAN_CPP_CHANNEL_ATTENTION_KERNELS)
#undef SRGAN_CPP_CHANNEL_ATTENTION_KERNELS

// The device-generic op bodies (argument checks, then the kernels of input's device).
at::Tensor forward(const at::Tensor& input, const at::Tensor& squeeze_weight, const c10::optional<at::Tensor>& squeeze_bias,
                   const at::Tensor& excite_weight, const c10::optional<at::Tensor>& excite_bias);
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& squeeze_weight,
    const c10::optional<at::Tensor>& squeeze_bias, const at::Tensor& excite_weight,
    const c10::optional<at::Tensor>& excite_bias);

}  // namespace srgan_cpp::channel_attention_detail
