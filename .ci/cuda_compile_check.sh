#!/usr/bin/env bash
# Compiles (without linking) every csrc/**/*.cu with nvcc against the installed torch's
# headers. A CPU-only torch cannot link CUDA code, so this is how device code is checked
# on machines without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvcc >/dev/null 2>&1; then
  echo "cuda-check: nvcc not found" >&2
  exit 1
fi
build=build/cuda-compile-check
cmake -S . -B "$build" -G Ninja -DSRGAN_CPP_CUDA_COMPILE_CHECK=ON -DSRGAN_CPP_BUILD_PYTHON=OFF >/dev/null
cmake --build "$build"
echo "cuda-check: compiled $(find csrc -name '*.cu' | wc -l) CUDA source(s) with $(nvcc --version | tail -1)," \
     "and $(grep -rlE 'SRGAN_CPP_WITH_CUDA|SRGAN_CPP_CUDA_KERNEL' csrc --include='*.cpp' | wc -l) host source(s) in their CUDA configuration"
