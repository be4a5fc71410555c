"""The model family's table (docs/family.md): parameters, GFLOPs at a 320x180 LR input, CPU
inference time and the PSNR of the tiny-recipe run, one row per model.

Every model is built at its paper configuration for x4 (random weights; EDSR, RCAN, RDN,
PAN on RGB, the others on the Y channel as their papers) and:

- **parameters**: ``sum(p.numel())``;
- **GFLOPs**: of one forward producing 1280x720 from a 320x180 (W x H) LR image - 2 per
  multiply-add of the convolutions and transposed convolutions, counted by
  ``torch.utils.flop_counter.FlopCounterMode`` on the running C++ model at 1/10 of each side
  and multiplied by 100 (every counted layer's cost is proportional to the pixel count:
  "same" padding throughout). Models that restore the bicubic-upscaled image (SRCNN, SCN,
  DRCN, VDSR, DRRN) run at 1280x720. Element-wise work, pooling, interpolation, pixel
  shuffle and the fused ops (LISTA shrinkage, channel / pixel attention) are not counted;
- **CPU ms**: median of ``--repeats`` forwards producing 160x96 from a 40x24 LR image (the
  pre-upsampling models: on the 160x96 bicubic image), eval mode, ``torch.no_grad()``,
  float32, after one warm-up call, on ONE thread, in process CPU time
  (``time.process_time``: the work done, steadier than wall time on a shared machine). The
  input is small so that the slowest models (DRCN, DRRN: minutes at 320x180 on one thread)
  fit a benchmark run; the time scales about linearly with the pixels;
- **tiny PSNR**: the row of ``benchmarks/run_tiny_recipes.py``'s JSON (``--tiny-json``) whose
  recipe trains this architecture: Y PSNR / SSIM of the held-out photograph against
  bicubic, iterations and CPU seconds.

Usage::

    python benchmarks/bench_family.py [--models SCN,VDSR] [--repeats 3] [--tiny-json PATH] [--quick] [--out PATH]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import harness  # noqa: E402
from srgan_cpp import models  # noqa: E402

SCALE = 4
LR_FLOPS = (18, 32)  # (H, W) counted; x10 per side = 180 x 320
LR_TIME = (24, 40)   # (H, W) timed: output 96 x 160
QUICK_LR = (6, 8)    # --quick: both


@dataclass(frozen=True)
class Row:
    """One model of the table: its registry name and paper configuration, its channels,
    whether it takes the bicubic-upscaled image, and a tiny configuration for ``--quick``."""

    model: str
    kwargs: Mapping[str, Any]
    config: str
    channels: int
    pre_upsampled: bool
    quick_kwargs: Mapping[str, Any]


ROWS: Dict[str, Row] = {r.model: r for r in [
    Row("SRCNN", dict(in_channels=1, features=(64, 32), kernel_sizes="9-5-5"), "9-5-5, 64/32 filters", 1, True,
        dict(in_channels=1, features=(4, 2))),
    Row("SCN", dict(), "m_y 100, n 128, 9x9 / 5x5 patches, k = 1", 1, True,
        dict(num_filters=4, code_size=4)),
    Row("FSRCNN", dict(d=56, s=12, m=4, scale=SCALE), "(56, 12, 4)", 1, False, dict(d=4, s=2, m=1, scale=SCALE)),
    Row("DRCN", dict(), "D = 16, 256 filters", 1, True, dict(num_features=4, num_recursions=2)),
    Row("VDSR", dict(), "20 layers, 64 filters", 1, True, dict(num_features=4, num_layers=3)),
    Row("LapSRN", dict(scale=SCALE), "2 levels of depth 10, 64 filters", 1, False,
        dict(num_features=4, depth=1, scale=SCALE)),
    Row("DRRN", dict(), "B1U25, 128 filters", 1, True, dict(num_feat=4, num_units=2)),
    Row("EDSR", dict(num_feat=64, num_block=16, upscale=SCALE), "baseline: 16 blocks, 64 features", 3, False,
        dict(num_feat=4, num_block=1, upscale=SCALE)),
    Row("RDN", dict(upscale=SCALE), "D = 16, C = 8, G = 64, G0 = 64", 3, False,
        dict(num_features=4, num_blocks=1, num_layers=1, growth_rate=2, upscale=SCALE)),
    Row("RCAN", dict(upscale=SCALE), "10 groups x 20 RCABs, 64 features, r = 16", 3, False,
        dict(num_feat=4, num_group=1, num_block=1, squeeze_factor=2, upscale=SCALE)),
    Row("PAN", dict(scale=SCALE), "nf 40, unf 24, 16 SCPA blocks", 3, False, dict(nf=4, unf=2, nb=1, scale=SCALE)),
]}


def _input(row: Row, lr_hw: Tuple[int, int]) -> torch.Tensor:
    h, w = (lr_hw[0] * SCALE, lr_hw[1] * SCALE) if row.pre_upsampled else lr_hw
    return torch.rand(1, row.channels, h, w, generator=torch.Generator().manual_seed(0))


def gflops(model: nn.Module, row: Row, lr_hw: Tuple[int, int], factor: float) -> float:
    """Counted FLOPs of one forward on ``lr_hw`` times ``factor`` (the pixel ratio), in GFLOPs."""
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(_input(row, lr_hw))
    return counter.get_total_flops() * factor / 1e9


def cpu_ms(model: nn.Module, row: Row, lr_hw: Tuple[int, int], repeats: int) -> Tuple[float, List[float], List[int]]:
    """Median process CPU time of one forward on one thread, the samples and the output shape."""
    x = _input(row, lr_hw)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            out = model(x)  # warm-up (allocator, oneDNN primitives)
            samples = []
            for _ in range(repeats):
                t = time.process_time()
                model(x)
                samples.append((time.process_time() - t) * 1e3)
    finally:
        torch.set_num_threads(threads)
    return statistics.median(samples), samples, list(out.shape)


def tiny_rows(paths: Sequence[str]) -> Dict[str, Dict[str, Any]]:
    """run_tiny_recipes.py rows by the architecture their recipe trains (a later file wins)."""
    out: Dict[str, Dict[str, Any]] = {}
    for path in paths:
        for r in json.loads(Path(path).read_text())["results"]:
            if r.get("model"):
                out[r["model"]] = r
    return out


def _tiny_cell(t: Optional[Mapping[str, Any]]) -> str:
    if not t or t.get("psnr_y_after") is None:
        return "not run"
    return (f"{t['psnr_y_after']:.2f} / {t['ssim_y_after']:.4f} (bicubic {t['psnr_y_bicubic']:.2f} / "
            f"{t['ssim_y_bicubic']:.4f}, {t['psnr_y_after'] - t['psnr_y_bicubic']:+.2f} dB): `{t['recipe']}` x"
            f"{t['scale']}, {t['iterations']} its, {t['cpu_seconds']:.0f} CPU s")


def markdown_rows(rows: Sequence[Mapping[str, Any]]) -> List[str]:
    """The docs/family.md table, one row per model."""
    out = ["| model | configuration | input | parameters | GFLOPs (320x180 -> x4) | CPU ms, 1 thread (40x24 -> x4) | "
           "tiny recipe: PSNR / SSIM Y on astronaut |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        inp = ("bicubic-upscaled " if r["pre_upsampled"] else "LR ") + ("Y" if r["channels"] == 1 else "RGB")
        out.append(f"| {r['model']} | {r['config']} | {inp} | {r['params']:,} | {r['gflops_320x180']:.1f} | "
                   f"{r['cpu_ms']:.0f} | {_tiny_cell(r.get('tiny'))} |")
    return out


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(ROWS), help="comma-separated subset of: " + ", ".join(ROWS))
    p.add_argument("--repeats", type=int, default=3, help="timed calls per model (after one warm-up)")
    p.add_argument("--tiny-json", nargs="*", default=[str(_HERE / "results" / "cpu_train_tiny_family.json")],
                   help="run_tiny_recipes.py reports whose rows fill the tiny-recipe column (missing files: none)")
    p.add_argument("--quick", action="store_true", help="tiny models and inputs: checks that the script runs")
    p.add_argument("--out", type=Path, default=None, help="JSON path (default benchmarks/results/cpu_family.json)")
    args = p.parse_args(argv)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in ROWS]
    if unknown:
        p.error(f"--models: unknown {unknown}; choose from {list(ROWS)}")
    if args.repeats < 1:
        p.error("--repeats: must be >= 1")
    tiny = tiny_rows([t for t in args.tiny_json if Path(t).is_file()])
    flops_hw, time_hw = (QUICK_LR, QUICK_LR) if args.quick else (LR_FLOPS, LR_TIME)
    factor = (180 * 320) / (flops_hw[0] * flops_hw[1])
    rows = []
    for name in names:
        row = ROWS[name]
        kwargs = dict(row.quick_kwargs if args.quick else row.kwargs)
        torch.manual_seed(0)
        model = models.registry.build(name, **kwargs).eval()
        ms, samples, out_shape = cpu_ms(model, row, time_hw, args.repeats)
        r = {"model": name, "config": row.config, "kwargs": kwargs, "scale": SCALE, "channels": row.channels,
             "pre_upsampled": row.pre_upsampled, "params": sum(q.numel() for q in model.parameters()),
             "gflops_320x180": round(gflops(model, row, flops_hw, factor), 4),
             "time_input": list(_input(row, time_hw).shape), "time_output": out_shape,
             "cpu_ms": round(ms, 2), "cpu_ms_samples": [round(s, 2) for s in samples], "tiny": tiny.get(name)}
        rows.append(r)
        print(f"{name:7s} {r['params']:>11,d} params  {r['gflops_320x180']:>9.1f} GFLOPs  {ms:>9.1f} ms", flush=True)
    table = markdown_rows(rows)
    print("\n".join(table))
    report = {"schema_version": 2, "benchmark": "family", "machine": harness.machine_info(torch.device("cpu")),
              "config": {"scale": SCALE, "flops_lr_hw": list(flops_hw), "flops_factor": factor,
                         "time_lr_hw": list(time_hw), "time_threads": 1, "time_clock": "process_time",
                         "repeats": args.repeats, "quick": args.quick, "tiny_json": args.tiny_json},
              "note": "shared 2-core machine (other jobs running): CPU ms are process CPU time on one thread",
              "rows": rows, "markdown": table}
    out = args.out or _HERE / "results" / f"cpu_family{'-quick' if args.quick else ''}.json"
    harness.write_json(out, report)
    print(f"wrote {out}")
    return report


if __name__ == "__main__":
    main()
