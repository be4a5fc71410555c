"""``srgan-cpp eval``: benchmark evaluation from the command line.

The main CLI registers it with::

    from .eval_cli import add_eval_subparser
    add_eval_subparser(subparsers)          # sets args.func = run_eval_from_args

Examples::

    srgan-cpp eval benchmark/Set5 benchmark/Set14 --scale 4                      # bicubic only
    srgan-cpp eval Set5 --scale 4 --model my_model.ts --device cuda --json out.json
    srgan-cpp eval Set5 --scale 3 --model srgan_cpp.models:SRCNN --weights srcnn.pt \\
        --model-input bicubic --model-channels y

``--model`` is a checkpoint (``.pth``/``.pt``/``.safetensors`` whose architecture
:func:`srgan_cpp.models.load` detects), a TorchScript file (``torch.jit.save``), an exported
program (``.pt2``, ``torch.export.save``), or ``package.module:attr`` naming an ``nn.Module`` instance, an
``nn.Module`` class (instantiated without arguments) or a callable on tensors.
"""
from __future__ import annotations

import argparse
import importlib
import os
from typing import Any, Optional

import torch
from torch import nn

__all__ = ["add_eval_subparser", "run_eval_from_args", "load_model"]


def load_model(spec: str, weights: Optional[str] = None, device: str = "cpu") -> Any:
    """Model from a ``--model`` spec (see the module docstring), weights loaded if given.

    Raises FileNotFoundError / ValueError naming ``--model`` or ``--weights`` on bad input.
    """
    if os.path.isfile(spec):
        if spec.endswith(".pt2"):
            try:
                model: Any = torch.export.load(spec).module()
            except Exception as e:
                raise ValueError(f"--model: {spec!r} is not a loadable torch.export program: {e}") from e
        else:
            try:
                model = torch.jit.load(spec, map_location=device)
            except Exception as e:
                model = _load_checkpoint(spec, e)
    elif ":" in spec and not os.path.splitext(spec)[1]:
        mod_name, _, attr = spec.partition(":")
        try:
            obj: Any = importlib.import_module(mod_name)
        except ImportError as e:
            raise ValueError(f"--model: cannot import module {mod_name!r}: {e}") from e
        for part in attr.split("."):
            if not hasattr(obj, part):
                raise ValueError(f"--model: {mod_name!r} has no attribute {attr!r}")
            obj = getattr(obj, part)
        if isinstance(obj, type) and issubclass(obj, nn.Module):
            obj = obj()
        if not callable(obj):
            raise ValueError(f"--model: {spec!r} is not callable")
        model = obj
    else:
        raise FileNotFoundError(f"--model: {spec!r} is neither an existing model file nor 'package.module:attr'")
    if weights is not None:
        if not isinstance(model, nn.Module):
            raise ValueError("--weights: only an nn.Module can load weights")
        from .models.io import load_state_dict_file

        state = load_state_dict_file(weights)
        try:
            model.load_state_dict(state)
        except Exception as e:
            raise ValueError(f"--weights: {weights!r} does not fit the model: {e}") from e
    return model


def _load_checkpoint(spec: str, script_error: Exception) -> nn.Module:
    """A weights file whose architecture ``srgan_cpp.models.load`` detects (the same
    resolver the upscaler uses); ValueError naming ``--model`` when it is neither this nor
    TorchScript."""
    from .upscale.model_info import resolve_model

    try:
        return resolve_model(spec)
    except ValueError as e:
        raise ValueError(f"--model: {spec!r} is not a TorchScript file (torch.jit.save: {script_error}) nor a "
                         f"checkpoint srgan_cpp can detect ({e})") from e


def add_eval_subparser(subparsers: "argparse._SubParsersAction[Any]") -> argparse.ArgumentParser:
    """Adds the ``eval`` command to a ``parser.add_subparsers()`` object and returns its parser."""
    p = subparsers.add_parser(
        "eval", help="PSNR/SSIM of a model and bicubic on benchmark folders (Set5, Set14, ...)",
        description="Evaluates with the SR papers' protocol: MATLAB bicubic LR, BT.601 Y and RGB, border = scale.")
    p.add_argument("datasets", nargs="+", help="benchmark folders (HR/ + LR_bicubic/X4/, GTmod12/ + LRbicx4/, "
                                               "image_SRF_4/, or HR images only)")
    p.add_argument("--scale", "-s", type=int, required=True, help="upscaling factor (2, 3, 4, ...)")
    p.add_argument("--model", "-m", default=None, help="checkpoint (architecture detected), TorchScript/.pt2 file or "
                                                        "package.module:attr; omit for bicubic only")
    p.add_argument("--weights", default=None, help="state-dict file to load into --model")
    p.add_argument("--name", default=None, help="the model's row in the table (default: from --model)")
    p.add_argument("--model-input", choices=("lr", "bicubic"), default="lr", help="feed the LR image or its bicubic upscale")
    p.add_argument("--model-channels", choices=("rgb", "y"), default="rgb", help="the model works on RGB or on Y only")
    p.add_argument("--crop-border", type=int, default=None, help="pixels cropped from each side (default: the scale)")
    p.add_argument("--channels", choices=("both", "y", "rgb"), default="both", help="metrics on Y, RGB or both")
    p.add_argument("--round-y", action="store_true", help="round Y to integers like MATLAB's rgb2ycbcr on uint8")
    p.add_argument("--image-channels", type=int, choices=(1, 3), default=None, help="convert images to 1 or 3 channels")
    p.add_argument("--regenerate-lr", action="store_true", help="ignore LR files; make LR with MATLAB bicubic")
    p.add_argument("--no-bicubic", action="store_true", help="leave out the bicubic baseline row")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1, ... (default: cuda if available)")
    p.add_argument("--save-dir", default=None, help="write SR images to SAVE_DIR/<dataset>/<image>.png")
    p.add_argument("--json", dest="json_path", default=None, help="write the results as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_eval_from_args)
    return p


def run_eval_from_args(args: argparse.Namespace) -> int:
    """Runs ``srgan-cpp eval`` from parsed arguments; prints the table; returns the exit code (0)."""
    from .evaluation import evaluate

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    model = None
    name = args.name
    if args.model is not None:
        model = load_model(args.model, args.weights, device)
        if name is None:
            base = args.model.rpartition(":")[2] if ":" in args.model and not os.path.isfile(args.model) else args.model
            name = os.path.splitext(os.path.basename(base))[0] or "model"
            if name == "bicubic":
                name = "bicubic-model"
    elif args.weights is not None:
        raise ValueError("--weights needs --model")
    chans = ("y", "rgb") if args.channels == "both" else (args.channels,)
    evaluate(model, args.datasets, args.scale, crop_border=args.crop_border, channels=chans, model_name=name or "model",
             model_input=args.model_input, model_channels=args.model_channels, bicubic=not args.no_bicubic,
             device=device, save_dir=args.save_dir, json_path=args.json_path,
             progress=False if args.no_progress else None, round_y=args.round_y, print_table=True,
             regenerate_lr=args.regenerate_lr, image_channels=args.image_channels)
    return 0


def main(argv: Optional[list] = None) -> int:
    """Stand-alone entry point (``python -m srgan_cpp.eval_cli eval ...``) until the main CLI registers it."""
    parser = argparse.ArgumentParser(prog="srgan-cpp")
    sub = parser.add_subparsers(dest="command", required=True)
    add_eval_subparser(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, FileNotFoundError, TypeError) as e:
        parser.exit(2, f"srgan-cpp eval: error: {e}\n")


if __name__ == "__main__":
    raise SystemExit(main())
