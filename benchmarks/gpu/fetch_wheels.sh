#!/usr/bin/env bash
# Downloads the wheels of benchmarks/gpu/wheels.txt into .whl/ for the device machine
# (Python 3.12, x86-64 manylinux; nothing can be fetched there). Run here, before the device
# call, then call the device tool with carry [".whl"] and the command
# `bash benchmarks/gpu/run_all.sh` (docs/benchmarks.md#gpu-run).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
mkdir -p .whl
git check-ignore -q .whl || { echo "fetch_wheels: .whl/ must be ignored by git (.gitignore)" >&2; exit 1; }
grep -vE '^\s*(#|$)' benchmarks/gpu/wheels.txt | while read -r req; do
  "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 --platform any -d .whl "$req"
done
ls -l .whl
du -sh .whl
