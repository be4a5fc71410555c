"""Positive controls for compute-sanitizer: a kernel with a planted bug, so a clean report on
srgan_cpp's kernels means something.

    compute-sanitizer --tool memcheck  python3 benchmarks/gpu/sanitizer_control.py oob
    compute-sanitizer --tool racecheck python3 benchmarks/gpu/sanitizer_control.py race

``oob`` writes 64 floats past the end of a 256-float cudaMalloc (memcheck must report
"Invalid __global__ write"); ``race`` has every thread of a 128-thread block write one
shared-memory word and read it back without a barrier (racecheck must report a hazard).
Both kernels carry ``srgan_cpp`` in their names, so a ``--kernel-name kns=srgan_cpp``
filter (used on the real run) keeps them. Built with CuPy (NVRTC, on the GPU image);
exit status 77 when CuPy or a GPU is missing (the control could not run).
"""
from __future__ import annotations

import sys

_OOB = r"""
extern "C" __global__ void srgan_cpp_control_oob(float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n + 64) out[i] = 1.0f;  // planted: 64 elements past the end
}
"""
_RACE = r"""
extern "C" __global__ void srgan_cpp_control_race(float* out) {
    __shared__ float word;
    word = (float)threadIdx.x;      // planted: every warp writes the same word...
    out[threadIdx.x] = word;        // ...and reads it with no __syncthreads()
}
"""


def main(argv: list) -> int:
    if len(argv) != 1 or argv[0] not in ("oob", "race"):
        print("usage: sanitizer_control.py oob|race", file=sys.stderr)
        return 2
    try:
        import cupy as cp

        if cp.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device")
    except Exception as e:  # noqa: BLE001 - ImportError, CUDARuntimeError...
        print(f"sanitizer_control: cannot run ({type(e).__name__}: {e})", file=sys.stderr)
        return 77
    cp.cuda.set_allocator(None)  # plain cudaMalloc: the sanitizer knows each buffer's exact size
    n = 256
    out = cp.zeros(n, dtype=cp.float32)
    if argv[0] == "oob":
        kernel = cp.RawKernel(_OOB, "srgan_cpp_control_oob")
        kernel((3,), (128,), (out, cp.int32(n)))
    else:
        kernel = cp.RawKernel(_RACE, "srgan_cpp_control_race")
        kernel((1,), (128,), (out,))
    cp.cuda.runtime.deviceSynchronize()
    print(f"sanitizer_control: {argv[0]} kernel ran")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
