"""Files and folders: which files to upscale, where each result goes, and the batch runner.

Output rules: a folder input keeps its structure under the output folder; a file input
goes directly into it (or *is* the output path, for one file and an output name with an
image extension). The name is the input's stem + ``suffix`` + the extension of the format
(``same``: the input's, when it is png/jpg/webp/tif, else png). An output is never the input
itself, two inputs never share an output, and an existing output is replaced only when
asked (``existing="overwrite"``), atomically.

The runner decodes the next image and encodes the previous result on background threads
while the model works on the current one; one failing file is reported and the others go
on. Under torchrun the files are split across the processes and rank 0 reports.
"""
from __future__ import annotations

import os
import sys
import time
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .distributed import World, current_world, finish, gather_to_rank0, shard
from .image_io import OUTPUT_FORMATS, Picture, format_for_path, read_picture, write_picture
from .sizing import SizeArg

__all__ = ["Job", "FolderReport", "collect_jobs", "output_path", "write_result", "run_folder", "EXISTING",
           "IMAGE_EXTENSIONS"]

#: File name endings that are upscaled when found in a folder (lower case).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif", ".ppm", ".pgm", ".pnm", ".tga")
#: What to do with an output file that exists already.
EXISTING = ("error", "skip", "overwrite")
FORMATS = ("same",) + tuple(OUTPUT_FORMATS)


@dataclass(frozen=True)
class Job:
    """One input file and the output file it becomes."""

    src: str
    dst: str


def output_path(src: str, folder: str, rel_dir: str, fmt: str, suffix: str) -> Tuple[str, str]:
    """``(output path, format name)`` of ``src`` placed in ``folder/rel_dir``."""
    stem, ext = os.path.splitext(os.path.basename(src))
    name = fmt if fmt != "same" else (format_for_path(src) or "png")
    out_ext = ext.lower() if fmt == "same" and format_for_path(src) else OUTPUT_FORMATS[name][1]
    return os.path.join(folder, rel_dir, stem + suffix + out_ext), name


def _walk(root: str, recursive: bool, exclude: str) -> Tuple[List[str], List[str]]:
    """(image files, other files) under ``root``, sorted; hidden files and ``exclude`` left out."""
    images, others = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and os.path.abspath(os.path.join(dirpath, d)) != exclude) if recursive else []
        for n in sorted(filenames):
            if n.startswith("."):
                continue
            path = os.path.join(dirpath, n)
            (images if n.lower().endswith(IMAGE_EXTENSIONS) else others).append(path)
    return images, others


def collect_jobs(inputs: Sequence[str], out: str, *, recursive: bool = False, fmt: str = "same",
                 suffix: str = "") -> Tuple[List[Job], List[str]]:
    """The jobs for ``inputs`` (files and folders) with outputs under ``out``, and the
    non-image files found in the folders (to be skipped with a warning).

    Raises:
        FileNotFoundError: an input does not exist.
        ValueError: a bad ``fmt``, an output that would replace its input, two inputs
            with the same output, or a folder input with a file output path.
    """
    if fmt not in FORMATS:
        raise ValueError(f"`format` must be one of {', '.join(FORMATS)}, got {fmt!r}")
    out_abs = os.path.abspath(out)
    single_file_out = (len(inputs) == 1 and os.path.isfile(inputs[0]) and not os.path.isdir(out)
                       and format_for_path(out) is not None)
    if single_file_out and fmt != "same" and format_for_path(out) != fmt:
        raise ValueError(f"-o/--output {out!r} does not have the extension of -f/--format {fmt}")
    jobs: List[Job] = []
    others: List[str] = []
    for item in inputs:
        if os.path.isdir(item):
            if single_file_out:
                raise ValueError(f"-o/--output {out!r} names a file, but input {item!r} is a folder")
            images, rest = _walk(item, recursive, out_abs)
            others += rest
            for path in images:
                rel = os.path.relpath(os.path.dirname(path), item)
                jobs.append(Job(path, output_path(path, out, "" if rel == "." else rel, fmt, suffix)[0]))
        elif os.path.exists(item):
            dst = out if single_file_out else output_path(item, out, "", fmt, suffix)[0]
            jobs.append(Job(item, dst))
        else:
            raise FileNotFoundError(f"input {item!r} does not exist")
    seen: Dict[str, str] = {}
    for job in jobs:
        key = os.path.normcase(os.path.abspath(job.dst))
        if key == os.path.normcase(os.path.abspath(job.src)):
            raise ValueError(f"the output of {job.src!r} would replace the input itself; choose another -o/--output "
                             "folder or a --suffix")
        if key in seen:
            raise ValueError(f"{seen[key]!r} and {job.src!r} would both be written to {job.dst!r}; use -f to pick one "
                             "format, or separate runs")
        seen[key] = job.src
    return jobs, others


def write_result(upscaler: Any, pic: Picture, src: str, dst: str, *, scale: Optional[float] = None,
                 size: Optional[SizeArg] = None, fmt: Optional[str] = None, quality: Optional[int] = None,
                 existing: str = "overwrite", png_level: Optional[int] = None) -> Any:
    """Upscales a decoded picture and writes it (see ``Upscaler.run_file``); returns the stats."""
    if existing not in EXISTING:
        raise ValueError(f"`existing` must be one of {', '.join(EXISTING)}, got {existing!r}")
    name = fmt or format_for_path(dst)
    if name is None:
        raise ValueError(f"cannot tell the output format from {dst!r}; pass format= (png, jpg, webp, tif)")
    if os.path.exists(dst):
        if os.path.exists(src) and os.path.samefile(src, dst):
            raise ValueError(f"the output {dst!r} is the input itself; choose another output path")
        if existing == "error":
            raise FileExistsError(f"{dst!r} exists (pass existing='overwrite' or 'skip')")
        if existing == "skip":
            return None
    result = upscaler.upscale_picture(pic, scale=scale, size=size)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    write_picture(dst, result.pixels, name, icc_profile=result.icc_profile, exif=result.exif, quality=quality,
                  png_level=png_level)
    return result.stats


@dataclass
class FolderReport:
    """Per-file outcomes (``status``: done / skipped / failed) and the totals."""

    entries: List[Dict[str, Any]] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    seconds: float = 0.0
    processes: int = 1

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e["status"] == status)

    @property
    def failed(self) -> List[Dict[str, Any]]:
        return [e for e in self.entries if e["status"] == "failed"]

    @property
    def exit_code(self) -> int:
        """0 when every image was done or skipped, 1 when some failed."""
        return 1 if self.failed else 0

    def as_dict(self) -> Dict[str, Any]:
        return {"done": self.count("done"), "skipped": self.count("skipped"), "failed": self.count("failed"),
                "seconds": self.seconds, "processes": self.processes, "warnings": self.warnings,
                "files": self.entries}


def _error_text(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    return text if isinstance(e, (ValueError, OSError, MemoryError)) else f"{type(e).__name__}: {text}"


def _entry(job: Job, status: str, **extra: Any) -> Dict[str, Any]:
    return {"input": job.src, "output": job.dst, "status": status, **extra}


def _encode(job: Job, result: Any, fmt: str, quality: Optional[int], png_level: Optional[int]) -> Dict[str, Any]:
    try:
        os.makedirs(os.path.dirname(os.path.abspath(job.dst)), exist_ok=True)
        write_picture(job.dst, result.pixels, fmt, icc_profile=result.icc_profile, exif=result.exif, quality=quality,
                      png_level=png_level)
    except Exception as e:  # noqa: BLE001 - one file's failure is reported, the batch goes on
        return _entry(job, "failed", error=_error_text(e))
    return _entry(job, "done", **result.stats.as_dict())


def run_folder(upscaler: Any, inputs: Sequence[str], out: str, *, recursive: bool = False,
               scale: Optional[float] = None, size: Optional[SizeArg] = None, format: str = "same",
               quality: Optional[int] = None, png_level: Optional[int] = None, suffix: str = "", existing: str = "error",
               progress: Optional[bool] = None, warn: Optional[Callable[[str], None]] = None,
               world: Optional[World] = None) -> FolderReport:
    """Upscales the images of ``inputs`` (files and folders) into folder ``out``.

    Args:
        recursive: descend into subfolders (structure kept).
        scale, size: as :meth:`Upscaler.run`. format: "same", "png", "jpg", "webp", "tif".
        quality: jpg / webp quality. png_level: zlib level 0..9 of png outputs (default
            ``image_io.PNG_LEVEL``). suffix: added to every output name's stem.
        existing: "error" (the file fails, nothing is replaced), "skip" or "overwrite".
        progress: tqdm bar over the images (None: when stderr is a terminal).
        warn: receives the warnings (non-image files skipped); default ``warnings.warn``.
        world: the process group share (default: from the torchrun environment).

    Returns:
        The report. Under torchrun, rank 0's report holds every rank's files; the other
        ranks get their own.

    Raises:
        ValueError / FileNotFoundError: bad inputs or options (nothing was written).
    """
    if existing not in EXISTING:
        raise ValueError(f"`existing` must be one of {', '.join(EXISTING)}, got {existing!r}")
    world = world or current_world()
    warn = warn or (lambda msg: warnings.warn(msg, stacklevel=3))
    start = time.perf_counter()
    jobs, others = collect_jobs(inputs, out, recursive=recursive, fmt=format, suffix=suffix)
    report = FolderReport(processes=world.size)
    if world.is_main:
        for path in others:
            report.warnings.append(f"skipped {path!r}: not an image (by its extension)")
            warn(report.warnings[-1])
    mine = shard(jobs, world)
    todo: List[Job] = []
    for job in mine:
        if os.path.exists(job.dst) and existing != "overwrite":
            if existing == "skip":
                report.entries.append(_entry(job, "skipped", reason="output exists"))
            else:
                report.entries.append(_entry(job, "failed", error=f"{job.dst!r} exists (use --overwrite or "
                                                                    "--skip-existing)"))
            continue
        todo.append(job)
    bar = _images_bar(len(todo), progress, world)
    # Every output name ends in a writable format's extension (output_path / collect_jobs).
    fmts = {job: format if format != "same" else format_for_path(job.dst) for job in todo}
    reader = ThreadPoolExecutor(1, thread_name_prefix="srgan_cpp-decode")
    writer = ThreadPoolExecutor(1, thread_name_prefix="srgan_cpp-encode")
    pending: Optional[Future] = None
    try:
        ahead: Optional[Future] = reader.submit(read_picture, todo[0].src, upscaler.max_pixels) if todo else None
        for i, job in enumerate(todo):
            current = ahead
            ahead = reader.submit(read_picture, todo[i + 1].src, upscaler.max_pixels) if i + 1 < len(todo) else None
            try:
                pic = current.result()  # type: ignore[union-attr]
                result = upscaler.upscale_picture(pic, scale=scale, size=size)
                del pic
            except Exception as e:  # noqa: BLE001 - reported, the batch goes on
                report.entries.append(_entry(job, "failed", error=_error_text(e)))
                if bar is not None:
                    bar.update(1)
                continue
            if pending is not None:  # at most one result waits for its encoder: memory stays bounded
                report.entries.append(pending.result())
            pending = writer.submit(_encode, job, result, fmts[job], quality, png_level)
            del result
            if bar is not None:
                bar.update(1)
        if pending is not None:
            report.entries.append(pending.result())
    finally:
        reader.shutdown(wait=True, cancel_futures=True)
        writer.shutdown(wait=True)
        if bar is not None:
            bar.close()
    report.seconds = time.perf_counter() - start
    order = {job.src: k for k, job in enumerate(jobs)}
    if world.size > 1:
        for e in report.entries:
            e["rank"] = world.rank
        parts = gather_to_rank0(report.entries, world)
        if world.is_main:
            report.entries = [e for part in parts for e in part]
        finish(world)
    report.entries.sort(key=lambda e: order.get(e["input"], 0))  # input order, whoever did the work
    return report


def _images_bar(total: int, progress: Optional[bool], world: World) -> Any:
    show = progress if progress is not None else sys.stderr.isatty()
    if not show or total == 0:
        return None
    from tqdm import tqdm

    desc = "images" if world.size == 1 else f"images (rank {world.rank})"
    return tqdm(total=total, desc=desc, unit="img", dynamic_ncols=True, position=world.rank if world.size > 1 else 0)
