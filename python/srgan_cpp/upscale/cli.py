"""``srgan-cpp upscale`` and ``srgan-cpp info`` (registered in ``srgan_cpp.cli.SUBCOMMAND_MODULES``).

Examples::

    srgan-cpp upscale photo.jpg -o out/ -m RealESRGAN_x4plus.pth
    srgan-cpp upscale holiday/ -o holiday_x4/ -m net_g.pth --recursive -s 3.5 -f webp --quality 90
    torchrun --nproc_per_node 4 -m srgan_cpp upscale scans/ -o scans_x2/ -m x2.pth --json report.json
    srgan-cpp info net_g.pth

Exit status of ``upscale``: 0 when every image was done (or skipped), 1 when some failed
(they are listed; the others are still written), 2 for bad arguments (nothing written).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable, Dict, List, Optional

from ..cli import UsageError, add_device_argument, check_output_dir, check_output_file, int_range, parse_device

__all__ = ["add_upscale_parser", "add_info_parser", "run_upscale", "run_info", "describe_model"]

#: Errors of the model / input arguments that the library raises, re-raised naming the flag.
_SETUP_ERRORS = (ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError,
                 FileExistsError, TypeError)
_positive_int = int_range(1, None, "a positive integer")
_non_negative_int = int_range(0, None, "a number of pixels")


def _or_auto(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type that also accepts the word ``auto``."""
    def parse(text: str) -> Any:
        return "auto" if text == "auto" else convert(text)
    return parse


_tile = _or_auto(int_range(0, None, "auto, 0 (no tiling) or a tile side in pixels"))
_batch = _or_auto(int_range(1, None, "auto or a number of tiles"))
_quality = int_range(1, 100, "a quality")
_png_level = int_range(0, 9, "a zlib level")


def _factor(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = 0.0
    if not (v > 0 and v != float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive factor such as 4 or 3.5, got {text!r}")
    return v


def _size(text: str) -> str:
    from .sizing import parse_size

    try:
        parse_size(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1920x1080, got {text!r}") from None
    return text


def add_upscale_parser(sub: Any) -> None:
    """Adds ``srgan-cpp upscale``."""
    from .alpha import ALPHA_MODES
    from .folder import FORMATS
    from .precision import PRECISIONS
    from .tta import TTA_MODES
    from .upscaler import DEFAULT_OVERLAP

    p = sub.add_parser(
        "upscale", help="upscale images and folders with a super-resolution model",
        description="Upscales image files and folders with a model: seamless blended tiles in bounded memory, "
                    "alpha, 16-bit, EXIF orientation, ICC/EXIF kept, any output size. Exit status: 0 all done, "
                    "1 some images failed (listed; the others are written), 2 bad arguments.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files and/or folders")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output folder (structure of input folders kept); for one input file, may be the output file")
    p.add_argument("-m", "--model", default=None, metavar="MODEL",
                   help="a shipped model's name (srgan-cpp models lists them; default: the default one), "
                        "a checkpoint (.pth/.pt/.safetensors, architecture detected) or a TorchScript file")
    size = p.add_mutually_exclusive_group()
    size.add_argument("-s", "--scale", type=_factor, metavar="FACTOR", help="output factor, e.g. 2, 4, 3.5 "
                      "(default: the model's)")
    size.add_argument("--size", type=_size, metavar="WxH", help="exact output size, e.g. 3840x2160")
    size.add_argument("--width", type=_positive_int, metavar="W", help="output width (aspect ratio kept)")
    size.add_argument("--height", type=_positive_int, metavar="H", help="output height (aspect ratio kept)")
    p.add_argument("-t", "--tile", type=_tile, default="auto", metavar="auto|0|N",
                   help="tile side in input pixels: auto (from free memory, default), 0 = whole image")
    p.add_argument("--overlap", type=_non_negative_int, default=DEFAULT_OVERLAP, metavar="N",
                   help=f"pixels neighbouring tiles share, blended (default: {DEFAULT_OVERLAP})")
    p.add_argument("--batch", type=_batch, default="auto", metavar="auto|N", help="tiles per model call (default: auto)")
    p.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="auto: fp16 on CUDA, bf16 on CPUs with native bf16, else fp32 (default: auto)")
    add_device_argument(p, "auto", help="auto, cpu, cuda or cuda:N (default: auto: this process's GPU when usable "
                                        "- LOCAL_RANK under torchrun - else cpu)")
    p.add_argument("--threads", type=_positive_int, default=None, metavar="N", help="CPU threads (default: all, "
                   "shared out between torchrun processes)")
    p.add_argument("--alpha", choices=ALPHA_MODES, default="auto",
                   help="transparency: auto (constant alpha copied, else model), model, bicubic, discard")
    p.add_argument("--tta", choices=TTA_MODES, default="none", help="test-time augmentation: none, flip, d8")
    p.add_argument("-f", "--format", choices=FORMATS, default="same", help="output format (default: same as input)")
    p.add_argument("--quality", type=_quality, default=None, metavar="Q", help="jpg/webp quality 1-100 (default: 95)")
    p.add_argument("--png-level", type=_png_level, default=None, metavar="L",
                   help="png compression 0-9: lossless either way, 9 smallest and slowest (default: 1, as OpenCV)")
    p.add_argument("--suffix", default="", metavar="S", help="added to each output file name, e.g. _x4")
    p.add_argument("-r", "--recursive", action="store_true", help="descend into subfolders")
    existing = p.add_mutually_exclusive_group()
    existing.add_argument("--skip-existing", action="store_true", help="leave outputs that exist alone")
    existing.add_argument("--overwrite", action="store_true", help="replace outputs that exist (atomically)")
    p.add_argument("--json", dest="json_path", default=None, metavar="REPORT", help="write a JSON report")
    p.add_argument("--compare", action="store_true",
                   help="also score the model on each input: the input downscaled by the scale (MATLAB bicubic) is "
                        "upscaled by bicubic and by the model, PSNR/SSIM (Y) printed and <stem>_compare.png "
                        "(bicubic | model | original) written to the output folder")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("-q", "--quiet", action="store_true", help="print only failures")
    p.set_defaults(func=run_upscale)


def _setup(args: argparse.Namespace) -> Any:
    """Everything that can be wrong with the arguments, checked before any image is read."""
    from .distributed import current_world, share_cpu_threads
    from .upscaler import Upscaler

    if args.device != "auto":
        parse_device(args.device, "--device")  # "auto" is resolved per process (LOCAL_RANK) by the Upscaler
    try:
        world = current_world()
    except ValueError as e:
        raise UsageError("RANK/WORLD_SIZE", str(e)) from None
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    else:
        share_cpu_threads(world)
    if args.model is None:
        from ..models import shipped

        try:
            args.model = shipped.default_model()
        except KeyError as e:
            raise UsageError("-m/--model", f"required: {e}") from None
    try:
        up = Upscaler(args.model, tile=args.tile, overlap=args.overlap, precision=args.precision, device=args.device,
                      alpha=args.alpha, tta=args.tta, batch=args.batch, progress=False if args.no_progress else None)
    except _SETUP_ERRORS as e:
        flag = _flag_of(str(e))
        raise UsageError(flag, str(e).removeprefix("`model`: ") if flag == "-m/--model" else str(e)) from e
    return world, up


def _flag_of(message: str) -> str:
    """The flag an Upscaler argument error is about (its messages name the argument)."""
    for arg, flag in (("`tile`", "-t/--tile"), ("`overlap`", "--overlap"), ("`precision`", "--precision"),
                      ("`device`", "--device"), ("`batch`", "--batch"), ("`alpha`", "--alpha"), ("`tta`", "--tta")):
        if message.startswith(arg):
            return flag
    return "-m/--model"


def _check_output(out: str, single_file: bool) -> None:
    (check_output_file if single_file else check_output_dir)(out, "-o/--output")
    folder = os.path.dirname(os.path.abspath(out)) if single_file else out
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise UsageError("-o/--output", f"cannot create {folder!r}: {e.strerror or e}") from None


def run_upscale(args: argparse.Namespace) -> int:
    """Runs ``srgan-cpp upscale``; returns the exit status (ValueError for bad arguments)."""
    from .folder import collect_jobs, run_folder

    world, up = _setup(args)
    size: Any = args.size
    if args.width is not None:
        size = (None, args.width)
    elif args.height is not None:
        size = (args.height, None)
    existing = "skip" if args.skip_existing else "overwrite" if args.overwrite else "error"
    try:
        jobs, _ = collect_jobs(args.inputs, args.output, recursive=args.recursive, fmt=args.format, suffix=args.suffix)
    except _SETUP_ERRORS as e:
        raise UsageError("INPUT", str(e)) from e
    _check_output(args.output, single_file=len(jobs) == 1 and jobs[0].dst == args.output)
    quiet = args.quiet or not world.is_main

    def warn(msg: str) -> None:
        if not args.quiet:
            print(f"srgan-cpp upscale: warning: {msg}", file=sys.stderr)

    report = run_folder(up, args.inputs, args.output, recursive=args.recursive, scale=args.scale, size=size,
                        format=args.format, quality=args.quality, png_level=args.png_level, suffix=args.suffix,
                        existing=existing,
                        progress=False if (args.no_progress or args.quiet) else None, warn=warn, world=world)
    if not world.is_main:
        return report.exit_code
    for e in report.failed:
        print(f"srgan-cpp upscale: failed: {e['input']}: {e['error']}", file=sys.stderr)
    if not quiet:
        done = [e for e in report.entries if e["status"] == "done"]
        tiles = sorted({f"{e['tile'][0]}x{e['tile'][1]}" for e in done})
        print(f"upscaled {len(done)} image(s), skipped {report.count('skipped')}, failed {len(report.failed)} in "
              f"{report.seconds:.1f} s on {up.device} ({up.precision}, tile {', '.join(tiles) or '-'}"
              f"{', ' + str(report.processes) + ' processes' if report.processes > 1 else ''}) -> {args.output}")
    compared = _compare_outputs(args, up, report, quiet) if args.compare else []
    if args.json_path:
        out = _report_json(args, up, report)
        if args.compare:
            out["compare"] = compared
        _write_json(args.json_path, out)
    return report.exit_code


def _compare_outputs(args: argparse.Namespace, up: Any, report: Any, quiet: bool) -> List[Dict[str, Any]]:
    """``--compare``: scores and side-by-side PNGs of every input that was upscaled."""
    from ..data import write_image
    from ..image import load_image
    from .compare import compare_image, compare_path

    label = os.path.splitext(os.path.basename(str(args.model)))[0]
    folder = args.output if os.path.isdir(args.output) else os.path.dirname(os.path.abspath(args.output))
    results = []
    for e in report.entries:
        if e["status"] != "done":
            continue
        try:
            photo = load_image(e["input"], mode="RGB")
            c = compare_image(up, photo, name=label)
        except ValueError as err:
            print(f"srgan-cpp upscale: warning: --compare: {e['input']}: {err}", file=sys.stderr)
            continue
        dst = compare_path(folder, e["input"])
        write_image(dst, c.grid)
        results.append({"input": e["input"], "comparison": dst, **c.as_dict()})
        if not quiet:
            print(f"{e['input']}: PSNR (Y, x{c.scale} bicubic-downscaled input) bicubic {c.psnr_bicubic:.2f} dB, "
                  f"{label} {c.psnr_model:.2f} dB ({c.psnr_model - c.psnr_bicubic:+.2f} dB); SSIM "
                  f"{c.ssim_bicubic:.4f} -> {c.ssim_model:.4f}; wrote {dst}")
    return results


def _report_json(args: argparse.Namespace, up: Any, report: Any) -> Dict[str, Any]:
    info = up.info
    return {"model": {"path": args.model, "name": info.name, "scale": info.scale, "channels": info.in_channels},
            "settings": {"device": str(up.device), "precision": up.precision, "tile": up.tile, "overlap": up.overlap,
                         "alpha": up.alpha, "tta": args.tta, "format": args.format},
            **report.as_dict()}


def _write_json(path: str, obj: Dict[str, Any]) -> None:
    from .._atomic import atomic_write

    try:
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        with atomic_write(path, suffix=".json") as f:
            f.write(json.dumps(obj, indent=2).encode())
    except OSError as e:
        raise UsageError("--json", f"cannot write {path!r}: {e}") from None


# --------------------------------------------------------------------------------------
# info
# --------------------------------------------------------------------------------------
def add_info_parser(sub: Any) -> None:
    """Adds ``srgan-cpp info``."""
    p = sub.add_parser("info", help="describe a model checkpoint: architecture, scale, channels, parameters",
                       description="Reads a checkpoint (architecture detected from the weights, nothing executed) "
                                   "and prints what the upscaler needs to know about it.")
    p.add_argument("model", metavar="MODEL", help="a shipped model's name (srgan-cpp models), a checkpoint "
                   "(.pth/.pt/.safetensors) or a TorchScript file")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run_info)


def describe_model(spec: str) -> Dict[str, Any]:
    """The ``srgan-cpp info`` fields of a model file (ValueError naming MODEL on bad input)."""
    from .model_info import model_info, resolve_model

    try:
        model = resolve_model(spec)
        info = model_info(model)
    except _SETUP_ERRORS as e:
        raise UsageError("MODEL", str(e)) from e
    return {"file": spec, "architecture": info.name, "kwargs": info.kwargs, "layout": info.source_layout,
            "scale": info.scale, "in_channels": info.in_channels,
            "out_channels": info.out_channels, "parameters": info.num_params, "precisions": list(info.precisions),
            "size_multiple": info.size_multiple, "min_size": info.min_size}


def run_info(args: argparse.Namespace) -> Optional[int]:
    d = describe_model(args.model)
    if args.json:
        print(json.dumps(d, indent=2))
        return 0
    rows = [("architecture", d["architecture"]),
            ("arguments", ", ".join(f"{k}={v}" for k, v in (d["kwargs"] or {}).items()) or "-"),
            ("key layout", d["layout"] or "-"),
            ("scale", f"x{d['scale']}"),
            ("channels", f"{d['in_channels']} in, {d['out_channels']} out"),
            ("parameters", f"{d['parameters']:,}"),
            ("precisions", ", ".join(d["precisions"])),
            ("size multiple", f"input H and W multiples of {d['size_multiple']}, at least {d['min_size']}")]
    width = max(len(k) for k, _ in rows)
    print(f"{d['file']}")
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    return 0
