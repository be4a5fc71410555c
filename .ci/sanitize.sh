#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of the CPU kernels (ops, imresize, the
# metric kernels): builds srgan_cpp with -DSRGAN_CPP_SANITIZE=ON into its own build folder
# (build/sanitize) and install folder (build/sanitize/site), then runs the op and data tests
# against that build with the ASan runtime preloaded into Python. Any sanitizer report
# fails the run (halt_on_error); the reports are kept in build/sanitize/reports.
#
#   bash .ci/sanitize.sh                  # the default test selection (below)
#   bash .ci/sanitize.sh tests/ops -k fuzz  # any pytest arguments instead
#
# Leak detection is off: CPython and torch keep allocations alive until exit by design.
# torch.compile tests are deselected by default: under ASan every inductor compile runs the
# C++ compiler with the runtime preloaded (minutes each) and tests no kernel of ours beyond
# what the eager tests do.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

build=build/sanitize
site="$build/site"
reports="$build/reports"
start=$(date +%s)
rm -rf "$site" "$reports"
mkdir -p "$reports"
# Its own build folder and CMake cache; CUDA off (nvcc does not take the sanitizer flags).
SRGAN_CPP_CUDA=OFF "$PY" -m pip install -q --no-build-isolation --no-deps --target "$site" \
  -C build-dir="$build/cmake" -C cmake.define.SRGAN_CPP_SANITIZE=ON .
echo "sanitize: build took $(( $(date +%s) - start )) s"

asan_runtime=$(gcc -print-file-name=libasan.so)
[ -f "$asan_runtime" ] || { echo "sanitize: ASan runtime not found (gcc -print-file-name=libasan.so)" >&2; exit 1; }
# libstdc++ right after the runtime: ASan's __cxa_throw interceptor looks up the real one at
# start-up, before Python has loaded any C++ library; without it the first C++ exception
# (every TORCH_CHECK that refuses a bad argument) aborts in asan_interceptors.cpp.
preload="$asan_runtime $(g++ -print-file-name=libstdc++.so)"

if [ "$#" -eq 0 ]; then
  # The op and data tests, wherever the test tree keeps them.
  set -- $(ls -d tests/ops tests/data tests/test_*pixel_shuffle*.py tests/test_het_conv*.py \
                 tests/test_gradient_cosine*.py tests/test_ragan*.py tests/test_loss_kernels*.py \
                 tests/test_resize*.py tests/test_datasets*.py tests/test_eval_kernels*.py 2>/dev/null) \
         -k "not compile and not inductor"
fi

export PYTHONPATH="$PWD/$site${PYTHONPATH:+:$PYTHONPATH}"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:log_path=$PWD/$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$PWD/$reports/ubsan"
# Make sure the instrumented build is the one under test (not an installed srgan_cpp).
LD_PRELOAD="$preload" "$PY" -c "import srgan_cpp, sys; f = srgan_cpp.__file__; \
  sys.exit(0 if f.startswith('$PWD/$site/') else f'sanitize: imported {f}, not the sanitizer build')"

test_start=$(date +%s)
status=0
LD_PRELOAD="$preload" "$PY" -m pytest -q -p no:cacheprovider "$@" || status=$?
echo "sanitize: tests took $(( $(date +%s) - test_start )) s (total $(( $(date +%s) - start )) s)"
if compgen -G "$reports/*" >/dev/null; then
  echo "sanitize: sanitizer reports:" >&2
  for f in "$reports"/*; do echo "== $f" >&2; head -60 "$f" >&2; done
  exit 1
fi
exit "$status"
