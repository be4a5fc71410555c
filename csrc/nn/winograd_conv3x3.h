#pragma once
// 3x3 convolution (stride 1, padding 1, no groups) by Winograd's minimal filtering
// F(4x4, 3x3), for float32 and bfloat16 inference on CPUs with AVX-512 (F, BW, VL).
//
// Why: every SR generator here is a stack of 3x3 convolutions, and on CPU oneDNN's direct
// convolution already runs near the FMA peak of this machine's double-pumped AVX-512
// (bench_conv_ceiling.py), so only fewer multiplies can make it faster. F(4x4, 3x3) needs 36
// per 4x4 output block instead of 144: its input tiles are transformed into 36 matrices, each
// multiplied by the transformed weights in an AVX-512 register-blocked kernel from L1/L2, and
// transformed back with the bias and activation in the same pass.
//
// bfloat16 tensors are only stored in bfloat16: the transforms, products and sums run in
// float32 (weights transformed from their bfloat16 values), and each output is rounded to
// bfloat16 once - at least as accurate as oneDNN's bf16 convolution, and faster here because
// the products run at the float32 rate on a quarter of the multiplies.
//
// Numerics: the result equals at::conv2d's to float32 rounding (about 1e-5 of the output's
// range; tests bound it against a float64 reference). It is deterministic and independent of
// the thread count. A NaN or infinity in the input reaches every output of the 4x4 blocks
// whose 6x6 input tile holds it (a direct conv: only its 3x3 neighbourhood). Used only where no gradient is needed;
// training always runs at::conv2d. `SRGAN_CPP_WINOGRAD=0` in the environment (or
// set_winograd_enabled(false)) turns it off.
#include <ATen/core/Tensor.h>

namespace srgan_cpp::nn {

// What the output transform applies after the bias, in the same pass over the output.
struct ConvEpilogue {
  enum class Kind { kNone, kLeakyRelu, kPRelu };
  Kind kind = Kind::kNone;
  double negative_slope = 0.0;  // kLeakyRelu: y > 0 ? y : y * negative_slope
  at::Tensor prelu_weight;      // kPRelu: (1,) or (out_channels,) slopes

  static ConvEpilogue leaky_relu(double slope) { return {Kind::kLeakyRelu, slope, at::Tensor()}; }
  static ConvEpilogue prelu(const at::Tensor& weight) { return {Kind::kPRelu, 0.0, weight}; }
};

// Process-wide switch, on by default unless SRGAN_CPP_WINOGRAD=0 (or the baseline ISA is
// forced with SRGAN_CPP_CPU_ISA=baseline); thread-safe.
void set_winograd_enabled(bool enabled);
bool winograd_enabled();

// The transformed weights are cached per weight tensor (up to 512 MiB, least recently used
// first; an entry is dropped when the weight changes or is freed). Frees them all now.
void clear_winograd_weight_cache();

// Whether winograd_conv3x3 runs for a 3x3, stride-1, padding-1 convolution with these
// tensors: enabled, CPU with AVX-512F/BW/VL, float32 or bfloat16 throughout, no gradient
// needed, no CPU autocast, input
// (N, C, H, W) with channels contiguous (channels_last, or a channel slice of it), weight
// (out, C, 3, 3) with out a multiple of 16, bias undefined or (out,), prelu slopes (if any)
// of the same dtype with 1 or out elements.
bool winograd_conv3x3_applies(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                              const ConvEpilogue& epilogue = {});

// epilogue(conv2d(input, weight, bias, stride 1, padding 1)) written into `out`, an input-dtype
// (N, out_channels, H, W) tensor whose channels are contiguous (stride(1) == 1): a
// channels_last tensor or a channel slice of one, such as a dense block's concat buffer. `out`
// must not share elements with `input` (other channels of the same buffer are fine).
// Call only where winograd_conv3x3_applies.
void winograd_conv3x3_out(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                          const ConvEpilogue& epilogue, at::Tensor& out);

// The same into a new channels_last tensor.
at::Tensor winograd_conv3x3(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                            const ConvEpilogue& epilogue = {});

}  // namespace srgan_cpp::nn
