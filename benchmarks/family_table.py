"""The model-family table of docs/family.md: parameters, GFLOPs at a 320x180 LR input,
CPU inference time, and the PSNR of the tiny-recipe run (from family_tiny_train.py's JSON).

Every model at its paper configuration for x4 (EDSR: BasicSR's baseline, RGB; the others
on the Y channel). GFLOPs = 2 x multiply-adds of the convolutions (and transposed
convolutions) of one forward producing 1280x720 from 320x180, counted by
``torch.utils.flop_counter.FlopCounterMode`` on the running C++ model at 1/10 of each side
and scaled by 100 (every layer's cost is proportional to the pixel count: "same" padding
throughout); models that restore the bicubic-upscaled image run at 1280x720. Element-wise
ops (activations, the LISTA shrinkage, skips) are not counted. CPU time: median of
``--repeats`` forwards producing 160x96 from 40x24 on one thread (process CPU time), eval
mode, no_grad, float32.

Usage::

    python benchmarks/family_table.py [--models SCN,VDSR] [--repeats 3] [--tiny-json PATH ...] [--out PATH]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import harness  # noqa: E402
from srgan_cpp import models  # noqa: E402

SCALE = 4
LR_FLOPS = (18, 32)    # (H, W) counted; x10 per side = 180 x 320
LR_TIME = (24, 40)     # (H, W) timed: output 96 x 160

#: name -> (constructor, input channels, takes the bicubic-upscaled image, configuration)
MODELS: Dict[str, Tuple[Callable[[], nn.Module], int, bool, str]] = {
    "SRCNN": (lambda: models.SRCNN(1, (64, 32), "9-5-5"), 1, True, "9-5-5, 64/32 filters"),
    "SCN": (lambda: models.SCN(), 1, True, "m_y 100, n 128, 9x9 / 5x5 patches, k = 1"),
    "FSRCNN": (lambda: models.FSRCNN(d=56, s=12, m=4, scale=SCALE), 1, False, "(56, 12, 4), x4"),
    "DRCN": (lambda: models.DRCN(), 1, True, "D = 16, 256 filters"),
    "VDSR": (lambda: models.VDSR(), 1, True, "20 layers, 64 filters"),
    "LapSRN": (lambda: models.LapSRN(scale=SCALE), 1, False, "x4: 2 levels of depth 10, 64 filters"),
    "EDSR": (lambda: models.EDSR(num_feat=64, num_block=16, upscale=SCALE), 3, False,
             "baseline: 16 blocks, 64 filters, x4, RGB"),
}


def _input(model_in: int, hw: Tuple[int, int], bicubic: bool) -> torch.Tensor:
    h, w = (hw[0] * SCALE, hw[1] * SCALE) if bicubic else hw
    return torch.rand(1, model_in, h, w, generator=torch.Generator().manual_seed(0))


def gflops(model: nn.Module, in_ch: int, bicubic: bool) -> float:
    x = _input(in_ch, LR_FLOPS, bicubic)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(x)
    return counter.get_total_flops() * 100 / 1e9


def cpu_ms(model: nn.Module, in_ch: int, bicubic: bool, repeats: int) -> Tuple[float, List[float]]:
    """Median CPU time of one forward on one thread (``time.process_time``: the work done,
    robust to other jobs on a shared machine, unlike wall time), and the samples."""
    x = _input(in_ch, LR_TIME, bicubic)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            model(x)  # warm-up
            samples = []
            for _ in range(repeats):
                t = time.process_time()
                model(x)
                samples.append((time.process_time() - t) * 1e3)
    finally:
        torch.set_num_threads(threads)
    return statistics.median(samples), samples


def markdown_rows(rows: Sequence[Dict[str, Any]]) -> List[str]:
    """The docs/family.md table, one row per model."""
    out = ["| model | configuration | input | parameters | GFLOPs (320x180 -> x4) | CPU ms, 1 thread (40x24 -> x4) | "
           "tiny PSNR Y (bicubic), CPU s |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        t = r.get("tiny")
        psnr = (f"{t['psnr_y']:.2f} ({t['psnr_y_bicubic']:.2f}, {t['gain_db']:+.2f} dB), {t['train_cpu_seconds']:.0f} s"
                if t else "not run")
        out.append(f"| {r['model']} | {r['config']} | {'bicubic-upscaled' if r['bicubic_input'] else 'LR'} | "
                   f"{r['num_params']:,} | {r['gflops_320x180_x4']:.1f} | {r['cpu_ms_40x24_x4']:.0f} | {psnr} |")
    return out


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--tiny-json", nargs="*", default=sorted(str(f) for f in (_HERE / "results").glob(
        "cpu_family_tiny_train*.json")), help="family_tiny_train.py reports (default: benchmarks/results/)")
    p.add_argument("--out", default=str(_HERE / "results" / "cpu_family_table.json"))
    p.add_argument("--reuse", default=None, help="a previous report: keep its measurements, attach the tiny runs")
    args = p.parse_args(argv)
    names = [n for n in args.models.split(",") if n]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        p.error(f"--models: unknown {unknown}; known: {sorted(MODELS)}")
    tiny: Dict[str, Any] = {}
    for path in args.tiny_json:
        tiny.update({r["model"]: r for r in json.loads(Path(path).read_text())["runs"]})
    if args.reuse:
        old = json.loads(Path(args.reuse).read_text())
        rows = [dict(r, tiny=tiny.get(r["model"])) for r in old["rows"]]
        print("\n".join(markdown_rows(rows)))
        report = dict(old, rows=rows)
        harness.write_json(Path(args.out), report)
        return report
    rows = []
    for name in names:
        make, in_ch, bicubic, config = MODELS[name]
        torch.manual_seed(0)
        model = make().eval()
        ms, samples = cpu_ms(model, in_ch, bicubic, args.repeats)
        row = {"model": name, "config": config, "bicubic_input": bicubic,
               "num_params": sum(q.numel() for q in model.parameters()),
               "gflops_320x180_x4": round(gflops(model, in_ch, bicubic), 2),
               "cpu_ms_40x24_x4": round(ms, 1), "cpu_ms_samples": [round(s, 1) for s in samples],
               "tiny": tiny.get(name)}
        rows.append(row)
        print(f"{name}: {row['num_params']:,} params, {row['gflops_320x180_x4']} GFLOPs, {ms:.0f} ms", flush=True)
    print("\n".join(markdown_rows(rows)))
    report = {"benchmark": "family_table", "machine": harness.machine_info(torch.device("cpu")),
              "threads": torch.get_num_threads(), "rows": rows}
    harness.write_json(Path(args.out), report)
    return report


if __name__ == "__main__":
    main()
