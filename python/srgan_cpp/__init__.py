"""srgan_cpp: super-resolution GAN toolkit for PyTorch with a C++ (LibTorch) and CUDA core.

Sub-packages:
    ops     fused custom ops registered with the dispatcher (torch.ops.srgan_cpp.*)
    nn      thin torch.nn.Modules over the ops
    models  model classes written in C++ and exposed as genuine torch.nn.Modules
    image   NumPy <-> tensor conversion for images
    losses  SR training losses (pixel, gradient cosine, adversarial, perceptual)
    data    MATLAB-exact resizing, degradations, datasets, bundled sample photographs
    metrics PSNR / SSIM as the SR literature computes them
    evaluate  benchmark evaluation (srgan-cpp eval)
"""
from __future__ import annotations

import os
from importlib import metadata as _metadata

import torch  # noqa: F401  (loads libtorch before the extension)

from . import _C  # registers the ops with the dispatcher
from . import data, image, losses, metrics, models, nn, ops
from .evaluation import evaluate

__version__: str = _metadata.version("srgan_cpp")  # written once, in pyproject.toml

# The compiled payload (libraries, headers, CMake package) sits beside _C, which in an
# editable install is not the folder of this file.
_PAYLOAD_DIR = os.path.dirname(os.path.abspath(_C.__file__))

#: Pass to CMake (``-DCMAKE_PREFIX_PATH``) to ``find_package(srgan_cpp)`` from a LibTorch program.
cmake_prefix_path: str = os.path.join(_PAYLOAD_DIR, "share", "cmake")
#: Headers of the C++ API (``#include <srgan_cpp/srgan_cpp.h>``).
include_dir: str = os.path.join(_PAYLOAD_DIR, "include")


def built_with_cuda() -> bool:
    """Whether this build of srgan_cpp contains CUDA kernels."""
    return bool(_C.built_with_cuda())


__all__ = ["ops", "losses", "nn", "models", "image", "data", "metrics", "evaluate", "built_with_cuda", "cmake_prefix_path",
           "include_dir", "__version__"]
