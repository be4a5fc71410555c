"""Splitting a folder across processes (``torchrun --nproc_per_node N -m srgan_cpp upscale ...``).

Each process takes every ``world``-th file (one device each: ``LOCAL_RANK`` picks the GPU,
the CPU threads are shared out), and rank 0 gathers the per-file reports over a gloo
process group (which works for CPU and GPU processes alike) to print and write them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, List, Sequence, TypeVar

import torch

__all__ = ["World", "current_world", "shard", "share_cpu_threads", "gather_to_rank0", "finish"]

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0
    local_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        raise ValueError(f"environment variable {name}={os.environ[name]!r} is not an integer") from None


def current_world() -> World:
    """This process's place from the environment torchrun sets (``RANK``, ``WORLD_SIZE``,
    ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``); a lone process is rank 0 of 1."""
    size = _env_int("WORLD_SIZE", 1)
    rank = _env_int("RANK", 0)
    if size < 1 or not 0 <= rank < size:
        raise ValueError(f"RANK={rank} and WORLD_SIZE={size} do not describe a process group")
    return World(rank, size, _env_int("LOCAL_RANK", 0), _env_int("LOCAL_WORLD_SIZE", size))


def shard(items: Sequence[T], world: World) -> List[T]:
    """This process's share of ``items``: every ``world.size``-th, starting at its rank."""
    return list(items[world.rank::world.size])


def share_cpu_threads(world: World) -> None:
    """Processes on one machine split its cores instead of each taking them all."""
    if world.local_size > 1:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        torch.set_num_threads(max(1, cores // world.local_size))


def _group_ready(world: World) -> bool:
    import torch.distributed as dist

    if world.size == 1:
        return False
    if not dist.is_available():
        raise ValueError("WORLD_SIZE > 1 but this torch has no torch.distributed")
    if not dist.is_initialized():
        if "MASTER_ADDR" not in os.environ or "MASTER_PORT" not in os.environ:
            raise ValueError("WORLD_SIZE > 1 needs MASTER_ADDR and MASTER_PORT (start the processes with torchrun)")
        dist.init_process_group("gloo", rank=world.rank, world_size=world.size)
    return True


def gather_to_rank0(obj: Any, world: World) -> List[Any]:
    """Every rank's ``obj`` on rank 0 (in rank order); ``[]`` on the other ranks."""
    if not _group_ready(world):
        return [obj]
    import torch.distributed as dist

    out: List[Any] = [None] * world.size if world.is_main else []
    dist.gather_object(obj, out if world.is_main else None, dst=0)
    return out


def finish(world: World) -> None:
    """Leaves the process group this module created (if any)."""
    import torch.distributed as dist

    if world.size > 1 and dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
