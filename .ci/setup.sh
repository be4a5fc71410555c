#!/usr/bin/env bash
# Sets up a fresh machine of this project's kind and installs srgan_cpp from this checkout:
# pinned CPU torch (the build on this machine), build and test tools, then a build against
# that torch (--no-build-isolation, so pip never pulls another torch).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
# Relative paths in ccache's keys: a fresh clone elsewhere reuses earlier compilations.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
# ccache keeps rebuilds on 2 cores short; optional, so a failure here is not fatal.
if ! command -v ccache >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  (apt-get install -y -q ccache >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q ccache >/dev/null 2>&1)) \
    || echo "setup: ccache not installed (optional)"
fi
"$PY" -m pip install -q "torch==2.13.0"
"$PY" -m pip install -q -r requirements-dev.txt
"$PY" -m pip install -q --no-build-isolation .
"$PY" -c "import srgan_cpp, torch; print('setup: srgan_cpp', srgan_cpp.__version__, 'torch', torch.__version__, 'CUDA kernels:', srgan_cpp.built_with_cuda())"
