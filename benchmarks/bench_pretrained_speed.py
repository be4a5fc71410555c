"""CPU time of upscaling a 1920x1080 photograph x4 with the shipped default model, side by side
with what a Real-ESRGAN user runs today.

Cases (one real 1920x1080 photograph: Plasma's "Evening Glow" wallpaper, fetched from the
Debian package by the photo-set script's cache, or ``--photo FILE``):

(the wallpaper's 2560x1600 file, its centre 2560x1440 downscaled to 1920x1080 with MATLAB
bicubic: the package's "1920x1080" file is a link to the 2560x1600 one)

* ``ours_auto / <default>``: ``srgan_cpp.upscale.Upscaler(<default>)`` with its automatic
  precision and tiles - exactly what ``srgan-cpp upscale photo.jpg`` runs; the same for
  ``--also`` models (default: ``srvgg_x4``, the 48-feature model);
* ``peer_fp32 / <model>``: Real-ESRGAN's RealESRGANer method (``realesrganer_reference``)
  on the same weights in the plain-PyTorch architecture (``pytorch_twin``), fp32 (its CPU
  mode), tile 256;
* the same two for the realesr-general-x4v3 architecture (SRVGGNetCompact 64 features,
  32 convs; seeded random weights: speed does not depend on the weights, and those weights
  cannot be downloaded here) - the compact model Real-ESRGAN ships;
* ``train_step_1_thread``: one training step of the photo_x4 recipe (batch 16 of 32 px LR,
  L1, Adam, one thread) for 48x16 (ours), 64x16 and 64x32 (features x convs): how many
  iterations each gets in the same CPU time;
* ``cli``: the whole command (``srgan-cpp upscale FILE -o DIR -m <default>``), reading and
  writing the files, each run in a fresh process (``--repeats`` runs, the median reported).

Round-robin samples, medians; JSON with the machine (``benchmarks/harness.py``):
``benchmarks/results/cpu_pretrained_speed.json``.

    python benchmarks/bench_pretrained_speed.py [--repeats 3] [--threads N] [--photo FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
from bench_upscale import make_impl  # noqa: E402

import srgan_cpp  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PHOTO_IN_DEB = "usr/share/wallpapers/EveningGlow/contents/images/2560x1600.jpg"


def load_photo(path: Optional[str], cache: Path) -> "tuple[np.ndarray, str]":
    """The 1920x1080 RGB photograph and its file (``path``, or from the photo set's cached Debian package)."""
    from srgan_cpp.data.photo_set import _deb_members
    from srgan_cpp.image import load_image

    if path is None:
        debs = sorted((cache / "debs").glob("plasma-workspace-wallpapers_*.deb"))
        if not debs:
            raise SystemExit("bench_pretrained_speed: run `python -m srgan_cpp.data.photo_set` first, or pass --photo")
        from PIL import Image

        from srgan_cpp.data import imresize

        data = _deb_members(debs[-1], [PHOTO_IN_DEB])[PHOTO_IN_DEB]
        full = np.asarray(Image.open(__import__("io").BytesIO(data)).convert("RGB"))  # 2560x1600
        top = (full.shape[0] - 1440) // 2
        img = imresize(np.ascontiguousarray(full[top:top + 1440]), size=(1080, 1920))  # 16:9 crop, MATLAB bicubic
        path = str(Path(tempfile.mkdtemp()) / "evening_glow_1920x1080.png")
        Image.fromarray(img).save(path)
    img = load_image(path, mode="RGB")
    if img.shape[:2] != (1080, 1920):
        raise SystemExit(f"bench_pretrained_speed: {path} is {img.shape[1]}x{img.shape[0]}, expected 1920x1080")
    return img, path


def general_x4v3_arch() -> torch.nn.Module:
    torch.manual_seed(0)
    return srgan_cpp.models.SRVGGNetCompact(num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=32, upscale=4,
                                            act_type="prelu").eval()


#: The compact architectures compared for the default model: ours, realesr-animevideov3's
#: size and realesr-general-x4v3's size (SRVGGNetCompact features, convs).
ARCHS = {"48x16 (srvgg_x4)": (48, 16), "64x16 (srvgg64_x4, realesr-animevideov3 size)": (64, 16),
         "64x32 (realesr-general-x4v3 size)": (64, 32)}


def train_steps(repeats: int = 5) -> List[Dict[str, Any]]:
    """Seconds of one training step (L1, Adam, batch 16 of 32 px LR patches, one thread,
    channels_last, as the photo_x4 recipe runs) per architecture, round-robin medians."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    steps = {}
    for name, (nf, nc) in ARCHS.items():
        torch.manual_seed(0)
        m = srgan_cpp.models.SRVGGNetCompact(num_in_ch=3, num_out_ch=3, num_feat=nf, num_conv=nc, upscale=4,
                                             act_type="prelu").to(memory_format=torch.channels_last)
        opt = torch.optim.Adam(m.parameters(), 1e-4)
        x = torch.rand(16, 3, 32, 32).to(memory_format=torch.channels_last)
        y = torch.rand(16, 3, 128, 128)

        def step(m=m, opt=opt, x=x, y=y) -> None:
            opt.zero_grad()
            (m(x) - y).abs().mean().backward()
            opt.step()
        step()
        steps[name] = (step, sum(p.numel() for p in m.parameters()))
    samples: Dict[str, List[float]] = {n: [] for n in steps}
    for _ in range(repeats):
        for n, (fn, _) in steps.items():
            t0 = time.perf_counter()
            fn()
            samples[n].append(time.perf_counter() - t0)
    torch.set_num_threads(threads)
    base = statistics.median(samples[next(iter(ARCHS))])
    return [{"architecture": n, "num_feat": ARCHS[n][0], "num_conv": ARCHS[n][1], "parameters": steps[n][1],
             "seconds": samples[n], "median_s": statistics.median(samples[n]),
             "steps_per_srvgg_x4_step": base / statistics.median(samples[n])} for n in steps]


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--photo", default=None, help="a 1920x1080 photograph (default: from the photo set's cache)")
    p.add_argument("--cache", default="datasets/photo_set")
    p.add_argument("--tile", type=int, default=256, help="the peer's tile (RealESRGANer --tile)")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "cpu_pretrained_speed.json"))
    p.add_argument("--note", default="", help="what else ran on the machine (recorded in the JSON)")
    p.add_argument("--also", action="append", default=None, metavar="NAME",
                   help="another shipped model to time beside the default (repeatable; default: srvgg_x4)")
    args = p.parse_args(argv)
    load_before = os.getloadavg()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cpu")
    img, photo_path = load_photo(args.photo, Path(args.cache))
    default = srgan_cpp.models.default_model()
    models = {default: srgan_cpp.models.pretrained(default)}
    for name in (["srvgg_x4"] if args.also is None else args.also):
        if name != default:
            models[name] = srgan_cpp.models.pretrained(name)
    models["realesr-general-x4v3 architecture"] = general_x4v3_arch()
    impls = {}
    for mname, model in models.items():
        for iname in ("ours_auto", "peer_fp32"):
            impls[(mname, iname)] = make_impl(iname, model, args.tile, device)
    samples: Dict[Any, List[float]] = {k: [] for k in impls}
    outputs: Dict[Any, np.ndarray] = {}
    for r in range(args.repeats):
        for key, fn in impls.items():
            t0 = time.perf_counter()
            out = fn(img)
            samples[key].append(time.perf_counter() - t0)
            if r == 0:
                outputs[key] = out
            print(f"{key[0]} {key[1]}: {samples[key][-1]:.2f} s", flush=True)
    rows = []
    for (mname, iname), s in samples.items():
        med = statistics.median(s)
        peer = statistics.median(samples[(mname, "peer_fp32")])
        ref = outputs[(mname, "ours_auto")].astype(np.int16)
        rows.append({"model": mname, "implementation": iname, "seconds": s, "median_s": med,
                     "speedup_vs_peer_fp32": peer / med, "output": list(outputs[(mname, iname)].shape),
                     "max_abs_diff_vs_ours_auto": int(np.abs(outputs[(mname, iname)].astype(np.int16) - ref).max())})
    cli_samples: List[float] = []
    for _ in range(args.repeats):  # a fresh process each time: start-up, reading and writing included
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "srgan_cpp", "upscale", photo_path, "-o", tmp, "-m", default, "-q",
                   "--no-progress"]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, env=dict(os.environ))
            cli_samples.append(time.perf_counter() - t0)
    cli_s = statistics.median(cli_samples)
    steps = train_steps()
    up = srgan_cpp.upscale.Upscaler(default, progress=False)
    report = {"schema_version": 1, "benchmark": "pretrained_speed", "machine": harness.machine_info(device),
              "note": args.note,
              # the 1-minute load average before and after: how much else the 2 cores were running
              "load_average_1min": {"before": load_before[0], "after": os.getloadavg()[0]},
              "photo": "Plasma 'Evening Glow' (plasma-workspace-wallpapers, Ian Hex, GPL-2+), centre 2560x1440 of the "
                       "2560x1600 file downscaled to 1920x1080",
              "input": [1920, 1080], "scale": 4, "auto_precision": up.precision, "repeats": args.repeats,
              "results": rows, "train_step_1_thread": steps, "cli_seconds": cli_s,
              "cli_seconds_samples": cli_samples, "cli_command": "srgan-cpp upscale PHOTO -o DIR -m " + default}
    harness.write_json(Path(args.out), report)
    for row in rows:
        print(f"{row['model']:36s} {row['implementation']:10s} {row['median_s']:7.2f} s  "
              f"x{row['speedup_vs_peer_fp32']:.2f} vs peer")
    for row in steps:
        print(f"train step {row['architecture']:36s} {row['median_s']:.3f} s")
    print(f"cli (median of {len(cli_samples)} fresh processes, files included): {cli_s:.2f} s -> {args.out}")
    return report


if __name__ == "__main__":
    main()
