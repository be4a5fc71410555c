#include "nn/prelu_inplace.h"

#include <ATen/Parallel.h>
#include <ATen/ops/prelu.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/cpu_isa.h"

namespace srgan_cpp::nn {
namespace {

// bfloat16 <-> float on the bits, inline so the AVX2 copy of the loop vectorises them;
// rounding as c10::BFloat16 (to nearest even, NaN -> 0x7FC0).
SRGAN_CPP_ALWAYS_INLINE float bf16_bits_to_float(uint16_t b) {
  const uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

SRGAN_CPP_ALWAYS_INLINE uint16_t float_to_bf16_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  const uint16_t rounded = static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
  return (u & 0x7FFFFFFFu) > 0x7F800000u ? static_cast<uint16_t>(0x7FC0) : rounded;
}

SRGAN_CPP_ALWAYS_INLINE void prelu_row(float* row, int64_t len, const float* slopes, float slope) {
  for (int64_t k = 0; k < len; ++k) {
    const float v = row[k];
    const float s = slopes != nullptr ? slopes[k] : slope;
    row[k] = v > 0.0f ? v : v * s;
  }
}

SRGAN_CPP_ALWAYS_INLINE void prelu_row(uint16_t* row, int64_t len, const float* slopes, float slope) {
  for (int64_t k = 0; k < len; ++k) {
    const float v = bf16_bits_to_float(row[k]);
    const float s = slopes != nullptr ? slopes[k] : slope;
    row[k] = v > 0.0f ? row[k] : float_to_bf16_bits(v * s);
  }
}

// `rows` rows of `len` elements. channels_last: a row is one pixel's C channels, slope of
// element k = slopes[k]; NCHW: a row is one (n, c) plane, slope = slopes[row % C].
template <typename Bits>
void prelu_rows_(Bits* data, int64_t rows, int64_t len, const std::vector<float>& slopes, bool per_plane) {
  const int64_t C = static_cast<int64_t>(slopes.size());
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(len, 1));
  at::parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    call_best_isa([&]() SRGAN_CPP_INLINE_LAMBDA {
      for (int64_t r = begin; r < end; ++r) {
        if (per_plane) {
          prelu_row(data + r * len, len, nullptr, slopes[r % C]);
        } else {
          prelu_row(data + r * len, len, slopes.data(), 0.0f);
        }
      }
    });
  });
}

}  // namespace

at::Tensor prelu_inference_(at::Tensor& x, const at::Tensor& weight) {
  const bool needs_grad = at::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad());
  const bool supported_dtype = x.scalar_type() == at::kFloat || x.scalar_type() == at::kBFloat16;
  if (needs_grad || !x.is_cpu() || !weight.is_cpu() || x.dim() != 4 || !supported_dtype ||
      weight.scalar_type() != x.scalar_type() || weight.dim() != 1 ||
      (weight.numel() != 1 && weight.numel() != x.size(1))) {
    return at::prelu(x, weight);
  }
  const bool channels_last = x.is_contiguous(at::MemoryFormat::ChannelsLast) && x.size(1) > 1;
  if (!channels_last && !x.is_contiguous()) return at::prelu(x, weight);
  const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
  if (x.numel() == 0) return x;
  // The slopes in float, one per channel (a single slope repeated), as at::prelu reads them.
  const at::Tensor w = weight.to(at::kFloat).contiguous();
  std::vector<float> slopes(static_cast<size_t>(C), w.const_data_ptr<float>()[0]);
  if (w.numel() == C) std::copy(w.const_data_ptr<float>(), w.const_data_ptr<float>() + C, slopes.begin());
  const int64_t rows = channels_last ? N * HW : N * C, len = channels_last ? C : HW;
  if (x.scalar_type() == at::kFloat) {
    prelu_rows_(x.data_ptr<float>(), rows, len, slopes, !channels_last);
  } else {
    prelu_rows_(reinterpret_cast<uint16_t*>(x.data_ptr<at::BFloat16>()), rows, len, slopes, !channels_last);
  }
  return x;
}

}  // namespace srgan_cpp::nn
