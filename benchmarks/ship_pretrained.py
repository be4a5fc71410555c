"""Turns a finished `srgan-cpp train` run into a shipped model: fp16 weights, a scored model card.

    python benchmarks/ship_pretrained.py --run experiments/photo_x4 --name srvgg_x4 --default \\
        --task "PSNR-oriented x4 upscaling of photographs" [--checkpoint 6000] [--cpu-log cpu.txt]

1. reads the run's generator (EMA weights, ``models/net_g_<iter>.pth`` or ``net_g_latest.pth``;
   ``--weights FILE`` for another file, e.g. an interpolated one);
2. writes ``python/srgan_cpp/models/weights/<name>.safetensors`` (float16);
3. scores the model *as shipped* (``srgan_cpp.models.pretrained(name)``, fp16 weights in
   float32) and bicubic on the held-out split of the photo set (``datasets/photo_set/val``,
   ``python -m srgan_cpp.data.photo_set``) with ``srgan_cpp.evaluate``: PSNR/SSIM on Y, border =
   scale; a model that does not beat bicubic there is refused (nothing is written);
4. writes the model card ``<name>.json`` beside the weights, copies the run's resolved
   configuration and metrics log to ``benchmarks/results/pretrained/<run>/``, and the
   evaluation with the machine to ``benchmarks/results/pretrained/<name>_eval.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import machine_info  # noqa: E402


def _write_atomic(path: Path, text: str) -> None:
    from srgan_cpp._atomic import atomic_write

    with atomic_write(path) as f:
        f.write(text.encode("utf-8"))


def _weights_file(run: Path, checkpoint: Optional[int], weights: Optional[str]) -> Path:
    if weights is not None:
        return Path(weights)
    name = f"net_g_{checkpoint}.pth" if checkpoint is not None else "net_g_latest.pth"
    path = run / "models" / name
    if not path.is_file():
        raise SystemExit(f"ship_pretrained: {path} does not exist")
    return path


def _generator(path: Path, param_key: Optional[str] = None) -> "tuple[torch.nn.Module, str]":
    """The run's generator - ``param_key``'s weights, else the EMA ones (params_ema) when the
    file has them, else params - and the key used."""
    from srgan_cpp.models import load

    data = torch.load(path, map_location="cpu", weights_only=True)
    key = "state dict"
    for k in ((param_key,) if param_key else ("params_ema", "params")):
        if isinstance(data, dict) and k in data:
            data, key = data[k], k
            break
    return load(data), key


def training_summary(run: Path, upto: Optional[int]) -> Dict[str, Any]:
    """Iterations and seconds of training from the run's metrics.jsonl (resumed runs included:
    the log keeps only the lines up to each resumed checkpoint)."""
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines() if x.strip()]
    train = [x for x in lines if x.get("kind") == "train" and (upto is None or x["iter"] <= upto)]
    seconds = 0.0
    last: Dict[str, int] = {}
    for x in train:
        prev = last.get(x["stage"], x["iter"] - x.get("stage_iter", x["iter"]))
        seconds += x["step_time"] * (x["iter"] - prev)
        last[x["stage"]] = x["iter"]
    stages: Dict[str, int] = {}
    for x in train:
        stages[x["stage"]] = max(stages.get(x["stage"], 0), x["stage_iter"])
    resumes = sum(1 for x in lines if x.get("kind") == "resume")
    return {"iterations": train[-1]["iter"] if train else 0, "stage_iterations": stages,
            "train_step_seconds": round(seconds, 1), "resumes": resumes}


def _cpu_seconds(cpu_logs: List[str]) -> Optional[Dict[str, float]]:
    """The training processes' CPU and wall seconds (summed over the processes of a resumed
    run), each from the last line of its ``date pid times etimes`` log (``ps -o times=,etimes=``
    sampled every 30 s while it ran, so up to 30 s short)."""
    cpu = wall = 0.0
    for log in cpu_logs:
        rows = [r.split() for r in Path(log).read_text().splitlines() if len(r.split()) == 4]
        if rows:
            cpu += float(rows[-1][2])
            wall += float(rows[-1][3])
    return {"process_cpu_seconds": cpu, "process_wall_seconds": wall} if cpu_logs else None


def _trained_splits(run_cfg: Dict[str, Any]) -> List[str]:
    """The photo-set splits (``train``, ``extra``) a run's stages read, from its resolved
    configuration's ``data.train.hr`` folders (named after the split); ``train`` when none
    is recognised (the runs before folder lists existed read ``datasets/photo_set/train``)."""
    from srgan_cpp.data import photo_set

    found: List[str] = []
    for stage in run_cfg.get("stages") or []:
        hr = ((stage.get("data") or {}).get("train") or {}).get("hr")
        for folder in ([hr] if isinstance(hr, str) else hr or []):
            name = Path(folder).name
            if name in photo_set.SPLITS and name != "val" and name not in found:
                found.append(name)
    return found or ["train"]


def _sources(manifest: Dict[str, Any], splits: List[str]) -> str:
    """Where the images of ``splits`` come from, in words."""
    images = [i for i in manifest["images"] if i["split"] in splits]
    debs = sorted({i["package"] for i in images if i["source"] == "debian"})
    parts = [f"Debian 12 wallpaper packages ({', '.join(debs)})"] if debs else []
    if any(i["source"] == "skimage" for i in images):
        parts.append(f"scikit-image {manifest['packages']['scikit-image']['version']} sample photographs")
    return " and ".join(parts)


def _licences(manifest: Dict[str, Any], splits: List[str]) -> str:
    """The licences of the images of ``splits``, with how many images carry each."""
    counts: Dict[str, int] = {}
    for i in manifest["images"]:
        if i["split"] in splits:
            counts[i["licence"]] = counts.get(i["licence"], 0) + 1
    listed = ", ".join(f"{lic} ({n})" for lic, n in sorted(counts.items()))
    return f"{listed}; every image's author and licence is in srgan_cpp/data/photo_set.json"


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="the run folder (experiments/<name>)")
    p.add_argument("--name", required=True, help="the shipped model's name")
    p.add_argument("--task", required=True, help="one line: what the model is for")
    p.add_argument("--recipe", required=True, help="the recipe that trained it (srgan-cpp train --recipe NAME)")
    p.add_argument("--checkpoint", type=int, default=None, help="iteration of models/net_g_<iter>.pth (default: latest)")
    p.add_argument("--weights", default=None, help="a weights file instead (e.g. an interpolated generator)")
    p.add_argument("--param-key", choices=("params", "params_ema"), default=None,
                   help="which weights of a BasicSR-layout file (default: params_ema when present)")
    p.add_argument("--default", action="store_true", help="mark it the default model")
    p.add_argument("--val", default="datasets/photo_set/val", help="the held-out photographs")
    p.add_argument("--cpu-log", action="append", default=[],
                   help="`date pid times etimes` samples of a training process (repeatable: one per process)")
    p.add_argument("--interpolate-with", default=None, metavar="FILE",
                   help="ESRGAN network interpolation: ship (1 - alpha) * FILE's generator + alpha * the run's")
    p.add_argument("--alpha", type=float, default=0.8, help="interpolation weight of the run's generator (default 0.8)")
    p.add_argument("--note", action="append", default=[], help="a line for the card's notes (repeatable)")
    p.add_argument("--from-model", default=None, help="the shipped model it was fine-tuned from")
    p.add_argument("--machine", default="2-core AMD EPYC (AVX-512 BF16) VM shared with other jobs the whole time (nice 10)",
                   help="where and how the training ran (the card's training.machine)")
    p.add_argument("--eval-note", default="the machine was shared with other jobs (load average 2-6 on 2 cores)",
                   help="what else ran while it was scored (the eval JSON's note)")
    args = p.parse_args(argv)

    import srgan_cpp
    from srgan_cpp.data import BenchmarkDataset
    from srgan_cpp.data import photo_set
    from srgan_cpp.models import shipped

    torch.set_num_threads(1)
    run = Path(args.run)
    src = _weights_file(run, args.checkpoint, args.weights)
    model, param_key = _generator(src, args.param_key)
    if args.interpolate_with:
        other, other_key = _generator(Path(args.interpolate_with), args.param_key)
        model = srgan_cpp.models.interpolate(other, model, args.alpha)
        param_key = f"{1 - args.alpha:g} x {args.interpolate_with} ({other_key}) + {args.alpha:g} x {src} ({param_key})"
    desc = srgan_cpp.models.describe(model)
    out_dir = shipped.WEIGHTS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    import tempfile

    card_path = out_dir / f"{args.name}.json"
    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / f"{args.name}.safetensors"
        exported = shipped.export_weights(model, candidate)
        # Score the fp16 file as it will be shipped (built back the way pretrained() does).
        shipped_model = shipped.load_weights_file(candidate)
        channels = desc.in_channels
        report = srgan_cpp.evaluate(shipped_model, [BenchmarkDataset(args.val, scale=desc.scale, channels=channels)],
                                    scale=desc.scale, model_name=args.name, progress=False, print_table=True)
        res = next(iter(report.results.values()))
        if res[args.name]["psnr_y"] > res["bicubic"]["psnr_y"]:
            shutil.copyfile(candidate, out_dir / f"{args.name}.safetensors")
    per_image = next(iter(report.per_image.values()))
    m, b = res[args.name], res["bicubic"]
    if m["psnr_y"] <= b["psnr_y"]:
        print(f"ship_pretrained: {args.name} does not beat bicubic on the held-out split "
              f"({m['psnr_y']:.2f} <= {b['psnr_y']:.2f} dB): not shipped", file=sys.stderr)
        return 1
    manifest = photo_set.load_manifest()
    upto = args.checkpoint
    training = training_summary(run, upto)
    cpu = _cpu_seconds(args.cpu_log)
    if cpu:
        training.update(cpu)
    run_cfg = yaml.safe_load((run / "config_resolved.yml").read_text()) or {}
    threads = int(run_cfg.get("threads") or 1)
    splits = _trained_splits(run_cfg)
    training.update({"threads": threads, "device": "cpu", "weights": param_key,
                     "source_file": os.path.relpath(src, ROOT) if src.is_absolute() else str(src),
                     "machine": args.machine})
    logs = ROOT / "benchmarks" / "results" / "pretrained" / run.name
    logs.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run / "config_resolved.yml", logs / "config_resolved.yml")
    shutil.copyfile(run / "metrics.jsonl", logs / "metrics.jsonl")
    texts = sorted(run.glob("train_*.log"))
    if texts:
        with open(logs / "train.log", "w", encoding="utf-8") as f:
            for t in texts:
                f.write(t.read_text())
    card: Dict[str, Any] = {
        "name": args.name,
        "default": bool(args.default),
        "task": args.task,
        "architecture": exported["architecture"],
        "kwargs": exported["kwargs"],
        "scale": desc.scale,
        "in_channels": desc.in_channels,
        "out_channels": desc.out_channels,
        "parameters": exported["parameters"],
        "weights": {"file": f"{args.name}.safetensors", "dtype": "float16", "bytes": exported["bytes"],
                    "sha256": exported["sha256"]},
        "data": {"manifest": "srgan_cpp/data/photo_set.json", "split": "+".join(splits),
                 "images": sum(len(photo_set.split_names(manifest, sp)) for sp in splits),
                 "sources": _sources(manifest, splits),
                 "prepare": "python -m srgan_cpp.data.photo_set --out datasets/photo_set",
                 "degradation": "MATLAB bicubic downscale (srgan_cpp.data.imresize)"},
        "recipe": args.recipe,
        "command": f"srgan-cpp train --recipe {args.recipe} --out {run.as_posix()} --resume auto",
        "from_model": args.from_model,
        "training": training,
        "logs": os.path.relpath(logs, ROOT),
        "evaluation": {"set": "photo_set val split (5 held-out photographs, 480x480 crops)",
                       "images": photo_set.split_names(manifest, "val"),
                       "protocol": f"LR = MATLAB bicubic x1/{desc.scale}; PSNR/SSIM on Y (BT.601), border {desc.scale}",
                       "model": {k: round(v, 4) for k, v in m.items()},
                       "bicubic": {k: round(v, 4) for k, v in b.items()},
                       "gain_psnr_y_db": round(m["psnr_y"] - b["psnr_y"], 3),
                       "per_image_psnr_y": {n: {"model": round(per_image[args.name][n]["psnr_y"], 3),
                                                "bicubic": round(per_image["bicubic"][n]["psnr_y"], 3)}
                                            for n in per_image[args.name]}},
        "licence": {"weights": "BSD-3-Clause (as srgan_cpp)",
                    "training_images": _licences(manifest, splits),
                    "note": "whether trained weights are a derivative work of their training images is unsettled; "
                            "the images' authors and licences are listed so that users can judge"},
        "notes": args.note,
    }
    shipped.check_card(card, args.name)
    if args.default:
        # One default: the card that had the mark loses it (rewritten atomically).
        for other in sorted(out_dir.glob("*.json")):
            if other != card_path:
                data = json.loads(other.read_text())
                if data.get("default"):
                    data["default"] = False
                    _write_atomic(other, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    _write_atomic(card_path, json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    result = {"schema_version": 1, "benchmark": "pretrained_eval", "machine": machine_info(torch.device("cpu")),
              "note": args.eval_note,
              "model": args.name, "evaluation": report.to_dict(), "card": card}
    (ROOT / "benchmarks" / "results" / "pretrained" / f"{args.name}_eval.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"shipped {args.name}: {m['psnr_y']:.2f} dB vs bicubic {b['psnr_y']:.2f} dB (Y) on the held-out split; "
          f"{exported['bytes'] / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
