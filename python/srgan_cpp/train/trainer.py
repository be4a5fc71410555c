"""The training engine: ``Trainer(config).fit()``.

A run goes through the configuration's stages in order (e.g. a PSNR-oriented stage, then
a GAN stage initialised from its EMA weights). Everything that can be checked is checked
before the first step: the configuration, every image of every stage (readable, sizes),
the networks against the scale, the patch size and the image channels, the weights files,
the run folder's writability. Then, per stage: networks (fresh, carried over or loaded),
frozen layers, EMA, optimisers, schedules, precision, DDP, the data stream; iterations with
logging, validation and checkpoints; at the stage end, its final weights. At the end, ESRGAN
network interpolation when asked and the loss curves.

The run folder mirrors BasicSR's ``experiments/<name>/``: the options file as given, the
resolved configuration (``config_resolved.yml``), ``models/`` (BasicSR-layout weights),
``training_states/`` (checkpoints), ``visualization/`` (validation grids), the text log,
``metrics.jsonl`` and ``loss_curves.png``.
"""
from __future__ import annotations

import copy
import datetime
import math
import os
import random
import resource
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor, nn

from .. import models as _models
from .._atomic import atomic_write
from . import build, hooks as _hooks, networks, precision, schedules
from .checkpoint import (CheckpointStore, arch_record, check_writable, cpu_state_dict, model_spec, rng_state,
                         set_rng_state)
from .config import NetworkConfig, StageConfig, TrainConfig
from .data import CACHE_AUTO_BYTES, StreamDataset, dataset_pairs, make_batches, scan
from .distributed import Dist, setup as dist_setup, wrap as dist_wrap
from .ema import EMA
from .errors import ConfigError, TrainingError
from .loading import dump_yaml, load_config
from .objectives import AuxForward, ContentLoss
from .run_log import RunLog
from .steps import Stepper, StepResult
from .validation import build_sets, validate

PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class TrainResult:
    """What :meth:`Trainer.fit` did.

    run_dir: the run folder; iterations: of the run, done; stopped: ended early by
    ``request_stop``; first_val / last_val: metrics of the first and last validation
    (``{"psnr_y": ..., "bicubic/psnr_y": ...}``); best: ``{"metric", "value", "iteration"}``;
    checkpoint: the newest checkpoint folder; weights: ``models/net_g_latest.pth``;
    interpolated: paths of the interpolated generators; loss_curves: the PNG; bad_steps:
    steps skipped for a NaN/Inf loss; seconds: wall time of ``fit``.
    """

    run_dir: str
    iterations: int
    stopped: bool = False
    first_val: Optional[Dict[str, float]] = None
    last_val: Optional[Dict[str, float]] = None
    best: Optional[Dict[str, Any]] = None
    checkpoint: Optional[str] = None
    weights: Optional[str] = None
    interpolated: List[str] = field(default_factory=list)
    loss_curves: Optional[str] = None
    bad_steps: int = 0
    seconds: float = 0.0


def _in_channels(cfg: NetworkConfig) -> int:
    """The image channels an architecture takes (from the registry's geometry)."""
    return int(networks.geometry(cfg.type, cfg.kwargs).in_channels)


def _peak_mem_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2 ** 20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def resolve_device(text: str) -> torch.device:
    """``cpu`` / ``cuda`` / ``cuda:N`` / ``auto`` -> a device that exists (ConfigError otherwise)."""
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(text)
    except RuntimeError:
        raise ConfigError("device", f"expected cpu, cuda or cuda:N, got {text!r}") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError("device", f"{text!r} was asked for, but CUDA is not available here (use cpu)")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ConfigError("device", f"{text!r}: there are {torch.cuda.device_count()} CUDA devices")
    elif dev.type != "cpu":
        raise ConfigError("device", f"expected cpu, cuda or cuda:N, got {text!r}")
    return dev


class Trainer:
    """Trains the stages of a configuration.

    Args:
        config: a :class:`TrainConfig`, a mapping, a YAML/JSON file (srgan_cpp's format or
            BasicSR's options) or ``"recipe:NAME"`` (see :func:`load_config`).
        out_dir: the run folder (default ``<output_dir>/<name>``, BasicSR's
            ``experiments/<name>``).
        resume: None (a new run: an existing run folder is first renamed to
            ``<folder>_archived_<time>``, as BasicSR does), ``"auto"`` (the newest complete
            checkpoint of the run folder, or a new run if there is none) or the path of a
            checkpoint folder or run folder.
        device, amp: override the configuration's ``device`` / ``amp``.
        hooks: :class:`~srgan_cpp.train.hooks.Hook` objects.
        overrides: ``key.path=value`` assignments (when ``config`` is read here).
        progress: override ``log.progress`` (True / False).
    """

    def __init__(self, config: Union[TrainConfig, PathLike, Mapping[str, Any]], *, out_dir: Optional[PathLike] = None,
                 resume: Optional[PathLike] = None, device: Optional[str] = None, amp: Optional[str] = None,
                 hooks: Sequence[_hooks.Hook] = (), overrides: Sequence[str] = (), progress: Optional[bool] = None) -> None:
        cfg = config if isinstance(config, TrainConfig) else load_config(config, overrides)
        if isinstance(config, TrainConfig) and overrides:
            raise ValueError("Trainer: `overrides` apply when the configuration is read here; pass a path or mapping")
        cfg = copy.copy(cfg)
        if device is not None:
            cfg.device = str(device)
        if amp is not None:
            if amp not in ("off", "bf16", "fp16"):
                raise ConfigError("amp", f"expected off, bf16 or fp16, got {amp!r}")
            cfg.amp = amp  # type: ignore[assignment]
        if progress is not None:
            cfg.log = copy.copy(cfg.log)
            cfg.log.progress = "on" if progress else "off"
        self.config = cfg
        self.out_dir = None if out_dir is None else os.fspath(out_dir)
        self.resume = None if resume is None else os.fspath(resume)
        self.hooks = list(hooks)
        self._stop = False
        self.dist = Dist()
        self.device = torch.device("cpu")
        self.iteration = 0
        self.best: Optional[Dict[str, Any]] = None
        self.bad_steps = 0
        self.g_raw: Optional[nn.Module] = None
        self.d_raw: Optional[nn.Module] = None
        self.ema: Optional[EMA] = None
        self.stage: Optional[StageConfig] = None
        self._prepared: Dict[int, Tuple[nn.Module, Optional[nn.Module], int]] = {}
        self._cache: Dict[int, bool] = {}
        self._val_sets: Dict[Optional[int], List[Any]] = {}
        self._g_cfg: Optional[NetworkConfig] = None
        self._d_cfg: Optional[NetworkConfig] = None
        self._last_d: Optional[nn.Module] = None
        self._carry_state: Optional[Dict[str, Any]] = None
        self._archived: Optional[str] = None
        self._threads_before: Optional[int] = None
        self._prev: Dict[str, Optional[Dict[str, Tensor]]] = {}
        self.store: Optional[CheckpointStore] = None
        self.log: Optional[RunLog] = None
        self.run_dir = self.out_dir or os.path.join(cfg.output_dir, cfg.name)

    # ------------------------------------------------------------------------------
    @property
    def is_main(self) -> bool:
        """Whether this is the process that logs and writes (rank 0)."""
        return self.dist.is_main

    def request_stop(self) -> None:
        """Ends the run after the current iteration (with a checkpoint)."""
        self._stop = True

    def _offsets(self) -> List[int]:
        out, total = [], 0
        for st in self.config.stages:
            out.append(total)
            total += st.iterations
        return out

    def _say(self, msg: str) -> None:
        if self.log is not None:
            self.log.info(msg)

    # -- checks before anything runs ------------------------------------------------------
    def _resolve_resume(self) -> Optional[str]:
        """The checkpoint folder to resume from (and the run folder it belongs to)."""
        if self.resume is None:
            return None
        if self.resume == "auto":
            return CheckpointStore(self.run_dir).latest()
        path = os.path.abspath(self.resume)
        if not os.path.isdir(path):
            raise ConfigError("--resume", f"{self.resume!r} is not a checkpoint or run folder")
        if CheckpointStore.is_complete(path):
            if self.out_dir is None:
                self.run_dir = os.path.dirname(os.path.dirname(path))
            return path
        latest = CheckpointStore(path).latest()
        if latest is None:
            raise ConfigError("--resume", f"{self.resume!r} holds no complete checkpoint "
                                          f"(expected a training_states/<iteration> folder or a run folder)")
        if self.out_dir is None:
            self.run_dir = path
        return latest

    def _data_channels(self, st: StageConfig) -> Optional[int]:
        if st.data.color == "y":
            return 3
        return st.data.train.channels or _in_channels(st.generator)

    def prepare(self) -> Dict[str, Any]:
        """Checks everything that can be checked without training and builds the stages'
        fresh networks; returns a summary (what ``--dry-run`` prints). Writes nothing."""
        cfg = self.config
        self.device = resolve_device(cfg.device if not self.dist.enabled or not cfg.device.startswith("cuda")
                                     else f"cuda:{self.dist.local_rank}")
        precision.check(cfg.amp, self.device)
        if cfg.threads and torch.get_num_threads() != cfg.threads:
            if self._threads_before is None:
                self._threads_before = torch.get_num_threads()
            torch.set_num_threads(cfg.threads)
        summary: Dict[str, Any] = {"name": cfg.name, "run_dir": self.run_dir, "device": str(self.device),
                                   "amp": cfg.amp, "world_size": self.dist.world, "stages": []}
        for si, st in enumerate(cfg.stages):
            key = f"stages[{si}]"
            pairs = dataset_pairs(st.data.train, cfg.scale, f"{key}.data.train")
            pixels = scan(pairs, cfg.scale, st.data.patch_size, f"{key}.data.train")
            self._cache[si] = st.data.cache == "on" or (st.data.cache == "auto" and pixels * 3 < CACHE_AUTO_BYTES)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(cfg.seed * 1009 + si)
                g = networks.build(st.generator.type, st.generator.kwargs, f"{key}.generator")
                in_ch = 1 if st.data.color == "y" else self._data_channels(st)
                geo = networks.geometry(st.generator.type, st.generator.kwargs)
                probe = max(16, geo.min_size)
                probe += (-probe) % geo.size_multiple
                _, out_ch = networks.probe_generator(g, cfg.scale, int(in_ch), st.data.input, f"{key}.generator", probe)
                d = None
                if st.discriminator is not None and st.losses.adversarial is not None:
                    d = networks.build(st.discriminator.type, st.discriminator.kwargs, f"{key}.discriminator")
                    networks.probe_discriminator(d, st.data.patch_size, out_ch, f"{key}.discriminator")
            if st.sharpen_gt is not None and st.data.patch_size <= st.sharpen_gt.radius:
                raise ConfigError(f"{key}.data.patch_size", f"USM sharpening needs patches larger than its radius "
                                                            f"{st.sharpen_gt.radius}")
            self._prepared[si] = (g, d, out_ch)
            self._check_inits(si, st, g, d)
            if st.losses.perceptual is not None:
                from .objectives import build_perceptual

                try:
                    build_perceptual(st.losses.perceptual)  # reads and checks the VGG weights file
                except (ValueError, FileNotFoundError) as e:
                    raise ConfigError(f"{key}.losses.perceptual.weights", str(e)) from None
            summary["stages"].append({"name": st.name, "iterations": st.iterations, "images": len(pairs),
                                      "generator": st.generator.type, "discriminator":
                                      st.discriminator.type if d is not None else None,
                                      "generator_params": sum(p.numel() for p in g.parameters())})
        if cfg.val is not None:
            # validation images are read with the channels of the stage's model (PSRGAN's
            # transfer stage turns an RGB model into a one-channel one)
            for st in cfg.stages:
                ch = self._data_channels(st)
                if ch not in self._val_sets:
                    self._val_sets[ch] = build_sets(cfg.val, cfg.scale, ch)
            summary["val_images"] = sum(len(s) for s in next(iter(self._val_sets.values())))
        return summary

    def _check_inits(self, si: int, st: StageConfig, g: nn.Module, d: Optional[nn.Module]) -> None:
        """Loads the stage's initial weights and freezes its layers on throwaway copies, so
        a file that does not fit (or a pattern that selects nothing) stops the run now."""
        key = f"stages[{si}]"
        if st.init_g is not None:
            prev = None
            if st.init_g.is_previous():
                sd = self._prepared[si - 1][0].state_dict()
                prev = {"params": sd, "params_ema": sd}
            build.load_init(copy.deepcopy(g), st.init_g, f"{key}.init_g", prev)
        if st.freeze_g:
            build.apply_freeze(copy.deepcopy(g), st.freeze_g, f"{key}.freeze_g")
        if d is not None and st.init_d is not None and not st.init_d.is_previous():
            build.load_init(copy.deepcopy(d), st.init_d, f"{key}.init_d")

    # -- run folder -------------------------------------------------------------------------
    def _open_run_folder(self, resuming: bool) -> None:
        if self.is_main:
            if not resuming and os.path.isdir(self.run_dir) and os.listdir(self.run_dir):
                stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
                archived = f"{self.run_dir.rstrip(os.sep)}_archived_{stamp}"
                os.rename(self.run_dir, archived)
                self._archived = archived
            check_writable(self.run_dir, "--out" if self.out_dir else "output_dir")
        self.dist.barrier()
        self.store = CheckpointStore(self.run_dir, self.config.checkpoint.keep_last)
        if resuming and self.is_main:
            RunLog.truncate_after(self.run_dir, self.iteration)  # those lines are logged again
        total = sum(st.iterations for st in self.config.stages)
        self.log = RunLog(self.run_dir, self.config.name, self.config.log, self.is_main, total, self.iteration)
        if not self.is_main:
            return
        self.store.clean_partial()
        cfg = self.config
        if cfg.source_text is not None:
            base = os.path.basename(cfg.source) if cfg.source and not cfg.source.startswith("recipe:") else \
                f"{cfg.name}.yml"
            with atomic_write(os.path.join(self.run_dir, base)) as f:
                f.write(cfg.source_text.encode("utf-8"))
        with atomic_write(os.path.join(self.run_dir, "config_resolved.yml"), suffix=".yml") as f:
            f.write(dump_yaml(cfg).encode("utf-8"))

    # -- networks of a stage -------------------------------------------------------------------
    def _setup_networks(self, si: int, st: StageConfig, resumed: bool) -> None:
        """The stage's generator and discriminator on the device, initial weights loaded
        (unless resuming, where the checkpoint provides them), layers frozen, EMA."""
        key = f"stages[{si}]"
        fresh_g, fresh_d, _ = self._prepared[si]
        if self.g_raw is None or self._g_cfg != st.generator:
            self.g_raw = fresh_g  # built and checked by prepare(), seeded per stage
            self._g_cfg = st.generator
        # else: the same architecture as the previous stage carries on with its weights
        if not resumed and st.init_g is not None:
            self._say(f"[{st.name}] generator: " + build.load_init(self.g_raw, st.init_g, f"{key}.init_g", self._prev))
        self.g_raw.requires_grad_(True)
        if st.freeze_g:
            n = build.apply_freeze(self.g_raw, st.freeze_g, f"{key}.freeze_g")
            self._say(f"[{st.name}] generator: {n} parameter tensors frozen ({', '.join(st.freeze_g)})")
        if fresh_d is None:
            self.d_raw = None
        else:
            reuse = (self._last_d is not None and self._d_cfg == st.discriminator
                     and (st.init_d is None or st.init_d.is_previous()))
            if st.init_d is not None and st.init_d.is_previous() and not reuse:
                raise ConfigError(f"{key}.init_d", "the previous discriminator has another architecture")
            self.d_raw = self._last_d if reuse else fresh_d
            self._d_cfg = st.discriminator
            self._last_d = self.d_raw
            if not resumed and st.init_d is not None and not st.init_d.is_previous():
                self._say(f"[{st.name}] discriminator: " + build.load_init(self.d_raw, st.init_d, f"{key}.init_d"))
            self.d_raw.requires_grad_(True)
        fmt = torch.channels_last if self.config.channels_last else torch.contiguous_format
        self.g_raw.to(self.device, memory_format=fmt)
        self.g_raw.train()
        if self.d_raw is not None:
            self.d_raw.to(self.device, memory_format=fmt)
            self.d_raw.train()
        self.ema = EMA(self.g_raw, st.ema) if st.ema is not None else None

    def _build_stepper(self, si: int, st: StageConfig) -> Tuple[Stepper, List[torch.optim.Optimizer], List[List[float]]]:
        key = f"stages[{si}]"
        assert self.g_raw is not None
        g_params = [p for p in self.g_raw.parameters() if p.requires_grad]
        opt_g = build.optimizer(st.optim_g, g_params, self.device, f"{key}.optim_g")
        opts = [opt_g]
        opt_d = None
        if self.d_raw is not None:
            opt_d = build.optimizer(st.optim_d, list(self.d_raw.parameters()), self.device, f"{key}.optim_d")
            opts.append(opt_d)
        method = st.losses.aux_forward()  # DRCN's / LapSRN's losses train through forward_all / forward_pyramid
        g = dist_wrap(AuxForward(self.g_raw, method) if method else self.g_raw, self.dist, self.device)
        d = dist_wrap(self.d_raw, self.dist, self.device) if self.d_raw is not None else None
        content = ContentLoss(st.losses, st.iterations, g_params).to(self.device)
        if self.config.channels_last:
            content = content.to(memory_format=torch.channels_last)
        amp, dev = self.config.amp, self.device
        stepper = Stepper(st, g, self.g_raw, d, self.d_raw, opt_g, opt_d, precision.Scaler(amp, dev),
                          precision.Scaler(amp, dev), content, self.ema, lambda: precision.autocast(amp, dev), self.dist)
        bases = [[grp["lr"] for grp in o.param_groups] for o in opts]
        return stepper, opts, bases

    # -- checkpoints --------------------------------------------------------------------------
    def _state(self, si: int, stage_it: int, position: int, stepper: Stepper) -> Optional[Dict[str, Any]]:
        """The checkpoint's content on rank 0 (None elsewhere); collects every process's RNG."""
        assert self.g_raw is not None
        rngs = self.dist.gather_objects(rng_state())
        if not self.is_main:
            return None
        nets: Dict[str, Any] = {"g": cpu_state_dict(self.g_raw.state_dict())}
        if self.d_raw is not None:
            nets["d"] = cpu_state_dict(self.d_raw.state_dict())
        if self.ema is not None:
            nets["g_ema"] = cpu_state_dict(self.ema.state_dict())
        state = {
            "iteration": self.iteration, "stage_index": si, "stage_name": self.config.stages[si].name,
            "stage_iteration": stage_it, "stream_position": position, "bad_steps": self.bad_steps,
            "world_size": self.dist.world, "nets": nets,
            "optimizers": {"g": stepper.opt_g.state_dict(), **({"d": stepper.opt_d.state_dict()} if stepper.opt_d else {})},
            "scalers": {"g": stepper.scaler_g.state_dict(), "d": stepper.scaler_d.state_dict()},
            "rng": rngs, "best": self.best, "config": self.config.to_raw(),
            "specs": {"g": model_spec(self._g_cfg), "d": model_spec(self._d_cfg if self.d_raw is not None else None)},
        }
        return state

    def _finite_weights(self) -> bool:
        tensors = [t.detach() for m in (self.g_raw, self.d_raw) if m is not None for t in m.state_dict().values()
                   if t.is_floating_point()]
        norms = torch._foreach_norm(tensors) if tensors else []
        return bool(torch.isfinite(torch.stack([n.float() for n in norms])).all()) if norms else True

    def _checkpoint(self, si: int, stage_it: int, position: int, stepper: Stepper) -> Optional[str]:
        if not self._finite_weights():
            raise TrainingError(f"stage {self.config.stages[si].name!r}: the weights are NaN/Inf at iteration "
                                f"{self.iteration}; no checkpoint written", self.store.latest() if self.store else None)
        state = self._state(si, stage_it, position, stepper)  # collective (RNG of every process)

        def write() -> str:
            assert self.store is not None and state is not None
            tag = str(self.iteration)
            ema = state["nets"].get("g_ema")
            safet = self.config.checkpoint.safetensors
            arch = arch_record(self._g_cfg)
            self.store.export_weights("net_g", tag, state["nets"]["g"], ema, safet, arch)
            self.store.export_weights("net_g", "latest", state["nets"]["g"], ema, arch=arch)
            if "d" in state["nets"]:
                self.store.export_weights("net_d", tag, state["nets"]["d"])
                self.store.export_weights("net_d", "latest", state["nets"]["d"])
            path = self.store.save(self.iteration, state)
            protect = (self.best["iteration"],) if self.best and self.config.checkpoint.keep_best else ()
            self.store.prune(protect)
            assert self.log is not None
            self.log.record("checkpoint", self.iteration, stage=self.config.stages[si].name, path=path)
            self._say(f"checkpoint {path}")
            return path

        path = self._on_main(write)
        _hooks.call(self.hooks, "on_checkpoint", self, self.iteration, path or "")
        return path

    def _on_main(self, fn: Any) -> Any:
        """``fn()`` on rank 0, its result on every process; an exception there is raised on
        every process (so none waits forever at the next collective)."""
        result, error = None, None
        if self.is_main:
            try:
                result = fn()
            except (TrainingError, ConfigError, OSError, ValueError, RuntimeError) as e:
                error = e
        if not self.dist.enabled:
            if error is not None:
                raise error
            return result
        result, message = self.dist.broadcast_object((result, None if error is None else str(error)))
        if error is not None:
            raise error
        if message is not None:
            raise TrainingError(f"rank 0 stopped: {message}")
        return result

    def _check_resume_state(self, state: Dict[str, Any], path: str) -> None:
        si = int(state["stage_index"])
        cfg = self.config
        if si >= len(cfg.stages) or cfg.stages[si].name != state["stage_name"]:
            raise ConfigError("--resume", f"checkpoint {path!r} is from stage {state['stage_name']!r}, which this "
                                          f"configuration does not have at position {si}")
        st = cfg.stages[si]
        for net, want in (("g", model_spec(st.generator)), ("d", model_spec(st.discriminator if st.losses.adversarial
                                                                             else None))):
            got = state["specs"].get(net)
            if got is not None and want is not None and got != want:
                what = "generator" if net == "g" else "discriminator"
                raise ConfigError("--resume", f"checkpoint {path!r} holds a {what} {got}, but the configuration's "
                                              f"stage {st.name!r} trains {want} (another architecture)")

    def _load_state(self, state: Dict[str, Any], stepper: Stepper, path: str) -> None:
        assert self.g_raw is not None
        try:
            self.g_raw.load_state_dict(state["nets"]["g"], strict=True)
            if self.d_raw is not None and "d" in state["nets"]:
                self.d_raw.load_state_dict(state["nets"]["d"], strict=True)
            if self.ema is not None and "g_ema" in state["nets"]:
                self.ema.load_state_dict(state["nets"]["g_ema"])
            stepper.opt_g.load_state_dict(state["optimizers"]["g"])
            if stepper.opt_d is not None and "d" in state["optimizers"]:
                stepper.opt_d.load_state_dict(state["optimizers"]["d"])
        except (RuntimeError, ValueError, KeyError) as e:
            raise ConfigError("--resume", f"checkpoint {path!r} does not fit the configuration's networks: "
                                          f"{str(e).splitlines()[0][:300]}") from None
        stepper.scaler_g.load_state_dict(state["scalers"].get("g", {}))
        stepper.scaler_d.load_state_dict(state["scalers"].get("d", {}))
        self._restore_rng(state)

    def _restore_rng(self, state: Dict[str, Any]) -> None:
        rngs = state["rng"]
        if len(rngs) == self.dist.world:
            set_rng_state(rngs[self.dist.rank])
        else:
            set_rng_state(rngs[0])
            torch.manual_seed(self.config.seed * 7919 + self.iteration * 31 + self.dist.rank)
            self._say(f"resuming on {self.dist.world} processes a run saved on {len(rngs)}: the torch random "
                      f"streams are re-derived (data order is unchanged)")

    def _export_stage(self, st: StageConfig) -> None:
        assert self.g_raw is not None
        self._prev = {"params": cpu_state_dict(self.g_raw.state_dict()),
                      "params_ema": cpu_state_dict(self.ema.state_dict()) if self.ema is not None else None}
        if self.is_main:
            assert self.store is not None
            self.store.export_weights("net_g", f"stage_{st.name}", self._prev["params"], self._prev["params_ema"],
                                      self.config.checkpoint.safetensors, arch_record(st.generator))

    # -- validation ---------------------------------------------------------------------------
    def _validate(self, st: StageConfig) -> Optional[Dict[str, float]]:
        cfg = self.config
        if cfg.val is None:
            return None

        def run() -> Dict[str, float]:
            assert self.g_raw is not None and self.log is not None
            model = self.ema.module if (self.ema is not None and cfg.val.use_ema) else self.g_raw
            grid = os.path.join(self.run_dir, "visualization", f"val_{self.iteration:08d}.png")
            t0 = time.perf_counter()
            metrics = validate(model, self._val_sets[self._data_channels(st)], cfg.val, st.data, cfg.scale, self.device, grid,
                               f"{st.name} @ {self.iteration}")
            name = cfg.val.metric()
            self.log.record("val", self.iteration, stage=st.name, metrics=metrics, seconds=time.perf_counter() - t0)
            improved = self.iteration > 0 and (self.best is None or metrics[name] > self.best["value"])
            line = ", ".join(f"{k} {v:.4f}" for k, v in metrics.items() if "/" not in k)
            bic = metrics.get(f"bicubic/{name}")
            self._say(f"[{st.name}] validation @ {self.iteration}: {line}" +
                      (f" (bicubic {name} {bic:.4f})" if bic is not None else "") + (" - best" if improved else ""))
            if improved:
                self.best = {"metric": name, "value": metrics[name], "iteration": self.iteration}
                assert self.store is not None
                params = cpu_state_dict(self.g_raw.state_dict())
                ema = cpu_state_dict(self.ema.state_dict()) if self.ema is not None else None
                self.store.export_weights("net_g", "best", params, ema, arch=arch_record(st.generator))
            return metrics

        metrics = self._on_main(run)
        self.best = self.dist.broadcast_object(self.best)
        if metrics is not None:
            _hooks.call(self.hooks, "on_validation", self, self.iteration, metrics)
        return metrics

    # -- the run ---------------------------------------------------------------------------
    def make_step(self, stage: Union[int, str] = 0) -> Stepper:
        """One stage's update, set up as :meth:`fit` does (networks on the device, frozen
        layers, EMA, optimisers, precision, losses) but without a run folder or data: call
        the result as ``step(lq, gt, iteration) -> StepResult`` with batches on
        :attr:`device` (channels_last when the configuration says so). For benchmarks and
        custom loops; the stage must not start from a previous stage's weights."""
        names = [s.name for s in self.config.stages]
        si = names.index(stage) if isinstance(stage, str) and stage in names else stage
        if not isinstance(si, int) or not 0 <= si < len(names):
            raise ValueError(f"make_step: no stage {stage!r} (stages: {names})")
        st = self.config.stages[si]
        if (st.init_g is not None and st.init_g.is_previous()) or (st.init_d is not None and st.init_d.is_previous()):
            raise ValueError(f"make_step: stage {st.name!r} starts from the previous stage's weights; use fit()")
        if not self._prepared:
            self.prepare()
        with torch.random.fork_rng(devices=[]):
            self._setup_networks(si, st, resumed=False)
            stepper, _, _ = self._build_stepper(si, st)
        return stepper

    def dry_run(self) -> Dict[str, Any]:
        """Everything :meth:`fit` checks before its first step, without training or writing."""
        try:
            summary = self.prepare()
        finally:
            if self._threads_before is not None:
                torch.set_num_threads(self._threads_before)
                self._threads_before = None
        target = os.path.abspath(self.run_dir)
        parent = target
        while not os.path.exists(parent):
            parent = os.path.dirname(parent)
        if not os.access(parent, os.W_OK):
            raise ConfigError("--out" if self.out_dir else "output_dir", f"cannot write to {parent!r}")
        summary["warnings"] = list(self.config.warnings)
        return summary

    def fit(self) -> TrainResult:
        """Runs (or resumes) the whole configuration; returns a :class:`TrainResult`."""
        t_start = time.perf_counter()
        self.dist = dist_setup(self.config.device)
        try:
            result = self._fit(t_start)
            # Every rank finished before the group is destroyed: a rank tearing gloo down while
            # another is still in its last collective aborted the process at exit.
            self.dist.barrier()
            return result
        finally:
            if self.log is not None:
                self.log.close(plot=False)
            self.dist.close()
            if self._threads_before is not None:  # `threads` applies to the run only
                torch.set_num_threads(self._threads_before)
                self._threads_before = None

    def _fit(self, t_start: float) -> TrainResult:
        cfg = self.config
        ckpt_path = self._resolve_resume()
        self.prepare()
        state = CheckpointStore.load(ckpt_path) if ckpt_path is not None else None
        if state is not None:
            self._check_resume_state(state, ckpt_path)  # type: ignore[arg-type]
            self.iteration = int(state["iteration"])
            self.bad_steps = int(state["bad_steps"])
            self.best = state.get("best")
        else:
            random.seed(cfg.seed)
            np.random.seed(cfg.seed % 2 ** 32)
            torch.manual_seed(cfg.seed)
        self._open_run_folder(resuming=state is not None)
        assert self.log is not None
        for w in cfg.warnings:
            self._say(f"warning: {w}")
        if self._archived:
            self._say(f"the run folder existed: renamed to {self._archived}")
        if state is not None:
            self.log.record("resume", self.iteration, checkpoint=ckpt_path)
            self._say(f"resuming from {ckpt_path} (iteration {self.iteration})")
        _hooks.call(self.hooks, "on_fit_start", self)
        result = TrainResult(run_dir=self.run_dir, iterations=self.iteration)
        offsets = self._offsets()
        first_stage = int(state["stage_index"]) if state is not None else 0
        if state is not None and int(state["stage_iteration"]) >= cfg.stages[first_stage].iterations:
            # the checkpoint closed its stage: carry its weights into the next one
            self._prev = {"params": state["nets"]["g"], "params_ema": state["nets"].get("g_ema")}
            self._carry_state = state
            first_stage += 1
            state_for_stage = None
        else:
            state_for_stage = state
            self._carry_state = None
        if state is None and cfg.val is not None and cfg.val.at_start:
            st0 = cfg.stages[0]
            with torch.random.fork_rng(devices=[]):
                self._setup_networks(0, st0, resumed=False)
            result.first_val = self._validate(st0)
            self.g_raw = None  # set up again by the stage (the same fresh weights)
        for si in range(first_stage, len(cfg.stages)):
            stopped = self._run_stage(si, offsets[si], state_for_stage if si == first_stage else None, result)
            state_for_stage = None
            if stopped or (self._stop and si + 1 < len(cfg.stages)):
                result.stopped = True
                break
        if not result.stopped:
            result.interpolated = self._interpolate()
        result.iterations = self.iteration
        result.bad_steps = self.bad_steps
        result.best = self.best
        if self.is_main:
            assert self.store is not None
            result.checkpoint = self.store.latest()
            latest = os.path.join(self.store.models, "net_g_latest.pth")
            result.weights = latest if os.path.isfile(latest) else None
            self.log.record("end", self.iteration, stopped=result.stopped, best=self.best,
                            seconds=time.perf_counter() - t_start)
            result.loss_curves = self.log.close(plot=cfg.log.plot)
            self.log = None
        result.seconds = time.perf_counter() - t_start
        _hooks.call(self.hooks, "on_fit_end", self, result)
        return result

    def _run_stage(self, si: int, offset: int, state: Optional[Dict[str, Any]], result: TrainResult) -> bool:
        """One stage from its start or from ``state``; True when stopped early."""
        cfg = self.config
        st = cfg.stages[si]
        self.stage = st
        resumed = state is not None
        carry, self._carry_state = self._carry_state, None
        # Setting up consumes no global random numbers (fork_rng), so a resumed run continues
        # the very random streams of an uninterrupted one.
        with torch.random.fork_rng(devices=[]):
            if not resumed and carry is not None:
                # resumed at a stage boundary: the finished stage's networks from the checkpoint
                self._setup_networks(si - 1, cfg.stages[si - 1], resumed=True)
                assert self.g_raw is not None
                self.g_raw.load_state_dict(carry["nets"]["g"])
                if self.d_raw is not None and "d" in carry["nets"]:
                    self.d_raw.load_state_dict(carry["nets"]["d"])
            self._setup_networks(si, st, resumed)
            stepper, opts, bases = self._build_stepper(si, st)
        start_it = int(state["stage_iteration"]) if resumed else 0
        position = int(state["stream_position"]) if resumed else 0
        if resumed:
            self._load_state(state, stepper, "--resume")  # type: ignore[arg-type]
        elif carry is not None:
            self._restore_rng(carry)
        assert self.log is not None
        if not resumed:
            self.log.record("stage_start", self.iteration, stage=st.name)
        self._say(f"[{st.name}] stage {si + 1}/{len(cfg.stages)}: {st.iterations} iterations "
                  f"({'from ' + str(start_it) if resumed else 'start'}), generator {st.generator.type}"
                  + (f", discriminator {st.discriminator.type}" if self.d_raw is not None else "")
                  + f", batch {st.data.batch_size} x {self.dist.world}, patch {st.data.patch_size}, amp {cfg.amp}, "
                  f"device {self.device}")
        _hooks.call(self.hooks, "on_stage_start", self, st)

        pairs = dataset_pairs(st.data.train, cfg.scale, f"stages[{si}].data.train")
        dataset = StreamDataset(pairs, st.data, cfg.scale, cfg.seed * 1000003 + si, self._data_channels(st),
                                cache=self._cache[si])
        batches = make_batches(dataset, st.data, position, self.dist.rank, self.dist.world,
                               pin_memory=self.device.type == "cuda")
        fmt = torch.channels_last if cfg.channels_last else torch.contiguous_format
        stage_bad = 0
        acc: Dict[str, Tensor] = {}
        counts: Dict[str, int] = {}
        norms: Dict[str, Tensor] = {}
        window_t0 = time.perf_counter()
        window_data = 0.0
        window_n = 0
        lr = 0.0
        stopped = False
        it = start_it
        try:
            for it in range(start_it + 1, st.iterations + 1):
                self.iteration = offset + it
                lr = schedules.set_lr(opts, bases, st.scheduler, it, st.iterations)
                t0 = time.perf_counter()
                lq, gt = batches.next()
                lq = lq.to(self.device, non_blocking=True).contiguous(memory_format=fmt)
                gt = gt.to(self.device, non_blocking=True).contiguous(memory_format=fmt)
                window_data += time.perf_counter() - t0
                log_now = self.iteration % cfg.log.every == 0 or it == st.iterations
                res: StepResult = stepper(lq, gt, it, want_norms=log_now)
                for k, v in res.terms.items():
                    acc[k] = acc[k] + v if k in acc else v.clone()
                    counts[k] = counts.get(k, 0) + 1
                norms.update(res.grad_norms)
                window_n += 1
                if res.skipped:
                    self.bad_steps += len(res.skipped)
                    stage_bad += len(res.skipped)
                    self.log.record("skipped_step", self.iteration, stage=st.name, networks=res.skipped)
                    self._say(f"[{st.name}] iteration {self.iteration}: non-finite loss, step of "
                              f"{' and '.join(res.skipped)} skipped ({stage_bad}/{st.max_bad_steps})")
                    if stage_bad >= st.max_bad_steps:
                        raise TrainingError(f"stage {st.name!r}: {stage_bad} steps with a NaN/Inf loss (max_bad_steps="
                                            f"{st.max_bad_steps}); lower the learning rate, enable gradient clipping "
                                            f"(clip_grad_g / clip_grad_d) or check the data",
                                            self.store.latest() if self.store else None)
                if log_now:
                    self._log_window(st, it, lr, acc, counts, norms, window_t0, window_data, window_n)
                    acc, counts, norms = {}, {}, {}
                    window_t0, window_data, window_n = time.perf_counter(), 0.0, 0
                self.log.advance(1)
                if self.hooks:
                    _hooks.call(self.hooks, "on_step_end", self, _hooks.StepInfo(self.iteration, st.name, it, lr, res))
                    if self.dist.enabled:
                        flag = torch.tensor([int(self._stop)], device=self.device)
                        torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
                        self._stop = bool(flag.item())
                last = it == st.iterations
                if cfg.val is not None and cfg.val.every and self.iteration % cfg.val.every == 0 and not last:
                    result.last_val = self._validate(st) or result.last_val
                    result.first_val = result.first_val or result.last_val
                periodic = bool(cfg.checkpoint.every) and self.iteration % cfg.checkpoint.every == 0
                if periodic and res.skipped and not self._stop:
                    self._say(f"[{st.name}] checkpoint of iteration {self.iteration} not written: its step was skipped")
                elif not last and (self._stop or periodic):
                    self._checkpoint(si, it, batches.position_after(it - start_it), stepper)
                if self._stop and not last:
                    stopped = True
                    self._say(f"[{st.name}] stopped at iteration {self.iteration} (request_stop)")
                    break
        finally:
            batches.close()
        if not stopped:
            self._export_stage(st)
            if cfg.val is not None:
                result.last_val = self._validate(st) or result.last_val
                result.first_val = result.first_val or result.last_val
            self._checkpoint(si, st.iterations, batches.position_after(st.iterations - start_it), stepper)
            self.log.record("stage_end", self.iteration, stage=st.name)
            _hooks.call(self.hooks, "on_stage_end", self, st)
        return stopped

    def _log_window(self, st: StageConfig, it: int, lr: float, acc: Dict[str, Tensor], counts: Dict[str, int],
                    norms: Dict[str, Tensor], t0: float, data_time: float, n: int) -> None:
        keys = sorted(acc)
        values: List[float] = []
        if keys:
            stacked = torch.stack([acc[k].float() / counts[k] for k in keys])
            values = self.dist.mean(stacked).tolist()  # the one host sync of the window
        nkeys = sorted(norms)
        nvals = torch.stack([norms[k].float() for k in nkeys]).tolist() if nkeys else []
        elapsed = time.perf_counter() - t0
        step_time = elapsed / max(1, n)
        losses = dict(zip(keys, values))
        assert self.log is not None
        self.log.record("train", self.iteration, stage=st.name, stage_iter=it, lr=lr, losses=losses,
                        grad_norm=dict(zip(nkeys, nvals)), step_time=step_time, data_time=data_time / max(1, n),
                        peak_mem_mb=_peak_mem_mb(self.device))
        remaining = sum(s.iterations for s in self.config.stages) - self.iteration
        eta = datetime.timedelta(seconds=int(remaining * step_time))
        shown = "  ".join(f"{k} {v:.3e}" for k, v in losses.items() if k.startswith("l_"))
        self._say(f"[{st.name}] iter {self.iteration} ({it}/{st.iterations}) lr {lr:.2e}  {shown}  "
                  f"{step_time:.3f} s/it (data {data_time / max(1, n):.3f})  eta {eta}")

    # -- interpolation ---------------------------------------------------------------------------
    def _interpolate(self) -> List[str]:
        out: List[str] = []
        if not self.config.interpolate or not self.is_main:
            return out
        assert self.store is not None
        for item in self.config.interpolate:
            which = "params_ema" if item.ema else "params"
            sds = []
            for stage in (item.a, item.b):
                path = os.path.join(self.store.models, f"net_g_stage_{stage}.pth")
                sds.append(torch.load(path, map_location="cpu", weights_only=True)[which])
            st = next(s for s in self.config.stages if s.name == item.b)
            for alpha in item.alpha:
                a = networks.build(st.generator.type, st.generator.kwargs, "interpolate")
                b = networks.build(st.generator.type, st.generator.kwargs, "interpolate")
                a.load_state_dict(sds[0])
                b.load_state_dict(sds[1])
                mixed = _models.interpolate(a, b, alpha)
                tag = f"interp_{item.a}_{item.b}_{alpha:g}"
                out += self.store.export_weights("net_g", tag, mixed.state_dict(), None, self.config.checkpoint.safetensors,
                                                 arch_record(st.generator))
                self._say(f"interpolated generator (1 - {alpha:g}) * {item.a} + {alpha:g} * {item.b} -> {out[-1]}")
        return out
