#!/usr/bin/env bash
# The GPU check in one bounded run (docs/benchmarks.md#gpu-run): build srgan_cpp for the GPU,
# run the CUDA tests and cross-checks, compute-sanitizer (memcheck, racecheck) and the
# benchmarks with --device cuda; results and logs under $OUT (or --out DIR).
#
#   bash benchmarks/gpu/run_all.sh              # on the device machine (carry: [".whl"])
#   bash benchmarks/gpu/run_all.sh --dry-run    # the same steps on this CPU at tiny sizes
#   bash benchmarks/gpu/run_all.sh --list       # the steps and their time budgets
#
# Runtime dependencies missing on the device machine travel as wheels in .whl/ (made here by
# benchmarks/gpu/fetch_wheels.sh); they are installed into a fresh temporary folder put on
# PYTHONPATH, never over the image's packages.
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
if compgen -G ".whl/*.whl" >/dev/null; then
  tmp=$(mktemp -d)
  site=$tmp/site  # a fresh folder: never shared with another run, removed at the end
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" .whl/*.whl \
    || { echo "run_all: installing the carried wheels failed" >&2; exit 1; }
  export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
  echo "run_all: carried wheels installed in $site: $(cd .whl && ls *.whl | tr '\n' ' ')"
fi
"$PY" benchmarks/gpu/run_all.py "$@"
rc=$?
[[ -n "${tmp:-}" ]] && rm -rf "$tmp"
exit $rc
