"""Real short runs of the shipped ``*_tiny`` training recipes on the bundled photographs.

For each tiny recipe: ``srgan_cpp.train.Trainer`` runs all its stages on four bundled
photographs and validates on the held-out one (astronaut) before training and at the end
of every stage (Y-channel PSNR, ``scale`` pixels of border cropped, through
``srgan_cpp.evaluate``). Recorded: PSNR before / after, the bicubic baseline, iterations,
wall time. The "after" of ``psrgan_tiny`` is its one-channel (gray) model on the gray
photograph - the transfer-learning target - while "before" is the untrained RGB model.

Usage::

    python benchmarks/run_tiny_recipes.py [--recipes srcnn_tiny,esrgan_tiny] [--out FILE] [--amp bf16]
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
from srgan_cpp.train import Trainer, load_config, recipes  # noqa: E402


def run_one(name: str, folder: str, amp: Optional[str], overrides: List[str]) -> Dict[str, Any]:
    cfg = load_config(f"recipe:{name}", overrides)
    metric = cfg.val.metric() if cfg.val is not None else "psnr_y"
    t0, c0 = time.perf_counter(), time.process_time()
    result = Trainer(cfg, out_dir=os.path.join(folder, name), amp=amp, progress=False).fit()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    first, last = result.first_val or {}, result.last_val or {}
    return {
        "recipe": name, "metric": metric, "iterations": result.iterations, "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "before": first.get(metric), "after": last.get(metric), "bicubic": last.get(f"bicubic/{metric}"),
        "gain_over_before_db": (last[metric] - first[metric]) if metric in first and metric in last else None,
        "stages": [{"name": s.name, "iterations": s.iterations} for s in cfg.stages],
        "amp": amp or cfg.amp, "bad_steps": result.bad_steps,
    }


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--recipes", default=",".join(n for n in recipes.names() if n.endswith("_tiny")))
    p.add_argument("--out", default=str(_HERE / "results" / "cpu_train_tiny.json"))
    p.add_argument("--amp", choices=["off", "bf16"], default=None)
    p.add_argument("--set", dest="overrides", action="append", default=[], help="override for every recipe")
    p.add_argument("--keep", metavar="DIR", help="keep the run folders here (default: a temporary folder)")
    args = p.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or tmp
        for name in args.recipes.split(","):
            row = run_one(name.strip(), folder, args.amp, args.overrides)
            print(json.dumps(row), flush=True)
            rows.append(row)
    report = {"benchmark": "train_tiny_recipes", "machine": harness.machine_info(torch.device("cpu")),
              "note": "shared 2-core machine: wall times include other jobs' load; cpu_seconds is this "
                      "process's own CPU time (all its threads)", "results": rows}
    harness.write_json(Path(args.out), report)
    return report


if __name__ == "__main__":
    main()
