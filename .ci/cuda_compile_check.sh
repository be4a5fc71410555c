#!/usr/bin/env bash
# Compiles (without linking) every csrc/**/*.cu with nvcc against the installed torch's
# headers, for every GPU architecture a CUDA build targets by default (CMake's
# SRGAN_CPP_DEFAULT_CUDA_ARCHITECTURES; TORCH_CUDA_ARCH_LIST or CUDAARCHS narrow it), and
# the host sources that have CUDA-only branches in their CUDA configuration. A CPU-only
# torch cannot link CUDA code, so this is how device code is checked on machines without
# a GPU or a CUDA torch.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvcc >/dev/null 2>&1; then
  echo "cuda-check: nvcc not found" >&2
  exit 1
fi
PY=${PYTHON:-python3}
build=build/cuda-compile-check
mkdir -p build
cmake -S . -B "$build" -G Ninja -DSRGAN_CPP_CUDA_COMPILE_CHECK=ON -DSRGAN_CPP_BUILD_PYTHON=OFF \
  -DPython_EXECUTABLE="$(command -v "$PY")" >"$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 1; }
cmake --build "$build"
echo "cuda-check: compiled $(find csrc -name '*.cu' | wc -l) CUDA source(s) with $(nvcc --version | tail -1)" \
     "for $(grep -o 'CUDA architectures [^ ]*' "$build.configure.log" | cut -d' ' -f3)," \
     "and $(grep -rl SRGAN_CPP_WITH_CUDA csrc --include='*.cpp' | wc -l) host source(s) in their CUDA configuration"
