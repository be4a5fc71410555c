"""The ``srgan-cpp`` command line (also ``python -m srgan_cpp``).

Subcommands:
    demo     train SRCNN on the bundled photographs for a minute and compare it with bicubic
    eval     PSNR/SSIM of a model and bicubic on benchmark folders (``srgan_cpp.eval_cli``)
    upscale  upscale images and folders with a model (``srgan_cpp.upscale.cli``)
    info     describe a model checkpoint (``srgan_cpp.upscale.cli``)
    models   list the models shipped with the package (``srgan_cpp.pretrained_cli``)

Adding a subcommand: write a function ``add_parser(subparsers) -> None`` that calls
``subparsers.add_parser(NAME, help=...)``, adds its arguments and sets
``func=handler`` with ``set_defaults``, where ``handler(args) -> int | None`` does the work
(import heavy modules inside the handler, not at the top of the file). Then either
decorate it with :func:`subcommand` in this file, or keep it in its own module and list
``"srgan_cpp.module:add_parser"`` in ``SUBCOMMAND_MODULES`` below (imported when the parser
is built).

Errors (shared by every subcommand; reuse these helpers rather than printing yourself):

* A user error is **one line on stderr naming the flag, exit status 2, no traceback**:
  ``srgan-cpp eval: error: --device: 'potato' is not a device; expected cpu, cuda or cuda:N``.
  Raise :class:`UsageError` ``(flag, message)`` from a handler. ``ValueError``,
  ``TypeError`` and the file-naming ``OSError`` kinds (``FileNotFoundError``,
  ``IsADirectoryError``, ``NotADirectoryError``, ``PermissionError``, ``FileExistsError``)
  raised by the library are reported the same way, with their message (which names the
  argument). Argument-parsing errors (argparse) are one line too, ending in a pointer to
  ``--help``; they raise ``SystemExit(2)`` as argparse does.
* A run that started and failed part-way (the model returned NaN, out of memory, a disk
  error): one line, exit status 1. Raise :class:`RunFailed` ``(message)``.
* Anything else is a bug: one line saying how to report it, exit status 1. With the
  environment variable ``SRGAN_CPP_DEBUG=1`` every error also prints its traceback.
* Ctrl-C: ``interrupted``, exit status 130.

Validation helpers, each raising :class:`UsageError` naming ``flag``; call them at the top
of a handler, before any long work, so a bad output path fails in a second, not after an
hour of training:

* :func:`parse_device` -- ``--device`` text -> ``torch.device`` (cpu, cuda, cuda:N; CUDA
  must be usable *and* srgan_cpp built with CUDA kernels); ``None``/``"auto"`` picks CUDA
  when usable. :func:`add_device_argument` adds the flag with the standard help.
* :func:`seed_type` -- argparse ``type=`` for ``--seed`` (an integer in ``0 .. 2**63 - 1``);
  :func:`int_range` makes such types for other bounded integers.
* :func:`check_input_file`, :func:`check_input_dir`, :func:`check_output_file`,
  :func:`check_output_dir` -- an input exists and has the right kind; an output path is
  not the wrong kind and its (nearest existing) folder is writable. They create nothing.

:func:`run_handler` applies the error mapping to any callable (``main`` uses it), for
entry points other than ``main``.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import traceback
from typing import TYPE_CHECKING, Any, Callable, List, NoReturn, Optional, Sequence

if TYPE_CHECKING:  # torch is imported lazily: ``srgan-cpp --help`` stays fast
    import torch

__all__ = ["main", "build_parser", "subcommand", "SUBCOMMAND_MODULES", "UsageError", "RunFailed", "run_handler",
           "parse_device", "add_device_argument", "seed_type", "int_range", "check_input_file", "check_input_dir",
           "check_output_file", "check_output_dir", "DEBUG_ENV"]

AddParser = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

_ADDERS: List[AddParser] = []

#: ``"module:function"`` of subcommand adders that live in other modules.
SUBCOMMAND_MODULES: List[str] = ["srgan_cpp.eval_cli:add_eval_subparser", "srgan_cpp.train_cli:add_parser",
                                  "srgan_cpp.upscale.cli:add_upscale_parser", "srgan_cpp.upscale.cli:add_info_parser",
                                  "srgan_cpp.pretrained_cli:add_parser"]

#: Environment variable that makes every error print its traceback too.
DEBUG_ENV = "SRGAN_CPP_DEBUG"

#: Exit statuses.
EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


# --------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------
class UsageError(ValueError):
    """A user error in one flag: reported as ``<prog>: error: <flag>: <message>``, exit 2.

    ``flag`` is what the user typed (``"--device"``, or a positional's name such as
    ``"DATASET"``); ``message`` says what was wrong and what was expected. A ValueError, so
    library code and tests that catch ValueError catch it too.
    """

    def __init__(self, flag: str, message: str) -> None:
        super().__init__(f"{flag}: {message}")
        self.flag = flag
        self.message = message


class RunFailed(Exception):
    """A run that started and failed part-way (bad model output, a disk error...): exit 1."""


#: Library exceptions that mean the user asked for something impossible (exit 2).
_USER_ERRORS = (UsageError, ValueError, TypeError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
                PermissionError, FileExistsError)


def _one_line(text: str) -> str:
    """The message on one line (library messages rarely have several; torch's sometimes do)."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip()) or "(no message)"


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    torch = sys.modules.get("torch")
    oom = getattr(torch, "OutOfMemoryError", None) if torch is not None else None
    return oom is not None and isinstance(exc, oom)


def run_handler(prog: str, handler: Callable[..., Any], *args: Any) -> int:
    """Calls ``handler(*args)`` and maps what it raises to a one-line message on stderr and
    an exit status (see the module docstring); returns ``int(result or 0)`` on success."""
    try:
        return int(handler(*args) or 0)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - every error becomes one line and a status
        if _debug():
            traceback.print_exc()
        status, line = _classify(exc)
        print(f"{prog}: {line}", file=sys.stderr)
        return status


def _classify(exc: BaseException) -> "tuple[int, str]":
    """(exit status, message after ``<prog>: ``) for an exception raised by a handler."""
    if isinstance(exc, RunFailed):
        return EXIT_FAILED, f"failed: {_one_line(str(exc))}"
    if _is_out_of_memory(exc):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return EXIT_FAILED, f"failed: out of memory ({first}); try a smaller input, batch or tile"
    if isinstance(exc, _USER_ERRORS):
        return EXIT_USAGE, f"error: {_one_line(str(exc))}"
    if isinstance(exc, OSError):  # disk full, I/O error, broken pipe...: the environment, not the user
        return EXIT_FAILED, f"failed: {_one_line(str(exc))}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return EXIT_FAILED, (f"internal error: {type(exc).__name__}{': ' + first if first else ''}. This is a bug in "
                         f"srgan_cpp: please report it with the command line and the traceback printed when "
                         f"{DEBUG_ENV}=1 is set in the environment")


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line (no usage block) pointing to ``--help``.

    Subparsers inherit the class, so every subcommand gets it."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')\n")


# --------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------
def parse_device(text: Optional[str], flag: str = "--device", *, require_kernels: bool = True) -> "torch.device":
    """``cpu``, ``cuda`` or ``cuda:N`` -> ``torch.device``, refusing what cannot run here.

    ``None`` or ``"auto"``: CUDA when usable (a GPU is visible and, with
    ``require_kernels``, srgan_cpp was built with CUDA kernels), else CPU.
    ``require_kernels=False`` skips the srgan_cpp build check (for code that runs only
    plain PyTorch on the device). Raises :class:`UsageError` naming ``flag``.
    """
    import torch

    def cuda_problem() -> Optional[str]:
        if torch.version.cuda is None and not torch.cuda.is_available():
            return f"this torch ({torch.__version__}) is a CPU-only build"
        if not torch.cuda.is_available():
            return "torch sees no CUDA device on this machine"
        if require_kernels:
            from . import built_with_cuda

            if not built_with_cuda():
                return ("srgan_cpp was built without CUDA kernels (reinstall it with a CUDA toolkit and a CUDA "
                        "torch present, or SRGAN_CPP_CUDA=ON)")
        return None

    if text is None or text == "auto":
        return torch.device("cpu" if cuda_problem() else "cuda")
    if not isinstance(text, str):
        raise UsageError(flag, f"expected a device name such as cpu or cuda, got {text!r}")
    try:
        dev = torch.device(text)
    except (RuntimeError, ValueError, TypeError):
        raise UsageError(flag, f"{text!r} is not a device; expected cpu, cuda or cuda:N") from None
    if dev.type == "cpu":
        return torch.device("cpu")
    if dev.type != "cuda":
        raise UsageError(flag, f"{text!r}: srgan_cpp runs on cpu or cuda, not {dev.type}")
    problem = cuda_problem()
    if problem:
        raise UsageError(flag, f"{text!r} is not usable: {problem}")
    count = torch.cuda.device_count()
    if dev.index is not None and dev.index >= count:
        raise UsageError(flag, f"{text!r}: this machine has {count} CUDA device(s), cuda:0..cuda:{count - 1}")
    return dev


def add_device_argument(parser: argparse.ArgumentParser, default: Optional[str] = "cpu", help: Optional[str] = None) -> None:
    """Adds ``--device`` (validate it in the handler with :func:`parse_device`).

    ``default=None`` means "cuda when usable, else cpu"."""
    if help is None:
        help = "cpu, cuda or cuda:N (default: " + ("cuda when usable, else cpu" if default in (None, "auto") else default) + ")"
    parser.add_argument("--device", default=default, metavar="DEVICE", help=help)


def int_range(lo: int, hi: Optional[int] = None, what: str = "an integer") -> Callable[[str], int]:
    """argparse ``type=`` accepting integers in ``lo .. hi`` (no upper bound if ``hi`` is None).

    argparse prefixes its message with the flag: ``argument --steps: must be ...``."""

    def convert(text: str) -> int:
        try:
            value = int(str(text).strip(), 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < lo or (hi is not None and value > hi):
            span = f"in {lo} .. {hi}" if hi is not None else f">= {lo}"
            raise argparse.ArgumentTypeError(f"must be {what} {span}, got {text!r}")
        return value

    convert.__name__ = what.replace(" ", "_")  # argparse names the type in some messages
    return convert


#: argparse ``type=`` for ``--seed``: an integer in 0 .. 2**63 - 1 (torch and NumPy both take it).
seed_type = int_range(0, 2**63 - 1, "an integer seed")


def _nearest_existing(path: str) -> str:
    """``path`` or its nearest existing ancestor (absolute)."""
    p = os.path.abspath(path)
    while not os.path.exists(p):
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return p


def _writable_dir(folder: str) -> bool:
    """Whether a file can be created in ``folder`` (tried for real: root, ACLs and read-only
    mounts make ``os.access`` unreliable)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _check_creatable(path: str, flag: str) -> None:
    """The nearest existing folder at or above ``path``'s folder is one we can write in."""
    base = _nearest_existing(os.path.dirname(os.path.abspath(path)))
    if not os.path.isdir(base):
        raise UsageError(flag, f"cannot create {path!r}: {base!r} is a file, not a folder")
    if not _writable_dir(base):
        raise UsageError(flag, f"cannot write to {path!r}: the folder {base!r} is not writable")


def check_input_file(path: str, flag: str) -> str:
    """``path`` is an existing, readable file; returns it."""
    if not os.path.exists(path):
        raise UsageError(flag, f"{path!r} does not exist")
    if os.path.isdir(path):
        raise UsageError(flag, f"{path!r} is a folder, expected a file")
    if not os.access(path, os.R_OK):
        raise UsageError(flag, f"{path!r} is not readable")
    return path


def check_input_dir(path: str, flag: str) -> str:
    """``path`` is an existing folder; returns it."""
    if not os.path.exists(path):
        raise UsageError(flag, f"{path!r} does not exist")
    if not os.path.isdir(path):
        raise UsageError(flag, f"{path!r} is a file, expected a folder")
    return path


def check_output_file(path: str, flag: str) -> str:
    """``path`` can be written as a file: not a folder, and its folder (or the nearest one
    that exists) is writable. Creates nothing; returns ``path``."""
    if os.path.isdir(path):
        raise UsageError(flag, f"{path!r} is a folder, expected a file path")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise UsageError(flag, f"{path!r} exists and is not writable")
    _check_creatable(path, flag)
    return path


def check_output_dir(path: str, flag: str) -> str:
    """``path`` is a writable folder or can be created as one. Creates nothing; returns it."""
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise UsageError(flag, f"{path!r} is a file, expected a folder")
        if not _writable_dir(path):
            raise UsageError(flag, f"the folder {path!r} is not writable")
        return path
    _check_creatable(path, flag)  # the folder itself does not exist: its nearest ancestor must be writable
    return path


# --------------------------------------------------------------------------------------
# the parser and the entry point
# --------------------------------------------------------------------------------------
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

    parser = _Parser(prog="srgan-cpp", description="srgan_cpp: super-resolution toolkit for PyTorch with a C++ core")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for adder in _ADDERS + [_load_adder(s) for s in SUBCOMMAND_MODULES]:
        adder(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point: parses ``argv`` (default ``sys.argv[1:]``) and runs the subcommand.

    Returns the exit status: 0 on success, 2 for a user error, 1 for a run that failed or
    an internal error, 130 when interrupted. Argument-parsing errors raise
    ``SystemExit(2)`` (argparse's convention), after one line on stderr.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_handler(f"srgan-cpp {args.command}", args.func, args)


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
    p.add_argument("--steps", type=int_range(1, None, "a positive integer"), default=8000, metavar="N",
                   help="training steps; training ends at --steps or --seconds, whichever comes first (default: 8000)")
    p.add_argument("--out", default="demo_out", metavar="DIR", help="output folder (default: demo_out)")
    p.add_argument("--scale", type=int, default=3, choices=range(2, 9), metavar="N",
                   help="upscaling factor, 2..8 (default: 3)")
    p.add_argument("--seed", type=seed_type, default=0, metavar="N", help="random seed, 0 .. 2**63-1 (default: 0)")
    p.add_argument("--variant", default="9-1-5", choices=["9-1-5", "9-3-5", "9-5-5"],
                   help="SRCNN kernel sizes (default: 9-1-5)")
    add_device_argument(p, "cpu", help="torch device to train on: cpu, cuda or cuda:N (default: cpu)")
    p.add_argument("--holdout", default="astronaut", metavar="NAME",
                   help="bundled image kept out of training and used for the comparison (default: astronaut)")
    p.add_argument("--quiet", action="store_true", help="print nothing but the final summary line")
    p.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from .data import bundled_images

    device = parse_device(args.device)
    names = [p.stem for p in bundled_images()]
    if args.holdout not in names:
        raise UsageError("--holdout", f"expected one of {', '.join(names)}, got {args.holdout!r}")
    check_output_dir(args.out, "--out")  # before training, not after it

    from .demo import run_demo

    r = run_demo(seconds=args.seconds, steps=args.steps, out_dir=args.out, scale=args.scale, seed=args.seed,
                 variant=args.variant, device=device, holdout=args.holdout, verbose=not args.quiet)
    if args.quiet:
        print(f"bicubic {r['psnr_bicubic']:.2f} dB, SRCNN {r['psnr_srcnn']:.2f} dB ({r['gain_db']:+.2f} dB), "
              f"{r['steps']} steps in {r['train_seconds']:.1f} s -> {r['comparison']}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
