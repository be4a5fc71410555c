#include "nn/winograd_conv3x3.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/tensor.h>
#include <ATen/record_function.h>
#include <c10/core/GradMode.h>
#include <c10/core/impl/TorchDispatchModeTLS.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "common/cpu_isa.h"

#if SRGAN_CPP_X86_CLONES
#include <immintrin.h>
#endif

namespace srgan_cpp::nn {
namespace {

std::atomic<bool>& enabled_flag() {
  static std::atomic<bool> flag{[] {
    const char* env = std::getenv("SRGAN_CPP_WINOGRAD");
    return !(env != nullptr && std::strcmp(env, "0") == 0);
  }()};
  return flag;
}

// U = G g G^T (F(4x4, 3x3)'s G) for every (out, in) pair, laid out [36][in][out]
// (position-major, so each of the 36 products reads one in x out matrix). Computed in float64, then rounded once.
at::Tensor transform_weights(const at::Tensor& weight) {
  const double s6 = 1.0 / 6.0, s12 = 1.0 / 12.0, s24 = 1.0 / 24.0;
  const at::Tensor G =
      at::tensor({0.25, 0.0, 0.0, -s6, -s6, -s6, -s6, s6, -s6, s24, s12, s6, s24, -s12, s6, 0.0, 0.0, 1.0},
                 at::TensorOptions().dtype(at::kDouble))
          .view({6, 3});
  const at::Tensor g = weight.to(at::kDouble);               // (out, in, 3, 3)
  const at::Tensor u = at::matmul(at::matmul(G, g), G.t());  // (out, in, 6, 6)
  return u.permute({2, 3, 1, 0}).reshape({36, g.size(1), g.size(0)}).to(at::kFloat).contiguous();
}

// The transformed weights of the layers seen recently. A model applied to many tiles runs
// each conv once per tile, and transforming the weights each time cost as much as the
// convolutions themselves. An entry holds a weak reference to the weight's TensorImpl (so no
// other tensor can take its address while the entry exists), and is used only while the
// weight's data pointer and version counter are unchanged (an optimizer step, copy_ or
// load_state_dict bumps the version). Bounded by kMaxCachedBytes, least recently used first.
class WeightCache {
 public:
  at::Tensor get(const at::Tensor& weight) {
    // Inference tensors have no version counter to check: transform every time.
    if (weight.is_inference()) return transform_weights(weight);
    const c10::TensorImpl* impl = weight.unsafeGetTensorImpl();
    const uint32_t version = impl->version_counter().current_version();
    const void* data = weight.const_data_ptr();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = entries_.find(impl);
      if (it != entries_.end() && !it->second.owner.expired() && it->second.data == data &&
          it->second.version == version && it->second.dtype == weight.scalar_type()) {
        it->second.last_use = ++tick_;
        return it->second.U;
      }
    }
    at::Tensor U = transform_weights(weight);
    std::lock_guard<std::mutex> lock(mutex_);
    auto old = entries_.find(impl);
    if (old != entries_.end()) erase(old);
    const int64_t bytes = U.numel() * static_cast<int64_t>(sizeof(float));
    while (!entries_.empty() && bytes_ + bytes > kMaxCachedBytes) evict_one();
    if (bytes <= kMaxCachedBytes) {
      entries_.emplace(impl, Entry{c10::weak_intrusive_ptr<c10::TensorImpl>(weight.getIntrusivePtr()), data, version,
                                   weight.scalar_type(), U, ++tick_});
      bytes_ += bytes;
    }
    return U;
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
    bytes_ = 0;
  }

 private:
  static constexpr int64_t kMaxCachedBytes = int64_t{512} << 20;
  struct Entry {
    c10::weak_intrusive_ptr<c10::TensorImpl> owner;
    const void* data;
    uint32_t version;
    at::ScalarType dtype;
    at::Tensor U;
    uint64_t last_use;
  };
  using Map = std::unordered_map<const c10::TensorImpl*, Entry>;

  void erase(Map::iterator it) {
    bytes_ -= it->second.U.numel() * static_cast<int64_t>(sizeof(float));
    entries_.erase(it);
  }
  // An entry whose weight is gone, else the least recently used one.
  void evict_one() {
    auto victim = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.owner.expired()) {
        victim = it;
        break;
      }
      if (it->second.last_use < victim->second.last_use) victim = it;
    }
    erase(victim);
  }

  std::mutex mutex_;
  Map entries_;
  int64_t bytes_ = 0;
  uint64_t tick_ = 0;
};

WeightCache& weight_cache() {
  static WeightCache* cache = new WeightCache();  // never destroyed: used until the process exits
  return *cache;
}

// Where the tensors of one call live; strides in elements, channels contiguous.
struct Geometry {
  int64_t N, H, W, Cin, Cout;
  const void* in;  // float, or bfloat16 bits (uint16_t)
  int64_t in_sn, in_sh, in_sw;
  void* out;
  int64_t out_sn, out_sh, out_sw;
  const float* U;     // [36][Cin][Cout]
  const float* bias;  // Cout or nullptr (float32 whatever the tensors' dtype)
  ConvEpilogue::Kind act;
  float slope;          // leaky slope, or the single PReLU slope
  const float* slopes;  // per-channel PReLU slopes or nullptr
};

#if SRGAN_CPP_X86_CLONES

SRGAN_CPP_TARGET_AVX512 inline __mmask16 tail_mask(int64_t left) {
  return left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
}

// 16 channels of a float32 or bfloat16 tensor as 16 floats: full vectors, or the first
// `m` lanes of a last partial one (masked loads only there: they are slower).
SRGAN_CPP_TARGET_AVX512 SRGAN_CPP_ALWAYS_INLINE __m512 load16(const float* p, bool full, __mmask16 m) {
  return full ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
}
SRGAN_CPP_TARGET_AVX512 SRGAN_CPP_ALWAYS_INLINE __m512 load16(const uint16_t* p, bool full, __mmask16 m) {
  const __m256i h = full ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)) : _mm256_maskz_loadu_epi16(m, p);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));  // bf16 bits = a float's top half
}

SRGAN_CPP_TARGET_AVX512 SRGAN_CPP_ALWAYS_INLINE void store16(float* p, __m512 v) { _mm512_storeu_ps(p, v); }
// Rounded to bfloat16 as c10::BFloat16 does: to nearest even, NaN -> 0x7FC0.
SRGAN_CPP_TARGET_AVX512 SRGAN_CPP_ALWAYS_INLINE void store16(uint16_t* p, __m512 v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7FFF))), 16);
  const __mmask16 nan =
      _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7FFFFFFF)), _mm512_set1_epi32(0x7F800000));
  r = _mm512_mask_mov_epi32(r, nan, _mm512_set1_epi32(0x7FC0));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(r));
}

// F(4x4, 3x3) on the points 0, 1, -1, 2, -2 and infinity (Lavin & Gray 2016): 6x6 input
// tiles, 36 products per 4x4 output block. kTile outputs per tile side, kAlpha inputs.
constexpr int kTile = 4, kAlpha = 6, kPositions = kAlpha * kAlpha;

// Which tile the flat index q is: (n, tile row, tile column), row-major over the image.
struct TileIndex {
  int64_t n, ty, tx;
};
inline TileIndex tile_of(int64_t q, int64_t tile_rows, int64_t tile_cols) {
  return {q / (tile_rows * tile_cols), (q / tile_cols) % tile_rows, q % tile_cols};
}

// v = B^T d for six vectors, factorised (12 operations instead of 20).
SRGAN_CPP_TARGET_AVX512 SRGAN_CPP_ALWAYS_INLINE void input_1d(const __m512* d, __m512* v) {
  const __m512 four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f), two = _mm512_set1_ps(2.0f);
  const __m512 t0 = _mm512_fnmadd_ps(four, d[2], d[4]);  // d4 - 4 d2
  const __m512 t1 = _mm512_fnmadd_ps(four, d[1], d[3]);  // d3 - 4 d1
  const __m512 t2 = _mm512_sub_ps(d[4], d[2]);
  const __m512 t3 = _mm512_mul_ps(two, _mm512_sub_ps(d[3], d[1]));
  v[0] = _mm512_fmadd_ps(four, d[0], _mm512_fnmadd_ps(five, d[2], d[4]));
  v[1] = _mm512_add_ps(t0, t1);
  v[2] = _mm512_sub_ps(t0, t1);
  v[3] = _mm512_add_ps(t2, t3);
  v[4] = _mm512_sub_ps(t2, t3);
  v[5] = _mm512_fmadd_ps(four, d[1], _mm512_fnmadd_ps(five, d[3], d[5]));
}

// y = A^T m for six vectors.
SRGAN_CPP_TARGET_AVX512 SRGAN_CPP_ALWAYS_INLINE void output_1d(const __m512* m, __m512* y) {
  const __m512 a = _mm512_add_ps(m[1], m[2]), b = _mm512_sub_ps(m[1], m[2]);
  const __m512 c = _mm512_add_ps(m[3], m[4]), d = _mm512_sub_ps(m[3], m[4]);
  y[0] = _mm512_add_ps(_mm512_add_ps(m[0], a), c);
  y[1] = _mm512_fmadd_ps(_mm512_set1_ps(2.0f), d, b);
  y[2] = _mm512_fmadd_ps(_mm512_set1_ps(4.0f), c, a);
  y[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8.0f), d, b), m[5]);
}

// Floats between two positions of a block buffer of T rows of C: T C plus one cache line,
// so the 36 positions of one tile fall in different L1 sets (T C floats are often a multiple
// of 4 KiB, which would put them all in two sets).
inline int64_t position_stride(int64_t T, int64_t C) { return T * C + 16; }

// V[p][t][c] = (B^T d B)[p] for the tiles q0 .. q0 + T - 1 (tile (ty, tx) reads input rows
// 4 ty - 1 .. 4 ty + 4 and the same columns; outside the image is the zero padding).
template <typename T_in>
SRGAN_CPP_TARGET_AVX512 void input_transform(const Geometry& g, int64_t q0, int64_t T, float* V) {
  const T_in* in = static_cast<const T_in*>(g.in);
  const int64_t Cin = g.Cin, ps = position_stride(T, Cin), tile_rows = (g.H + kTile - 1) / kTile,
                tile_cols = (g.W + kTile - 1) / kTile;
  for (int64_t t = 0; t < T; ++t) {
    const TileIndex tile = tile_of(q0 + t, tile_rows, tile_cols);
    const int64_t y0 = kTile * tile.ty - 1, x0 = kTile * tile.tx - 1;
    const T_in* src[kAlpha][kAlpha];  // nullptr: padding
    for (int i = 0; i < kAlpha; ++i)
      for (int j = 0; j < kAlpha; ++j) {
        const bool inside = y0 + i >= 0 && y0 + i < g.H && x0 + j >= 0 && x0 + j < g.W;
        src[i][j] = inside ? in + tile.n * g.in_sn + (y0 + i) * g.in_sh + (x0 + j) * g.in_sw : nullptr;
      }
    for (int64_t c = 0; c < Cin; c += 16) {
      // Masked loads and stores only for a last partial chunk: full-width ones are faster
      // (AMD Zen 4 stores masked vectors slowly).
      const bool full = c + 16 <= Cin;
      const __mmask16 m = tail_mask(Cin - c);
      __m512 r[kAlpha][kAlpha];  // r = B^T d, one input column at a time
      for (int j = 0; j < kAlpha; ++j) {
        __m512 col[kAlpha], out[kAlpha];
        for (int i = 0; i < kAlpha; ++i) {
          col[i] = src[i][j] == nullptr ? _mm512_setzero_ps() : load16(src[i][j] + c, full, m);
        }
        input_1d(col, out);
        for (int i = 0; i < kAlpha; ++i) r[i][j] = out[i];
      }
      float* dst = V + t * Cin + c;
      for (int i = 0; i < kAlpha; ++i) {  // (B^T d) B, one row at a time
        __m512 v[kAlpha];
        input_1d(r[i], v);
        for (int j = 0; j < kAlpha; ++j) {
          float* p = dst + (kAlpha * i + j) * ps;
          if (full) {
            _mm512_storeu_ps(p, v[j]);
          } else {
            _mm512_mask_storeu_ps(p, m, v[j]);
          }
        }
      }
    }
  }
}

// C (R x 16 NV, leading dim ldc) = A (R x K, lda) * B (K x 16 NV, ldb): R tiles times NV
// vectors of output channels, all accumulators in registers.
template <int R, int NV>
SRGAN_CPP_TARGET_AVX512 void micro_gemm(const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
                                        int64_t K) {
  __m512 acc[R][NV];
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    __m512 b[NV];
    for (int v = 0; v < NV; ++v) b[v] = _mm512_loadu_ps(B + k * ldb + 16 * v);
    for (int i = 0; i < R; ++i) {
      const __m512 a = _mm512_set1_ps(A[i * lda + k]);
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
    }
  }
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < NV; ++v) _mm512_storeu_ps(C + i * ldc + 16 * v, acc[i][v]);
}

constexpr int kRows = 12;  // tiles per register block: 12 x 2 accumulators + 2 B vectors

using MicroGemm = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t, int64_t);

// micro_gemm<1, NV> .. micro_gemm<kRows - 1, NV>: the kernels for a last partial row block.
template <int NV, size_t... R>
constexpr std::array<MicroGemm, sizeof...(R)> tail_kernels(std::index_sequence<R...>) {
  return {&micro_gemm<static_cast<int>(R) + 1, NV>...};
}

template <int NV>
SRGAN_CPP_TARGET_AVX512 void gemm_rows(const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
                                       int64_t K, int64_t rows) {
  static constexpr auto kTails = tail_kernels<NV>(std::make_index_sequence<kRows - 1>());
  int64_t r = 0;
  for (; r + kRows <= rows; r += kRows) micro_gemm<kRows, NV>(A + r * lda, lda, B, ldb, C + r * ldc, ldc, K);
  if (r < rows) kTails[rows - r - 1](A + r * lda, lda, B, ldb, C + r * ldc, ldc, K);
}

// M[p] (T x Cout) = V[p] (T x Cin) * U[p] (Cin x Cout) for the 36 positions p.
SRGAN_CPP_TARGET_AVX512 void batched_gemm(const Geometry& g, const float* V, float* M, int64_t T) {
  for (int p = 0; p < kPositions; ++p) {
    const float* A = V + p * position_stride(T, g.Cin);
    const float* B = g.U + p * g.Cin * g.Cout;
    float* C = M + p * position_stride(T, g.Cout);
    int64_t co = 0;
    for (; co + 32 <= g.Cout; co += 32) gemm_rows<2>(A, g.Cin, B + co, g.Cout, C + co, g.Cout, g.Cin, T);
    if (co < g.Cout) gemm_rows<1>(A, g.Cin, B + co, g.Cout, C + co, g.Cout, g.Cin, T);
  }
}

SRGAN_CPP_TARGET_AVX512 inline __m512 apply_epilogue(const Geometry& g, __m512 y, int64_t co) {
  if (g.act == ConvEpilogue::Kind::kNone) return y;
  const __m512 s = g.slopes != nullptr ? _mm512_loadu_ps(g.slopes + co) : _mm512_set1_ps(g.slope);
  // y > 0 ? y : y * s, as at::leaky_relu / at::prelu (NaN stays NaN).
  const __mmask16 not_positive = _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_NGT_UQ);
  return _mm512_mask_mul_ps(y, not_positive, y, s);
}

// out = epilogue(A^T M A + bias) for the tiles q0 .. q0 + T - 1 (outputs outside the
// image are not written).
template <typename T_out>
SRGAN_CPP_TARGET_AVX512 void output_transform(const Geometry& g, int64_t q0, int64_t T, const float* M) {
  const int64_t Cout = g.Cout, ps = position_stride(T, Cout), tile_rows = (g.H + kTile - 1) / kTile,
                tile_cols = (g.W + kTile - 1) / kTile;
  for (int64_t t = 0; t < T; ++t) {
    const TileIndex tile = tile_of(q0 + t, tile_rows, tile_cols);
    const int64_t oy = kTile * tile.ty, ox = kTile * tile.tx;
    const int rows = static_cast<int>(std::min<int64_t>(kTile, g.H - oy));
    const int cols = static_cast<int>(std::min<int64_t>(kTile, g.W - ox));
    T_out* base = static_cast<T_out*>(g.out) + tile.n * g.out_sn + oy * g.out_sh + ox * g.out_sw;
    const float* src = M + t * Cout;
    for (int64_t co = 0; co < Cout; co += 16) {
      __m512 s[kTile][kAlpha];  // s = A^T m, one column at a time
      for (int j = 0; j < kAlpha; ++j) {
        __m512 col[kAlpha], out[kTile];
        for (int i = 0; i < kAlpha; ++i) col[i] = _mm512_loadu_ps(src + (kAlpha * i + j) * ps + co);
        output_1d(col, out);
        for (int i = 0; i < kTile; ++i) s[i][j] = out[i];
      }
      const __m512 b = g.bias != nullptr ? _mm512_loadu_ps(g.bias + co) : _mm512_setzero_ps();
      for (int i = 0; i < rows; ++i) {
        __m512 y[kTile];
        output_1d(s[i], y);
        T_out* dst = base + i * g.out_sh + co;
        for (int j = 0; j < cols; ++j) store16(dst + j * g.out_sw, apply_epilogue(g, _mm512_add_ps(y[j], b), co));
      }
    }
  }
}

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
std::unique_ptr<float[], AlignedFree> aligned_floats(int64_t count) {
  const size_t bytes = (static_cast<size_t>(count) * sizeof(float) + 63) / 64 * 64;
  return std::unique_ptr<float[], AlignedFree>(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

template <typename T_elem>
SRGAN_CPP_TARGET_AVX512 void run_blocks(const Geometry& g, int64_t T, int64_t tiles, int64_t begin, int64_t end) {
  auto V = aligned_floats(kPositions * position_stride(T, g.Cin));
  auto M = aligned_floats(kPositions * position_stride(T, g.Cout));
  TORCH_CHECK(V && M, "winograd_conv3x3: out of memory for the transform buffers");
  for (int64_t b = begin; b < end; ++b) {
    const int64_t q0 = b * T, count = std::min(T, tiles - q0);
    input_transform<T_elem>(g, q0, count, V.get());
    batched_gemm(g, V.get(), M.get(), count);
    output_transform<T_elem>(g, q0, count, M.get());
  }
}

#endif  // SRGAN_CPP_X86_CLONES

bool plain_tensor(const at::Tensor& t) {
  return t.layout() == at::kStrided && t.has_storage() && !t.unsafeGetTensorImpl()->is_python_dispatch();
}

// Channels contiguous (a size-1 dimension's stride is never used).
bool channels_contiguous_4d(const at::Tensor& t) { return t.dim() == 4 && (t.size(1) == 1 || t.stride(1) == 1); }

// And no two outputs share an element: pixel, row and batch strides cover what they step over.
bool writable_without_overlap(const at::Tensor& t) {
  if (!channels_contiguous_4d(t)) return false;
  int64_t extent = t.size(1);  // elements covered by one pixel
  for (int d : {3, 2, 0}) {
    if (t.size(d) == 1) continue;
    if (t.stride(d) < extent) return false;
    extent = t.stride(d) * t.size(d);
  }
  return true;
}

}  // namespace

void set_winograd_enabled(bool enabled) { enabled_flag().store(enabled); }
void clear_winograd_weight_cache() { weight_cache().clear(); }
bool winograd_enabled() { return enabled_flag().load() && cpu_has_avx512(); }

bool winograd_conv3x3_applies(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                              const ConvEpilogue& epilogue) {
  if (!winograd_enabled()) return false;
  if (!input.defined() || !weight.defined() || !input.is_cpu() || !weight.is_cpu()) return false;
  // Only real dense tensors: a FakeTensor, another Python subclass, a functorch wrapper or an
  // active dispatch mode must see at::conv2d (their data cannot be read here).
  if (c10::impl::dispatch_mode_enabled() || !plain_tensor(input) || !plain_tensor(weight) ||
      (bias.defined() && !plain_tensor(bias)))
    return false;
  const at::ScalarType dtype = input.scalar_type();
  if ((dtype != at::kFloat && dtype != at::kBFloat16) || weight.scalar_type() != dtype) return false;
  const bool bias_ok = !bias.defined() || (bias.is_cpu() && bias.scalar_type() == dtype && bias.dim() == 1 &&
                                           bias.size(0) == weight.size(0));
  if (!bias_ok) return false;
  if (at::GradMode::is_enabled() &&
      (input.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad())))
    return false;
  if (at::autocast::is_autocast_enabled(at::kCPU)) return false;  // at::conv2d would cast to autocast's dtype
  if (weight.dim() != 4 || weight.size(2) != 3 || weight.size(3) != 3 || weight.size(0) % 16 != 0) return false;
  if (!channels_contiguous_4d(input) || input.size(1) != weight.size(1) || input.numel() == 0) return false;
  if (epilogue.kind == ConvEpilogue::Kind::kPRelu) {
    const at::Tensor& w = epilogue.prelu_weight;
    if (!w.defined() || !w.is_cpu() || w.scalar_type() != dtype || w.dim() != 1 ||
        (w.numel() != 1 && w.numel() != weight.size(0)))
      return false;
  }
  return true;
}

void winograd_conv3x3_out(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                          const ConvEpilogue& epilogue, at::Tensor& out) {
  TORCH_CHECK(winograd_conv3x3_applies(input, weight, bias, epilogue),
              "winograd_conv3x3: called for arguments it does not handle");
  const int64_t N = input.size(0), Cin = input.size(1), H = input.size(2), W = input.size(3), Cout = weight.size(0);
  TORCH_CHECK(out.scalar_type() == input.scalar_type() && out.is_cpu() && out.dim() == 4 && out.size(0) == N &&
                  out.size(1) == Cout && out.size(2) == H && out.size(3) == W && writable_without_overlap(out),
              "winograd_conv3x3_out: expected `out` ", input.scalar_type(), " (", N, ", ", Cout, ", ", H, ", ", W,
              ") with contiguous, non-overlapping channels, got ", out.scalar_type(), " ", out.sizes(), " strides ",
              out.strides());
#if SRGAN_CPP_X86_CLONES
  // Named in torch.profiler's tables like an ATen op (it is none: the models call it directly).
  RECORD_FUNCTION("srgan_cpp::winograd_conv3x3", std::vector<c10::IValue>({input, weight}));
  const bool bf16 = input.scalar_type() == at::kBFloat16;
  // Weights, bias and slopes in float32 whatever the dtype: bfloat16 tensors are only
  // stored in bfloat16; every product and sum is float32, rounded once on the way out.
  const at::Tensor U = weight_cache().get(weight);
  const at::Tensor b = bias.defined() ? bias.to(at::kFloat).contiguous() : at::Tensor();
  at::Tensor slopes;
  Geometry g{N,
             H,
             W,
             Cin,
             Cout,
             input.const_data_ptr(),
             input.stride(0),
             input.stride(2),
             input.stride(3),
             out.data_ptr(),
             out.stride(0),
             out.stride(2),
             out.stride(3),
             U.const_data_ptr<float>(),
             b.defined() ? b.const_data_ptr<float>() : nullptr,
             epilogue.kind,
             0.0f,
             nullptr};
  if (epilogue.kind == ConvEpilogue::Kind::kLeakyRelu) g.slope = static_cast<float>(epilogue.negative_slope);
  if (epilogue.kind == ConvEpilogue::Kind::kPRelu) {
    slopes = epilogue.prelu_weight.to(at::kFloat).contiguous();
    if (slopes.numel() == 1) {
      g.slope = slopes.const_data_ptr<float>()[0];
    } else {
      g.slopes = slopes.const_data_ptr<float>();
    }
  }
  // Tiles per block: the block's transformed input and products (36 T (Cin + Cout) floats)
  // stay within about half of a 1 MiB L2, in whole register blocks.
  const int64_t budget = 512 * 1024 / (kPositions * 4 * (Cin + Cout));
  const int64_t T = std::max<int64_t>(kRows, std::min<int64_t>(budget, 96) / kRows * kRows);
  const int64_t tiles = N * ((H + kTile - 1) / kTile) * ((W + kTile - 1) / kTile);
  at::parallel_for(0, (tiles + T - 1) / T, 1, [&](int64_t begin, int64_t end) {
    if (bf16) {
      run_blocks<uint16_t>(g, T, tiles, begin, end);
    } else {
      run_blocks<float>(g, T, tiles, begin, end);
    }
  });
#endif
}

at::Tensor winograd_conv3x3(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                            const ConvEpilogue& epilogue) {
  at::Tensor out = at::empty({input.size(0), weight.size(0), input.size(2), input.size(3)},
                             input.options().memory_format(at::MemoryFormat::ChannelsLast));
  winograd_conv3x3_out(input, weight, bias, epilogue, out);
  return out;
}

}  // namespace srgan_cpp::nn
