"""Real short runs of the shipped ``*_tiny`` training recipes on the bundled photographs.

For each tiny recipe: ``srgan_cpp.train.Trainer`` runs all its stages on four bundled
photographs and validates on the held-out one (astronaut) before training and at the end
of every stage (Y-channel PSNR and SSIM, ``scale`` pixels of border cropped, through
``srgan_cpp.evaluate``, MATLAB-bicubic LR). Recorded per recipe: PSNR / SSIM before and
after, the bicubic baseline of both, the model and its parameter count, iterations, wall
time and the process's CPU time (all its threads). The "after" of ``psrgan_tiny`` is its
one-channel (gray) model on the gray photograph - the transfer-learning target - while
"before" is the untrained RGB model.

Runs on ``--threads`` intra-op threads (default 1: steady on a shared machine; on one
thread the CPU time is what an idle core would take in wall time). The rows feed the
"tiny PSNR" column of the family table (benchmarks/bench_family.py).

Usage::

    python benchmarks/run_tiny_recipes.py [--recipes srcnn_tiny,esrgan_tiny] [--out FILE] [--amp bf16] [--threads 1]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import harness  # noqa: E402
import torch  # noqa: E402
from srgan_cpp.train import Trainer, load_config, networks, recipes  # noqa: E402


def run_one(name: str, folder: str, amp: Optional[str], overrides: List[str]) -> Dict[str, Any]:
    cfg = load_config(f"recipe:{name}", overrides)
    metric = cfg.val.metric() if cfg.val is not None else "psnr_y"
    t0, c0 = time.perf_counter(), time.process_time()
    result = Trainer(cfg, out_dir=os.path.join(folder, name), amp=amp, progress=False).fit()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    first, last = result.first_val or {}, result.last_val or {}
    gen = cfg.stages[-1].generator
    row: Dict[str, Any] = {
        "recipe": name, "model": gen.type, "model_kwargs": dict(gen.kwargs), "scale": cfg.scale,
        "input": cfg.stages[-1].data.input, "color": cfg.stages[-1].data.color,
        "num_params": sum(p.numel() for p in networks.build(gen.type, gen.kwargs, "generator").parameters()),
        "metric": metric, "iterations": result.iterations, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
        "before": first.get(metric), "after": last.get(metric), "bicubic": last.get(f"bicubic/{metric}"),
        "gain_over_before_db": (last[metric] - first[metric]) if metric in first and metric in last else None,
        "gain_over_bicubic_db": (last[metric] - last[f"bicubic/{metric}"])
        if metric in last and f"bicubic/{metric}" in last else None,
        "stages": [{"name": s.name, "iterations": s.iterations} for s in cfg.stages],
        "amp": amp or cfg.amp, "bad_steps": result.bad_steps,
    }
    for m in ("psnr_y", "ssim_y"):  # both Y metrics whatever the recipe ranks by
        if m in last:
            row[f"{m}_after"], row[f"{m}_bicubic"] = last[m], last.get(f"bicubic/{m}")
    return row


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--recipes", default=",".join(n for n in recipes.names() if n.endswith("_tiny")))
    p.add_argument("--out", default=str(_HERE / "results" / "cpu_train_tiny.json"))
    p.add_argument("--amp", choices=["off", "bf16"], default=None)
    p.add_argument("--set", dest="overrides", action="append", default=[], help="override for every recipe")
    p.add_argument("--keep", metavar="DIR", help="keep the run folders here (default: a temporary folder)")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads of every run (default 1)")
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error("--threads: expected >= 1")
    unknown = [n for n in args.recipes.split(",") if n.strip() not in recipes.names()]
    if unknown:
        p.error(f"--recipes: unknown {unknown}; recipes: {', '.join(recipes.names())}")
    overrides = [f"threads={args.threads}", *args.overrides]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or tmp
        for name in args.recipes.split(","):
            row = run_one(name.strip(), folder, args.amp, overrides)
            print(json.dumps(row), flush=True)
            rows.append(row)
    report = {"benchmark": "train_tiny_recipes", "machine": harness.machine_info(torch.device("cpu")),
              "threads": args.threads, "held_out": "astronaut",
              "note": "shared 2-core machine: wall times include other jobs' load; cpu_seconds is this "
                      "process's own CPU time (all its threads)", "results": rows}
    harness.write_json(Path(args.out), report)
    return report


if __name__ == "__main__":
    main()
