"""Several processes with torchrun: DistributedDataParallel, rank-0 reporting.

``torchrun --nproc_per_node N -m srgan_cpp train CONFIG`` sets ``RANK``, ``WORLD_SIZE`` and
``LOCAL_RANK``; :func:`setup` then joins the process group (NCCL on GPUs, gloo on the CPU)
and gives each process its device (``cuda:LOCAL_RANK``). Every process trains on its own
slice of each global batch (see :mod:`.data`); DDP averages the gradients; rank 0 alone
logs, validates and writes checkpoints, the others wait at barriers.
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import Any, List, Optional

import torch
import torch.distributed as dist
from torch import Tensor, nn

from .errors import ConfigError


@dataclass
class Dist:
    """Where this process stands: ``rank`` of ``world``; ``enabled`` when world > 1."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    enabled: bool = False
    owns_group: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()

    def all_min(self, flag: Tensor) -> Tensor:
        """The minimum of a (device) tensor over processes (unchanged with one process)."""
        if self.enabled:
            dist.all_reduce(flag, op=dist.ReduceOp.MIN)
        return flag

    def mean(self, values: Tensor) -> Tensor:
        """The mean of a tensor over processes."""
        if self.enabled:
            values = values.clone()
            dist.all_reduce(values, op=dist.ReduceOp.SUM)
            values /= self.world
        return values

    def gather_objects(self, obj: Any) -> List[Any]:
        """Every process's ``obj`` (a list of ``world`` items)."""
        if not self.enabled:
            return [obj]
        out: List[Any] = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def broadcast_object(self, obj: Any) -> Any:
        """Rank 0's ``obj`` on every process."""
        if not self.enabled:
            return obj
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def close(self) -> None:
        if self.owns_group and dist.is_initialized():
            dist.destroy_process_group()


def setup(device: str) -> Dist:
    """Joins torchrun's process group when launched by it (``WORLD_SIZE`` > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError("device", "cuda was asked for but CUDA is not available")
        torch.cuda.set_device(local)
    backend = "nccl" if device.startswith("cuda") else "gloo"
    owns = False
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, timeout=datetime.timedelta(minutes=30))
        owns = True
    return Dist(rank=dist.get_rank(), world=dist.get_world_size(), local_rank=local, enabled=True, owns_group=owns)


def wrap(module: nn.Module, d: Dist, device: torch.device) -> nn.Module:
    """``module`` in DistributedDataParallel when several processes train (else itself).
    Frozen parameters are left out by DDP, so wrap after freezing."""
    if not d.enabled or not any(p.requires_grad for p in module.parameters()):
        return module
    ids: Optional[List[int]] = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=ids, broadcast_buffers=True)
