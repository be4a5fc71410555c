"""Calls every srgan_cpp kernel forward and backward on odd shapes (``kernel_calls.CALLS``),
for compute-sanitizer::

    PYTORCH_NO_CUDA_MEMORY_CACHING=1 compute-sanitizer --tool memcheck \\
        python3 benchmarks/gpu/sanitize_kernels.py --device cuda
    compute-sanitizer --tool racecheck python3 benchmarks/gpu/sanitize_kernels.py --device cuda --ops-only

(``PYTORCH_NO_CUDA_MEMORY_CACHING=1``: every tensor is its own cudaMalloc, so memcheck sees
an access past a tensor's end instead of inside the caching allocator's larger block.)

Every output and gradient must be finite and each call must complete; the device is
synchronised after each call so an error is attributed to it. Prints one line per call and
``sanitize_kernels: N calls, M failed``; exit status 1 if any failed. ``--device cpu`` runs
the same calls on the CPU (a dry run of the script).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel_calls  # noqa: E402

_DTYPES = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "bfloat16": torch.bfloat16}


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda", help="cuda (default) or cpu (dry run)")
    p.add_argument("--ops-only", action="store_true", help="only the ops, not the models (racecheck: the slow tool)")
    p.add_argument("--dtypes", nargs="+", choices=tuple(_DTYPES), default=None, help="default: every dtype of each call")
    p.add_argument("--layouts", nargs="+", choices=kernel_calls.LAYOUTS, default=None)
    p.add_argument("--match", default=None, help="only calls whose name contains this text")
    p.add_argument("--time-budget", type=float, default=None, metavar="S", help="start no new call after S seconds")
    p.add_argument("--json", type=Path, default=None, help="write the per-call results here")
    return p.parse_args(argv)


def _device(text: str) -> torch.device:
    from srgan_cpp.cli import UsageError, parse_device

    try:
        return parse_device(text, "--device")
    except UsageError as e:
        print(f"sanitize_kernels: error: {e}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    device = _device(args.device)
    deadline = None if args.time_budget is None else time.monotonic() + args.time_budget
    calls = [c for c in kernel_calls.CALLS if not (args.ops_only and c.name.startswith("model "))]
    if args.match:
        calls = [c for c in calls if args.match in c.name]
    todo = [(c, d, lay) for c, d, lay in kernel_calls.cases(calls)
            if (args.dtypes is None or str(d).replace("torch.", "") in args.dtypes)
            and (args.layouts is None or lay in args.layouts)]
    # float32 NCHW of every call first: a run cut by --time-budget has covered every kernel once
    todo.sort(key=lambda t: (t[1] != torch.float32 or t[2] != "contiguous"))
    results: List[Dict[str, Any]] = []
    failed = skipped = 0
    t0 = time.monotonic()
    for call, dtype, layout in todo:
        cid = kernel_calls.case_id(call, dtype, layout)
        if deadline is not None and time.monotonic() >= deadline:
            skipped += 1
            results.append({"call": cid, "status": "skipped (time budget)"})
            continue
        start = time.perf_counter()
        try:
            out = kernel_calls.run_call(call, device, dtype, layout)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            bad = [k for k, v in out.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
            status = "ok" if not bad else f"non-finite: {', '.join(bad)}"
        except Exception as exc:  # noqa: BLE001 - every failure is reported, the run goes on
            status = f"error: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            traceback.print_exc(limit=3)
            if device.type == "cuda":
                try:
                    torch.cuda.synchronize(device)
                except Exception:  # noqa: BLE001 - a sticky CUDA error: later calls report it too
                    pass
        failed += status != "ok"
        ms = (time.perf_counter() - start) * 1e3
        results.append({"call": cid, "status": status, "ms": round(ms, 2)})
        print(f"{'ok  ' if status == 'ok' else 'FAIL'} {cid} ({ms:.1f} ms){'' if status == 'ok' else ': ' + status}",
              flush=True)
    summary = {"device": str(device), "calls": len(todo), "failed": failed, "skipped": skipped,
               "seconds": round(time.monotonic() - t0, 1), "results": results}
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(f"sanitize_kernels: {len(todo)} calls on {device}, {failed} failed, {skipped} skipped for time, "
          f"{summary['seconds']} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
