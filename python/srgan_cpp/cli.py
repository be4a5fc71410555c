"""The ``srgan-cpp`` command line (also ``python -m srgan_cpp``).

Subcommands:
    demo     train SRCNN on the bundled photographs for a minute and compare it with bicubic
    eval     PSNR/SSIM on benchmark folders (eval_cli.py)
    upscale  upscale images and folders with a model (upscale/cli.py)
    info     describe a model checkpoint (upscale/cli.py)

Adding a subcommand: write a function ``add_parser(subparsers) -> None`` that calls
``subparsers.add_parser(NAME, help=...)``, adds its arguments and sets
``func=handler`` with ``set_defaults``, where ``handler(args) -> int | None`` does the work
(import heavy modules inside the handler, not at the top of the file). Then either
decorate it with :func:`subcommand` in this file, or keep it in its own module and list
``"srgan_cpp.module:add_parser"`` in ``SUBCOMMAND_MODULES`` below (imported when the parser
is built).
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any, Callable, List, Optional, Sequence

AddParser = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

_ADDERS: List[AddParser] = []

#: ``"module:function"`` of subcommand adders that live in other modules.
SUBCOMMAND_MODULES: List[str] = ["srgan_cpp.eval_cli:add_eval_subparser", "srgan_cpp.upscale.cli:add_upscale_parser",
                                  "srgan_cpp.upscale.cli:add_info_parser"]


def subcommand(add_parser: AddParser) -> AddParser:
    """Registers a function that adds one subcommand (see the module docstring)."""
    _ADDERS.append(add_parser)
    return add_parser


def _load_adder(spec: str) -> AddParser:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name or "add_parser")


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every registered subcommand."""
    from . import __version__

    parser = argparse.ArgumentParser(prog="srgan-cpp",
                                     description="srgan_cpp: super-resolution toolkit for PyTorch with a C++ core")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for adder in _ADDERS + [_load_adder(s) for s in SUBCOMMAND_MODULES]:
        adder(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point: parses ``argv`` (default ``sys.argv[1:]``) and runs the subcommand.

    Returns the exit status: 0 on success, 2 for bad arguments, 130 when interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
    except KeyboardInterrupt:
        print("srgan-cpp: interrupted", file=sys.stderr)
        return 130
    except ValueError as e:  # bad argument values found by the library
        print(f"srgan-cpp {args.command}: error: {e}", file=sys.stderr)
        return 2
    return int(status or 0)


# --------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------
def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return v


@subcommand
def _add_demo(sub: Any) -> None:
    p = sub.add_parser("demo", help="train SRCNN on the bundled photographs and compare it with bicubic",
                       description="Trains srgan_cpp.models.SRCNN from scratch on the bundled photographs "
                                   "(one held out) for a fixed wall time, then writes a bicubic | SRCNN | "
                                   "ground-truth comparison PNG and the trained weights, and prints the PSNRs.")
    p.add_argument("--seconds", type=_positive_float, default=60.0, metavar="S",
                   help="maximum training wall time in seconds (default: 60)")
    p.add_argument("--steps", type=int, default=8000, metavar="N",
                   help="training steps; training ends at --steps or --seconds, whichever comes first (default: 8000)")
    p.add_argument("--out", default="demo_out", metavar="DIR", help="output folder (default: demo_out)")
    p.add_argument("--scale", type=int, default=3, choices=range(2, 9), metavar="N",
                   help="upscaling factor, 2..8 (default: 3)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default: 0)")
    p.add_argument("--variant", default="9-1-5", choices=["9-1-5", "9-3-5", "9-5-5"],
                   help="SRCNN kernel sizes (default: 9-1-5)")
    p.add_argument("--device", default="cpu", help="torch device to train on (default: cpu)")
    p.add_argument("--holdout", default="astronaut", metavar="NAME",
                   help="bundled image kept out of training and used for the comparison (default: astronaut)")
    p.add_argument("--quiet", action="store_true", help="print nothing but the final summary line")
    p.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    r = run_demo(seconds=args.seconds, steps=args.steps, out_dir=args.out, scale=args.scale, seed=args.seed, variant=args.variant,
                 device=args.device, holdout=args.holdout, verbose=not args.quiet)
    if args.quiet:
        print(f"bicubic {r['psnr_bicubic']:.2f} dB, SRCNN {r['psnr_srcnn']:.2f} dB ({r['gain_db']:+.2f} dB), "
              f"{r['steps']} steps in {r['train_seconds']:.1f} s -> {r['comparison']}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
