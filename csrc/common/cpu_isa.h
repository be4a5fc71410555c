#pragma once
// Runtime choice of an AVX2 + FMA copy of a hot CPU loop.
//
// The library is compiled for baseline x86-64 (SSE2) so it runs on any x86-64 CPU. A loop
// that matters is written once as an always-inline lambda and run through
// call_best_isa(f): f is inlined into two wrappers, one compiled for the baseline and one
// with __attribute__((target("avx2,fma"))), and the CPU picks one at run time. Only the
// attributed wrapper and what is inlined into it use AVX2 - unlike a translation unit
// built with -mavx2, no AVX2 code can leak into inline functions shared with other files.
// Everything the lambda calls in its loops must be always-inline (SRGAN_CPP_ALWAYS_INLINE)
// or the AVX2 copy would call baseline code.
//
// SRGAN_CPP_CPU_ISA=baseline in the environment (read once) forces the baseline copy, so
// tests can check both on an AVX2 machine. Results of the two copies may differ in the
// last bits (FMA contraction), never between runs or thread counts on one machine.
#include <cstdlib>
#include <cstring>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define SRGAN_CPP_X86_CLONES 1
#define SRGAN_CPP_TARGET_AVX2 __attribute__((target("avx2,fma")))
// For kernels written with AVX-512 intrinsics (run only where cpu_has_avx512() is true).
#define SRGAN_CPP_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma")))
#else
#define SRGAN_CPP_X86_CLONES 0
#define SRGAN_CPP_TARGET_AVX2
#define SRGAN_CPP_TARGET_AVX512
#endif

#if defined(__GNUC__) || defined(__clang__)
#define SRGAN_CPP_ALWAYS_INLINE inline __attribute__((always_inline))
// For lambdas: [&](...) SRGAN_CPP_INLINE_LAMBDA { ... }
#define SRGAN_CPP_INLINE_LAMBDA __attribute__((always_inline))
#else
#define SRGAN_CPP_ALWAYS_INLINE inline
#define SRGAN_CPP_INLINE_LAMBDA
#endif

namespace srgan_cpp {

namespace isa_detail {
inline bool baseline_forced() {
  const char* env = std::getenv("SRGAN_CPP_CPU_ISA");
  return env != nullptr && std::strcmp(env, "baseline") == 0;
}
}  // namespace isa_detail

inline bool cpu_has_avx2_fma() {
#if SRGAN_CPP_X86_CLONES
  static const bool ok =
      !isa_detail::baseline_forced() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}

// AVX-512 F, BW and VL (what SRGAN_CPP_TARGET_AVX512 code uses); false when the baseline is forced.
inline bool cpu_has_avx512() {
#if SRGAN_CPP_X86_CLONES
  static const bool ok = !isa_detail::baseline_forced() && __builtin_cpu_supports("avx512f") &&
                         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return ok;
#else
  return false;
#endif
}

namespace isa_detail {
template <typename F>
SRGAN_CPP_TARGET_AVX2 void call_avx2(const F& f) {
  f();
}
template <typename F>
void call_baseline(const F& f) {
  f();
}
}  // namespace isa_detail

// Runs f() from its AVX2 + FMA copy when the CPU has both, else from its baseline copy.
// kWithAvx2 = false builds the baseline copy only (for dtypes whose speed does not matter
// enough to double their compile time).
template <bool kWithAvx2 = true, typename F>
inline void call_best_isa(const F& f) {
  if constexpr (kWithAvx2) {
    if (cpu_has_avx2_fma()) {
      isa_detail::call_avx2(f);
      return;
    }
  }
  isa_detail::call_baseline(f);
}

}  // namespace srgan_cpp
