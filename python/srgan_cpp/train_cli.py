"""``srgan-cpp train``: run a training configuration, a BasicSR option file or a recipe.

    srgan-cpp train CONFIG [--set key.path=value ...] [--resume auto|PATH] [--out DIR]
                    [--device cpu|cuda|cuda:N] [--amp off|bf16|fp16] [--dry-run]
    srgan-cpp train --recipe esrgan_tiny
    srgan-cpp train --list-recipes
    torchrun --nproc_per_node N -m srgan_cpp train CONFIG
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any


HELP = "train a super-resolution model (srgan_cpp config, BasicSR options or a shipped recipe)"
DESCRIPTION = ("Trains the stages of a configuration: srgan_cpp's YAML/JSON format, a BasicSR training option file "
               "(network_g, train, datasets, ...) run as it is, or a recipe shipped with srgan_cpp. See "
               "docs/training.md. With torchrun, every process trains a slice of each batch (DDP).")


def add_parser(sub: Any) -> None:
    """Adds ``srgan-cpp train``."""
    p = sub.add_parser("train", help=HELP, description=DESCRIPTION)
    p.add_argument("config", nargs="?", metavar="CONFIG", help="configuration file (.yml / .yaml / .json)")
    p.add_argument("--recipe", metavar="NAME", help="a shipped recipe instead of CONFIG (see --list-recipes)")
    p.add_argument("--list-recipes", action="store_true", help="print the shipped recipes and exit")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting, in the file's own keys, e.g. stages.0.iterations=100 or, for a BasicSR "
                        "file, train.total_iter=100 (repeatable; VALUE is read as YAML)")
    p.add_argument("--resume", metavar="auto|PATH",
                   help="continue a run: 'auto' = the newest complete checkpoint of the run folder (a new run if "
                        "none), or a checkpoint folder / run folder")
    p.add_argument("--out", metavar="DIR", help="run folder (default: <output_dir>/<name>, like BasicSR's "
                                                  "experiments/<name>)")
    p.add_argument("--device", metavar="DEVICE", help="cpu, cuda or cuda:N (default: the configuration's `device`)")
    p.add_argument("--amp", choices=["off", "bf16", "fp16"], help="mixed precision (fp16 needs CUDA)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the configuration, data, networks and folders, print a summary, train nothing")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .cli import RunFailed, UsageError, check_input_file, check_output_dir, parse_device
    from .train import Trainer, TrainingError, load_config, recipes

    if args.list_recipes:
        for name in recipes.names():
            print(f"{name:18s} {recipes.summary(name)}")
        return 0
    if (args.config is None) == (args.recipe is None):
        raise UsageError("CONFIG", "give either CONFIG or --recipe NAME")
    if args.recipe is not None and args.recipe not in recipes.names():
        raise UsageError("--recipe", f"no recipe {args.recipe!r} (recipes: {', '.join(recipes.names())})")
    if args.config is not None:
        check_input_file(args.config, "CONFIG")
    device = None if args.device is None else str(parse_device(args.device, "--device"))
    if args.out is not None:
        check_output_dir(args.out, "--out")
    cfg = load_config(args.config if args.config else f"recipe:{args.recipe}", args.overrides)
    trainer = Trainer(cfg, out_dir=args.out, resume=args.resume, device=device, amp=args.amp,
                      progress=False if args.quiet else None)
    if args.dry_run:
        summary = trainer.dry_run()
        for w in summary.pop("warnings", []):
            print(f"srgan-cpp train: warning: {w}", file=sys.stderr)
        print(json.dumps(summary, indent=2))
        print("srgan-cpp train: dry run: everything checked, nothing trained or written", file=sys.stderr)
        return 0
    try:
        result = trainer.fit()
    except TrainingError as e:
        raise RunFailed(str(e)) from e
    if trainer.is_main:
        parts = [f"{result.iterations} iterations in {result.seconds:.1f} s", f"run folder {result.run_dir}"]
        if result.first_val and result.last_val and trainer.config.val is not None:
            m = trainer.config.val.metric()
            parts.append(f"{m} {result.first_val[m]:.3f} -> {result.last_val[m]:.3f} "
                         f"(bicubic {result.last_val.get('bicubic/' + m, float('nan')):.3f})")
        print("srgan-cpp train: done: " + ", ".join(parts), file=sys.stderr)
    return 0
