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
:func:`srgan_cpp.models.load` detects), a TorchScript file (``torch.jit.save``), an exported program (``.pt2``,
``torch.export.save``), or ``package.module:attr`` (dotted modules and attributes, e.g.
``srgan_cpp.models:MSRResNet``) naming

* an ``nn.Module`` instance (used as is),
* an ``nn.Module`` class (instantiated without arguments),
* a zero-argument factory -- a function callable with no arguments, by its signature
  (called once, with no arguments; it returns the model),
* or any other callable (called on each image tensor).

``--weights`` loads a state dict into the model, safely (``weights_only=True`` or
safetensors): a plain state dict, or the BasicSR / Real-ESRGAN layouts that
:func:`srgan_cpp.models.save` writes (``{"params": ...}``, ``{"params_ema": ...}``).

Errors follow :mod:`srgan_cpp.cli`: a bad flag is one line naming it, exit 2; a model that
returns NaN or infinity for an image fails the run (exit 1) naming the image.
"""
from __future__ import annotations

import argparse
import inspect
import os
import re
from typing import Any, Dict, Optional

import torch
from torch import Tensor, nn

from .cli import (RunFailed, UsageError, add_device_argument, check_input_dir, check_input_file, check_output_dir,
                  check_output_file, int_range, parse_device)

__all__ = ["add_eval_subparser", "run_eval_from_args", "load_model", "read_weights"]

#: ``package.module:attr`` (dotted module and attribute paths; no file extension test, so
#: ``srgan_cpp.models:MSRResNet`` is a module spec, not a file name).
_MODULE_ATTR = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
#: Largest ``--scale``: the papers use 2..8; larger factors leave LR images of a few pixels.
_MAX_SCALE = 32


def _zero_argument_callable(obj: Any) -> bool:
    """Whether ``obj`` can be called with no arguments (a factory), by its signature."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):  # builtins without a signature: treat as callables on tensors
        return False
    try:
        sig.bind()
    except TypeError:
        return False
    return True


def _model_from_attr(spec: str) -> Any:
    """``package.module:attr``: an ``nn.Module`` instance, an ``nn.Module`` class or a
    zero-argument factory (called with no arguments), or a callable on tensors."""
    import importlib

    mod_name, _, attr = spec.partition(":")
    try:
        obj: Any = importlib.import_module(mod_name)
    except ImportError as e:
        raise UsageError("--model", f"cannot import module {mod_name!r}: {e}") from e
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise UsageError("--model", f"{mod_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if isinstance(obj, nn.Module):
        return obj
    if not callable(obj):
        raise UsageError("--model", f"{spec!r} is a {type(obj).__name__}, not a model, class or function")
    is_class = isinstance(obj, type)
    if is_class and not issubclass(obj, nn.Module):
        raise UsageError("--model", f"{spec!r} is a class but not an nn.Module")
    if not is_class and not _zero_argument_callable(obj):
        return obj  # a function on tensors: called on each image
    try:
        made = obj()
    except TypeError as e:
        if is_class:
            raise UsageError("--model", f"{spec!r} cannot be built without arguments ({e}); name a factory "
                                        f"function or instance instead") from e
        raise
    if not isinstance(made, nn.Module) and not callable(made):
        raise UsageError("--model", f"the factory {spec!r} returned a {type(made).__name__}, not a model")
    return made


def read_weights(path: str, map_location: str = "cpu") -> Dict[str, Tensor]:
    """State dict from a weights file, loaded safely (``weights_only=True`` or safetensors).

    Accepts plain state dicts, BasicSR / Real-ESRGAN layouts (``{"params": ...}``,
    ``{"params_ema": ...}``, as :func:`srgan_cpp.models.save` writes), ``state_dict`` /
    ``model`` wrappers and ``module.`` prefixes (DataParallel), through the one checkpoint
    reader (:func:`srgan_cpp.models.checkpoint.load_state_dict_file`, bounded unwrapping).
    Raises :class:`UsageError` naming ``--weights``.
    """
    from .models.checkpoint import load_state_dict_file

    check_input_file(path, "--weights")
    try:
        return load_state_dict_file(path, map_location=map_location)
    except (ValueError, OSError) as e:
        raise UsageError("--weights", str(e)) from e


def load_model(spec: str, weights: Optional[str] = None, device: str = "cpu") -> Any:
    """Model from a ``--model`` spec (see the module docstring), weights loaded if given.

    Raises FileNotFoundError / :class:`~srgan_cpp.cli.UsageError` (a ValueError) naming
    ``--model`` or ``--weights`` on bad input.
    """
    if os.path.isdir(spec):
        raise UsageError("--model", f"{spec!r} is a folder, expected a model file or 'package.module:attr'")
    if os.path.isfile(spec):
        if spec.endswith(".pt2"):
            try:
                model: Any = torch.export.load(spec).module()
            except Exception as e:
                raise UsageError("--model", f"{spec!r} is not a loadable torch.export program: {e}") from e
        else:
            try:
                model = torch.jit.load(spec, map_location=device)
            except Exception as e:
                model = _load_checkpoint(spec, e)
    elif _MODULE_ATTR.match(spec):
        model = _model_from_attr(spec)
    else:
        from .models import shipped

        if spec not in shipped.pretrained_names():
            names = ", ".join(shipped.pretrained_names()) or "none"
            raise FileNotFoundError(f"--model: {spec!r} is neither an existing model file, 'package.module:attr', "
                                    f"nor a model shipped with srgan_cpp (shipped: {names})")
        from .upscale.model_info import resolve_model

        model = resolve_model(spec)  # the one resolver of shipped names (upscale -m, info)
    if weights is not None:
        if not isinstance(model, nn.Module):
            raise UsageError("--weights", "only an nn.Module can load weights")
        state = read_weights(weights)
        try:
            model.load_state_dict(state)
        except Exception as e:
            raise UsageError("--weights", f"{weights!r} does not fit the model: {e}") from e
    return model


def _load_checkpoint(spec: str, script_error: Exception) -> nn.Module:
    """A weights file whose architecture ``srgan_cpp.models.load`` detects (the same
    resolver the upscaler uses); :class:`UsageError` naming ``--model`` when it is neither
    this nor TorchScript."""
    from .upscale.model_info import resolve_model

    try:
        return resolve_model(spec)
    except ValueError as e:
        raise UsageError("--model", f"{spec!r} is not a TorchScript file (torch.jit.save: {script_error}) nor a "
                                    f"checkpoint srgan_cpp can detect ({e})") from e


def add_eval_subparser(subparsers: "argparse._SubParsersAction[Any]") -> argparse.ArgumentParser:
    """Adds the ``eval`` command to a ``parser.add_subparsers()`` object and returns its parser."""
    p = subparsers.add_parser(
        "eval", help="PSNR/SSIM of a model and bicubic on benchmark folders (Set5, Set14, ...)",
        description="Evaluates with the SR papers' protocol: MATLAB bicubic LR, BT.601 Y and RGB, border = scale.")
    p.add_argument("datasets", nargs="+", metavar="DATASET", help="benchmark folders (HR/ + LR_bicubic/X4/, GTmod12/ + LRbicx4/, "
                                               "image_SRF_4/, or HR images only)")
    p.add_argument("--scale", "-s", type=int_range(1, _MAX_SCALE, "an integer scale"), required=True,
                   help=f"upscaling factor (2, 3, 4, ... up to {_MAX_SCALE})")
    p.add_argument("--model", "-m", default=None, help="a shipped model's name (srgan-cpp models), checkpoint (architecture detected), TorchScript/.pt2 file or "
                                                        "package.module:attr; omit for bicubic only")
    p.add_argument("--weights", default=None, help="state-dict file to load into --model")
    p.add_argument("--name", default=None, help="the model's row in the table (default: from --model)")
    p.add_argument("--model-input", choices=("lr", "bicubic"), default="lr", help="feed the LR image or its bicubic upscale")
    p.add_argument("--model-channels", choices=("rgb", "y"), default="rgb", help="the model works on RGB or on Y only")
    p.add_argument("--crop-border", type=int_range(0, None, "a number of pixels"), default=None, help="pixels cropped from each side (default: the scale)")
    p.add_argument("--channels", choices=("both", "y", "rgb"), default="both", help="metrics on Y, RGB or both")
    p.add_argument("--round-y", action="store_true", help="round Y to integers like MATLAB's rgb2ycbcr on uint8")
    p.add_argument("--image-channels", type=int, choices=(1, 3), default=None, help="convert images to 1 or 3 channels")
    p.add_argument("--regenerate-lr", action="store_true", help="ignore LR files; make LR with MATLAB bicubic")
    p.add_argument("--no-bicubic", action="store_true", help="leave out the bicubic baseline row")
    add_device_argument(p, None)
    p.add_argument("--save-dir", default=None, help="write SR images to SAVE_DIR/<dataset>/<image>.png")
    p.add_argument("--json", dest="json_path", default=None, help="write the results as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_eval_from_args)
    return p


def run_eval_from_args(args: argparse.Namespace) -> int:
    """Runs ``srgan-cpp eval`` from parsed arguments; prints the table; returns the exit code (0).

    Every flag is checked before any model runs (see :mod:`srgan_cpp.cli` for the error
    rules); a model output that is not finite raises :class:`~srgan_cpp.cli.RunFailed`.
    """
    from .evaluation import NonFiniteOutputError, evaluate

    device = parse_device(args.device)
    for folder in args.datasets:
        check_input_dir(folder, "DATASET")
    if args.json_path is not None:
        check_output_file(args.json_path, "--json")
    if args.save_dir is not None:
        check_output_dir(args.save_dir, "--save-dir")
    if args.weights is not None and args.model is None:
        raise UsageError("--weights", "needs --model (the architecture to load the weights into)")
    if args.name == "bicubic" and not args.no_bicubic:
        raise UsageError("--name", "'bicubic' is the baseline's row; pick another name or pass --no-bicubic")
    model = None
    name = args.name
    if args.model is not None:
        model = load_model(args.model, args.weights, device)
        if name is None:
            base = args.model.rpartition(":")[2] if not os.path.isfile(args.model) else args.model
            name = os.path.splitext(os.path.basename(base))[0] or "model"
            if name == "bicubic":
                name = "bicubic-model"
    chans = ("y", "rgb") if args.channels == "both" else (args.channels,)
    try:
        evaluate(model, args.datasets, args.scale, crop_border=args.crop_border, channels=chans,
                 model_name=name or "model", model_input=args.model_input, model_channels=args.model_channels,
                 bicubic=not args.no_bicubic, device=device, save_dir=args.save_dir, json_path=args.json_path,
                 progress=False if args.no_progress else None, round_y=args.round_y, print_table=True,
                 regenerate_lr=args.regenerate_lr, image_channels=args.image_channels)
    except NonFiniteOutputError as e:
        raise RunFailed(str(e)) from e
    return 0


def main(argv: Optional[list] = None) -> int:
    """Stand-alone entry point (``python -m srgan_cpp.eval_cli eval ...``): the main CLI."""
    from .cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
