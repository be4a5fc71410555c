"""Training batches: srgan_cpp's datasets as an endless, seeded stream.

The training items form one stream: epoch ``e`` is a permutation (seeded by ``(seed, e)``)
of the dataset repeated ``repeat`` times, and item ``k`` of the stream is a pure function
of ``(seed, k)`` - its crop, degradation and flips come from generators seeded by
``(seed, epoch, index)``. So what a run sees does not depend on the number of loader
workers, and a run is resumed (or continued on another number of processes) by starting
the stream at the position where it stopped. Process ``r`` of ``W`` takes, from global
batch ``i``, the positions ``start + i*B*W + r*B ... + B`` (``B``: batch size per process).

Before training, :func:`scan` opens every image's header to find missing, unreadable,
mismatched (LR size != HR size / scale) and too-small images, naming the file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, Sampler

from ..data import SRDataset, bundled_images, imresize, list_images, match_pairs
from ..metrics import rgb_to_ycbcr
from .config import DatasetConfig, TrainDataConfig
from .errors import ConfigError

Pair = Tuple[str, str, Optional[str]]


def dataset_pairs(cfg: DatasetConfig, scale: int, key: str) -> List[Pair]:
    """``[(name, hr_path, lr_path or None)]`` of a set, ConfigError naming ``key`` when a
    folder is missing or empty, or files do not pair up."""
    try:
        if cfg.type == "paired":
            return match_pairs(cfg.hr, cfg.lr, scale)
        if cfg.type == "hr_folder":
            return _hr_folder_pairs(cfg.hr_folders(), key)
        if cfg.type == "bundled":
            chosen = set(cfg.stems())
            return [(p.stem, str(p), None) for p in bundled_images() if p.stem in chosen]
    except ConfigError:
        raise
    except (FileNotFoundError, ValueError) as e:
        raise ConfigError(key, str(e)) from None
    raise ConfigError(f"{key}.type", f"{cfg.type!r} cannot be used for training")


def _hr_folder_pairs(folders: Sequence[str], key: str) -> List[Pair]:
    """The images of one or more HR folders as one set; a name found in two folders is
    refused (items are named by file stem: two would be indistinguishable in logs)."""
    pairs: List[Pair] = []
    where: Dict[str, str] = {}
    for i, folder in enumerate(folders):
        sub = f"{key}.hr[{i}]" if len(folders) > 1 else f"{key}.hr"
        try:
            paths = list_images(folder)
        except (FileNotFoundError, ValueError) as e:
            raise ConfigError(sub, str(e)) from None
        for p in paths:
            name = os.path.splitext(os.path.basename(p))[0]
            if name in where:
                raise ConfigError(sub, f"image {name!r} is in {where[name]!r} and in {folder!r}: names must be unique")
            where[name] = folder
            pairs.append((name, p, None))
    return pairs


def _size(path: str, key: str) -> Tuple[int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            w, h = im.size
    except FileNotFoundError:
        raise ConfigError(key, f"image {path!r} does not exist") from None
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise ConfigError(key, f"{path!r} is not a readable image: {e}") from None
    return h, w


#: With ``cache: auto``, decoded images are kept in memory when they take less than this.
CACHE_AUTO_BYTES = 512 * 2 ** 20


def scan(pairs: Sequence[Pair], scale: int, patch_size: int, key: str) -> int:
    """Checks every pair before training: readable, LR = HR / scale, at least one patch.
    Returns the pixels of all the images (HR + LR), to size the cache."""
    p = patch_size // scale
    pixels = 0
    for name, hr_path, lr_path in pairs:
        hh, hw = _size(hr_path, key)
        pixels += hh * hw
        if lr_path is None:
            if hh // scale < p or hw // scale < p:
                raise ConfigError(f"{key}", f"HR image {hr_path!r} is {hh}x{hw}, smaller than `patch_size`={patch_size}")
            continue
        lh, lw = _size(lr_path, key)
        pixels += lh * lw
        if hh // scale != lh or hw // scale != lw:
            raise ConfigError(key, f"{name!r}: HR {hr_path!r} is {hh}x{hw} and LR {lr_path!r} is {lh}x{lw}, which does not "
                                   f"match `scale`={scale} (expected LR {hh // scale}x{hw // scale})")
        if lh < p or lw < p:
            raise ConfigError(key, f"LR image {lr_path!r} is {lh}x{lw}, smaller than the LR patch {p}x{p} "
                                   f"(`patch_size`={patch_size}, `scale`={scale})")
    return pixels


class CachingSRDataset(SRDataset):
    """SRDataset that keeps the decoded images (each loader worker fills its own copy)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._images: Dict[str, np.ndarray] = {}

    def read(self, path: str) -> np.ndarray:
        img = self._images.get(path)
        if img is None:
            img = self._images[path] = super().read(path)
            img.setflags(write=False)  # shared by every crop: never modified in place
        return img


class StreamDataset(Dataset):
    """Item ``k`` of the training stream (see the module docstring): ``(lq, gt)`` float32
    ``(C, h, w)`` / ``(C, h*scale, w*scale)`` in [0, 1] (``lq`` at HR size for
    ``input: bicubic``; one channel, BT.601 Y/255, for ``color: y``)."""

    def __init__(self, pairs: Sequence[Pair], cfg: TrainDataConfig, scale: int, seed: int,
                 channels: Optional[int], cache: bool = False) -> None:
        """``channels``: what images are converted to when read (1, 3, or None: as stored);
        ``cache``: keep decoded images in memory."""
        self.scale = int(scale)
        self.seed = int(seed)
        self.cfg = cfg
        cls = CachingSRDataset if cache else SRDataset
        self.base = cls(list(pairs), scale, patch_size=cfg.patch_size, augment=False,
                        degradation=cfg.train.degradation.build(scale), channels=channels, seed=seed,
                        texture=None if cfg.texture is None else cfg.texture.build())
        self.n = len(self.base)
        self.epoch_len = self.n * cfg.repeat
        self._perm_epoch = -1
        self._perm: Optional[np.ndarray] = None

    def locate(self, pos: int) -> Tuple[int, int]:
        """``(copy, index)`` of stream position ``pos``: which pass over the dataset (the
        epoch times ``repeat`` plus the repetition) and which image."""
        e, k = divmod(int(pos), self.epoch_len)
        if e != self._perm_epoch:
            self._perm = np.random.default_rng([self.seed, e, 0x5EED]).permutation(self.epoch_len)
            self._perm_epoch = e
        assert self._perm is not None
        v = int(self._perm[k])
        return e * self.cfg.repeat + v // self.n, v % self.n

    def __len__(self) -> int:
        return self.epoch_len

    def __getitem__(self, pos: int) -> Tuple[Tensor, Tensor]:
        copy, index = self.locate(pos)
        self.base.set_epoch(copy)  # this process's copy of the dataset: safe in workers
        item = self.base[index]
        lq, gt = item["lr"], item["hr"]
        cfg = self.cfg
        if cfg.hflip or cfg.rot:
            g = np.random.default_rng([self.seed, copy, index, 1])
            h, v, t = (bool(x < 0.5) for x in g.random(3))
            dims = ([-1] if cfg.hflip and h else []) + ([-2] if cfg.rot and v else [])
            if dims:
                lq, gt = lq.flip(dims), gt.flip(dims)
            if cfg.rot and t:
                lq, gt = lq.transpose(-1, -2), gt.transpose(-1, -2)
        if cfg.input == "bicubic":
            lq = imresize(lq.contiguous(), self.scale).clamp_(0, 1)
        if cfg.color == "y":
            lq = rgb_to_ycbcr(lq.double(), y_only=True).float()
            gt = rgb_to_ycbcr(gt.double(), y_only=True).float()
        return lq.contiguous(), gt.contiguous()


class StreamBatchSampler(Sampler):
    """Endless batches of stream positions for process ``rank`` of ``world``, from ``start``."""

    def __init__(self, start: int, batch_size: int, rank: int = 0, world: int = 1) -> None:
        self.start, self.batch_size, self.rank, self.world = int(start), int(batch_size), int(rank), int(world)

    def __iter__(self) -> Iterator[List[int]]:
        b, i = self.batch_size, 0
        while True:
            first = self.start + i * b * self.world + self.rank * b
            yield list(range(first, first + b))
            i += 1


def _collate(items: List[Tuple[Tensor, Tensor]]) -> Tuple[Tensor, Tensor]:
    return torch.stack([a for a, _ in items]), torch.stack([b for _, b in items])


@dataclass
class Batches:
    """An iterator over training batches and the stream position it started from."""

    loader: DataLoader
    start: int
    batch_size: int
    world: int

    def __post_init__(self) -> None:
        self._it: Optional[Iterator[Any]] = None

    def next(self) -> Tuple[Tensor, Tensor]:
        if self._it is None:
            self._it = iter(self.loader)
        return next(self._it)

    def position_after(self, iterations: int) -> int:
        """The stream position once ``iterations`` batches have been consumed from ``start``."""
        return self.start + iterations * self.batch_size * self.world

    def close(self) -> None:
        it, self._it = self._it, None
        shutdown = getattr(it, "_shutdown_workers", None)
        if shutdown is not None:
            shutdown()


def make_batches(dataset: StreamDataset, cfg: TrainDataConfig, start: int, rank: int, world: int,
                 pin_memory: bool) -> Batches:
    """A DataLoader over ``dataset`` from stream position ``start`` for process ``rank``."""
    kwargs: Dict[str, Any] = {}
    if cfg.num_workers > 0:
        kwargs["persistent_workers"] = cfg.persistent_workers
        if cfg.prefetch_factor is not None:
            kwargs["prefetch_factor"] = cfg.prefetch_factor
    loader = DataLoader(dataset, batch_sampler=StreamBatchSampler(start, cfg.batch_size, rank, world),
                        num_workers=cfg.num_workers, pin_memory=pin_memory and cfg.pin_memory, collate_fn=_collate,
                        **kwargs)
    return Batches(loader, start, cfg.batch_size, world)
