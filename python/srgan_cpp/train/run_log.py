"""What a run reports: a JSON-lines metrics file (always), a text log, TensorBoard (when
installed), a tqdm bar with ETA, and the loss curves as a PNG at the end.

``metrics.jsonl`` has one JSON object per line with ``kind`` (``train``, ``val``,
``stage_start``, ``stage_end``, ``checkpoint``, ``skipped_step``, ``resume``, ``end``),
``iter`` (the run's iteration) and ``stage``; ``train`` lines hold the mean of each loss
over the logging window (``losses``), ``lr``, ``grad_norm`` (per network, before
clipping), ``step_time`` / ``data_time`` (seconds per iteration) and ``peak_mem_mb``.
Only rank 0 writes anything.
"""
from __future__ import annotations

import datetime
import io
import json
import math
import os
import sys
from typing import Any, Dict, Optional

from .config import LogConfig
from .errors import ConfigError

METRICS_FILE = "metrics.jsonl"
CURVES_FILE = "loss_curves.png"


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def tensorboard_writer(cfg: LogConfig, folder: str) -> Optional[Any]:
    """A SummaryWriter for ``folder`` when TensorBoard is wanted and installed."""
    if cfg.tensorboard == "off":
        return None
    try:
        from torch.utils.tensorboard import SummaryWriter
    except (ImportError, ModuleNotFoundError):
        if cfg.tensorboard == "on":
            raise ConfigError("log.tensorboard", "on, but TensorBoard is not installed (pip install tensorboard, "
                                                 "or srgan_cpp[tensorboard])") from None
        return None
    return SummaryWriter(log_dir=folder)


class RunLog:
    """The reporting of one run folder (a no-op on ranks other than 0)."""

    def __init__(self, run_dir: str, name: str, cfg: LogConfig, enabled: bool, total: int, start: int) -> None:
        self.enabled = enabled
        self.run_dir = run_dir
        self.name = name
        self.cfg = cfg
        self.metrics_path = os.path.join(run_dir, METRICS_FILE)
        self._jsonl: Optional[io.TextIOBase] = None
        self._text: Optional[io.TextIOBase] = None
        self.tb: Optional[Any] = None
        self.bar: Optional[Any] = None
        if not enabled:
            return
        stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
        self._jsonl = open(self.metrics_path, "a", encoding="utf-8")
        self._text = open(os.path.join(run_dir, f"train_{name}_{stamp}.log"), "a", encoding="utf-8")
        self.tb = tensorboard_writer(cfg, os.path.join(run_dir, "tb_logger"))
        show = cfg.progress == "on" or (cfg.progress == "auto" and sys.stderr.isatty())
        if show:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=start, unit="it", desc=name, dynamic_ncols=True, file=sys.stderr)

    @staticmethod
    def truncate_after(run_dir: str, iteration: int) -> None:
        """Drops the lines logged after ``iteration`` (a resumed run logs them again)."""
        path = os.path.join(run_dir, METRICS_FILE)
        if not os.path.isfile(path):
            return
        kept = []
        with open(path, "r", encoding="utf-8") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue  # the torn last line of a killed run
                if isinstance(rec.get("iter"), int) and rec["iter"] > iteration:
                    continue
                kept.append(json.dumps(rec) + "\n")
        from .._atomic import atomic_write

        with atomic_write(path, suffix=".jsonl") as f:
            f.write("".join(kept).encode("utf-8"))

    def record(self, kind: str, iteration: int, **fields: Any) -> None:
        """One line of the metrics file (and TensorBoard scalars for train/val lines)."""
        if not self.enabled or self._jsonl is None:
            return
        rec = {"kind": kind, "iter": int(iteration), **_clean(fields)}
        self._jsonl.write(json.dumps(rec) + "\n")
        self._jsonl.flush()
        if self.tb is not None:
            if kind == "train":
                for k, v in fields.get("losses", {}).items():
                    self.tb.add_scalar(f"losses/{k}", v, iteration)
                if "lr" in fields:
                    self.tb.add_scalar("lr", fields["lr"], iteration)
            elif kind == "val":
                for k, v in fields.get("metrics", {}).items():
                    self.tb.add_scalar(f"metrics/{k}", v, iteration)

    def info(self, message: str) -> None:
        """A line in the text log and on the terminal."""
        if not self.enabled:
            return
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        if self._text is not None:
            self._text.write(f"{stamp} {message}\n")
            self._text.flush()
        if self.bar is not None:
            self.bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr, flush=True)

    def advance(self, n: int, postfix: str = "") -> None:
        if self.bar is not None:
            if postfix:
                self.bar.set_postfix_str(postfix, refresh=False)
            self.bar.update(n)

    def close(self, plot: bool = True) -> Optional[str]:
        """Closes the files; draws the loss curves when asked. Returns the PNG's path."""
        if not self.enabled:
            return None
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.tb is not None:
            self.tb.close()
            self.tb = None
        png = None
        for f in (self._jsonl, self._text):
            if f is not None:
                f.close()
        self._jsonl = self._text = None
        if plot:
            from .plot import write_loss_curves

            path = os.path.join(self.run_dir, CURVES_FILE)
            if write_loss_curves(self.metrics_path, path, f"{self.name}: training curves"):
                png = path
        return png
