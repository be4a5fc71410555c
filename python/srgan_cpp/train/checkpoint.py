"""Checkpoints: one folder per checkpoint, written atomically, read on the CPU with
``weights_only=True``.

Layout (``<run>/training_states/<iteration>/``):

* ``state.pt`` - everything a run needs to continue exactly: the networks (G, D, G's EMA),
  optimisers, gradient scalers, the stage and iteration, the training stream's position,
  the count of skipped steps, the best validation result and every RNG state (torch,
  CUDA, NumPy, Python; one set per process);
* ``manifest.json`` - the iteration and the size of ``state.pt``; written last.

A checkpoint is built in a hidden ``.tmp-*`` folder, every file flushed to disk, and the
folder renamed into place: a crash (or SIGKILL, or a full disk) mid-write leaves only the
hidden folder, which is ignored and removed next time, and the previous checkpoint intact.
Only folders with a matching manifest count as complete.

Generator weights are also exported in BasicSR's layout (``models/net_g_<iter>.pth`` and
``net_g_latest.pth`` holding ``{"params", "params_ema"}``, ``net_d_*.pth`` holding
``{"params"}``, and ``net_g_<iter>.safetensors``), which ``srgan_cpp.models.load`` and
BasicSR's ``load_network`` read.
"""
from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import tempfile
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import numpy as np
import torch
from torch import Tensor

from .._atomic import atomic_write
from .errors import ConfigError, TrainingError

FORMAT = "srgan_cpp.train/1"
STATES = "training_states"
MODELS = "models"


def _fsync_dir(path: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def rng_state() -> Dict[str, Any]:
    """This process's RNG states, in types ``torch.load(weights_only=True)`` reads."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state: Dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "gauss": float(gauss)},
        "python": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Mapping[str, Any]) -> None:
    """Restores what :func:`rng_state` returned."""
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def cpu_state_dict(state: Mapping[str, Tensor]) -> Dict[str, Tensor]:
    """Own contiguous CPU copies (files must not depend on the device or memory layout)."""
    return {k: v.detach().to("cpu", copy=True).contiguous() for k, v in state.items()}


class CheckpointStore:
    """The checkpoints of one run folder."""

    def __init__(self, run_dir: str, keep_last: int = 3) -> None:
        self.run_dir = run_dir
        self.root = os.path.join(run_dir, STATES)
        self.models = os.path.join(run_dir, MODELS)
        self.keep_last = int(keep_last)
        #: Called after each file of a checkpoint is written (tests interrupt a write there).
        self.on_file_written: Optional[Callable[[str], None]] = None

    # -- reading ----------------------------------------------------------------------
    @staticmethod
    def is_complete(path: str) -> bool:
        try:
            with open(os.path.join(path, "manifest.json"), "r", encoding="utf-8") as f:
                manifest = json.load(f)
            return (manifest.get("format") == FORMAT
                    and os.path.getsize(os.path.join(path, "state.pt")) == manifest["files"]["state.pt"])
        except (OSError, ValueError, KeyError, TypeError):
            return False

    def list(self) -> List[Tuple[int, str]]:
        """``[(iteration, folder)]`` of the complete checkpoints, oldest first."""
        if not os.path.isdir(self.root):
            return []
        out = []
        for name in os.listdir(self.root):
            path = os.path.join(self.root, name)
            if name.isdigit() and os.path.isdir(path) and self.is_complete(path):
                out.append((int(name), path))
        return sorted(out)

    def latest(self) -> Optional[str]:
        found = self.list()
        return found[-1][1] if found else None

    @staticmethod
    def load(path: str) -> Dict[str, Any]:
        """The state of checkpoint folder ``path`` (tensors on the CPU)."""
        if not os.path.isdir(path):
            raise FileNotFoundError(f"checkpoint folder {path!r} does not exist")
        if not CheckpointStore.is_complete(path):
            raise ValueError(f"{path!r} is not a complete srgan_cpp checkpoint (no matching manifest.json / state.pt)")
        try:
            state = torch.load(os.path.join(path, "state.pt"), map_location="cpu", weights_only=True)
        except Exception as e:  # corrupt files, pickles that would run code
            raise ValueError(f"checkpoint {path!r}: state.pt cannot be read as a weights-only file: {e}") from e
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise ValueError(f"checkpoint {path!r} is not in srgan_cpp's format {FORMAT!r}")
        return state

    def clean_partial(self) -> None:
        """Removes hidden folders left by interrupted writes."""
        if os.path.isdir(self.root):
            for name in os.listdir(self.root):
                if name.startswith(".tmp-") or name.startswith(".old-"):
                    shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)

    # -- writing ----------------------------------------------------------------------
    def _written(self, path: str) -> None:
        if self.on_file_written is not None:
            self.on_file_written(path)

    def save(self, iteration: int, state: Dict[str, Any]) -> str:
        """Writes checkpoint ``iteration`` atomically and returns its folder.

        Raises TrainingError (the previous checkpoints untouched) when it cannot be written,
        e.g. for a full disk.
        """
        os.makedirs(self.root, exist_ok=True)
        final = os.path.join(self.root, str(int(iteration)))
        tmp = tempfile.mkdtemp(prefix=f".tmp-{iteration}-", dir=self.root)
        try:
            state_path = os.path.join(tmp, "state.pt")
            with open(state_path, "wb") as f:
                torch.save({"format": FORMAT, **state}, f)
                f.flush()
                os.fsync(f.fileno())
            self._written(state_path)
            manifest = {"format": FORMAT, "iteration": int(iteration),
                        "files": {"state.pt": os.path.getsize(state_path)}}
            with open(os.path.join(tmp, "manifest.json"), "w", encoding="utf-8") as f:
                json.dump(manifest, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            self._written(os.path.join(tmp, "manifest.json"))
            _fsync_dir(tmp)
            old = None
            if os.path.exists(final):
                old = tempfile.mkdtemp(prefix=f".old-{iteration}-", dir=self.root)
                os.rmdir(old)
                os.rename(final, old)
            os.rename(tmp, final)
            _fsync_dir(self.root)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            raise TrainingError(f"could not write the checkpoint of iteration {iteration} to {self.root!r}: {e}",
                                self.latest()) from e
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def prune(self, protect: Tuple[int, ...] = ()) -> None:
        """Deletes all but the newest ``keep_last`` checkpoints, keeping those in ``protect``."""
        found = self.list()
        keep = {it for it, _ in found[-self.keep_last:]} | set(protect)
        for it, path in found:
            if it not in keep:
                # hide it first (one rename), so a crash mid-delete never leaves a half checkpoint visible
                trash = os.path.join(self.root, f".old-{it}-prune")
                try:
                    os.rename(path, trash)
                except OSError:
                    trash = path
                shutil.rmtree(trash, ignore_errors=True)

    # -- BasicSR-layout weights ---------------------------------------------------------
    def export_weights(self, label: str, tag: str, params: Mapping[str, Tensor],
                       params_ema: Optional[Mapping[str, Tensor]] = None, safetensors: bool = False,
                       arch: Optional[Mapping[str, Any]] = None) -> List[str]:
        """Writes ``models/<label>_<tag>.pth`` (``{"params"[, "params_ema"][, "arch"]}``) and,
        when asked, ``models/<label>_<tag>.safetensors`` (the EMA weights when there are some,
        the key named in its metadata). ``arch``: :func:`arch_record` of the network, so
        ``srgan_cpp.models.load`` gets the arguments the weights cannot tell. Returns the
        paths written."""
        os.makedirs(self.models, exist_ok=True)
        payload: Dict[str, Any] = {"params": cpu_state_dict(params)}
        if params_ema is not None:
            payload["params_ema"] = cpu_state_dict(params_ema)
        if arch is not None:
            payload["arch"] = dict(arch)
        path = os.path.join(self.models, f"{label}_{tag}.pth")
        try:
            with atomic_write(path, suffix=".pth") as f:
                torch.save(payload, f)
            out = [path]
            if safetensors:
                from ..models import save

                key = "params_ema" if params_ema is not None else "params"
                st = os.path.join(self.models, f"{label}_{tag}.safetensors")
                save(payload[key], st, param_key=key)
                out.append(st)
        except OSError as e:
            raise TrainingError(f"could not write {label} weights to {self.models!r}: {e}", self.latest()) from e
        return out


def check_writable(folder: str, key: str) -> None:
    """Creates ``folder`` if needed and probes that files can be written there (ConfigError otherwise)."""
    try:
        os.makedirs(folder, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise ConfigError(key, f"cannot write to the run folder {folder!r}: {e.strerror or e}") from None


def arch_record(cfg: Any) -> Dict[str, Any]:
    """The ``arch`` entry of exported weights for a NetworkConfig: ``{"type", "kwargs"}``
    (plain data: read back with ``weights_only=True``)."""
    from .schema import to_data

    return {"type": cfg.type, "kwargs": to_data(dict(cfg.kwargs))}


def model_spec(cfg: Any) -> Optional[Dict[str, Any]]:
    """The architecture record of a NetworkConfig (compared on resume)."""
    return None if cfg is None else {"type": cfg.type, **cfg.kwargs}
