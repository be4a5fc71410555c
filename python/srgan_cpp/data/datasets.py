"""Super-resolution datasets: paired folders, HR-only folders with on-the-fly degradation,
and the common benchmark layouts (Set5, Set14, BSD100, Urban100, ... supplied by the user).

Every dataset is a ``torch.utils.data.Dataset`` whose items are dicts::

    {"lr": float32 (C, h, w) in [0, 1], "hr": float32 (C, h*scale, w*scale) in [0, 1], "name": str}

8-bit images are divided by 255 and 16-bit ones by 65535. Training options: an aligned
random crop (``patch_size`` HR pixels, ``patch_size/scale`` LR pixels), random flips and
90-degree rotations applied identically to LR and HR. Randomness is reproducible: with
``seed=None`` it comes from torch's generator (so ``torch.manual_seed`` and DataLoader's
per-worker seeding govern it); with an int ``seed`` item ``i`` of epoch ``e`` (see
:meth:`SRDataset.set_epoch`) is a fixed function of ``(seed, e, i)``, whatever the number
of workers.
"""
from __future__ import annotations

import math
import os
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from ..image import to_tensor
from .degradations import Degradation
from .files import list_images, read_image
from .texture import TextureSampling

__all__ = ["BenchmarkDataset", "HRFolderDataset", "PairedFolderDataset", "SRDataset", "augment",
           "find_benchmark_layout", "match_pairs", "modcrop", "paired_random_crop"]

PathLike = Union[str, "os.PathLike[str]"]
Pair = Tuple[str, str, Optional[str]]  # (name, hr_path, lr_path or None)


def modcrop(img: np.ndarray, scale: int) -> np.ndarray:
    """Crops an HWC image to the largest ``H' x W'`` divisible by ``scale`` (top-left kept),
    as MATLAB's ``modcrop`` in the SR benchmark scripts. ``scale``: an int >= 1 (ValueError
    otherwise, naming it)."""
    integral = (isinstance(scale, (int, np.integer)) or (isinstance(scale, (float, np.floating))
                                                         and math.isfinite(scale) and float(scale).is_integer()))
    if isinstance(scale, bool) or not integral or scale < 1:
        raise ValueError(f"modcrop: `scale` must be a whole number >= 1, got {scale!r}")
    s = int(scale)
    if img.ndim < 2:
        raise ValueError(f"modcrop: `img` must be (H, W[, C]), got shape {img.shape}")
    h, w = (img.shape[0] // s) * s, (img.shape[1] // s) * s
    if h == 0 or w == 0:
        raise ValueError(f"modcrop: a {img.shape[0]}x{img.shape[1]} image is smaller than `scale`={s}")
    return img[:h, :w]


def paired_random_crop(lr: np.ndarray, hr: np.ndarray, patch_size: int, scale: int,
                       rng: np.random.Generator,
                       texture: Optional[TextureSampling] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Random ``patch_size`` HR crop and the LR crop covering the same area.

    ``lr``: ``(h, w, C)``; ``hr``: ``(h*scale, w*scale, C)``; ``patch_size`` divisible by
    ``scale``. The LR patch starts at ``(y, x)`` and the HR patch at ``(y*scale, x*scale)``;
    ``texture`` biases the position towards textured HR patches (uniform when None).
    """
    s = int(scale)
    if patch_size % s:
        raise ValueError(f"paired_random_crop: `patch_size`={patch_size} must be divisible by `scale`={s}")
    p = patch_size // s
    h, w = lr.shape[:2]
    if hr.shape[0] != h * s or hr.shape[1] != w * s:
        raise ValueError(f"paired_random_crop: HR {hr.shape[:2]} is not LR {lr.shape[:2]} times `scale`={s}")
    if h < p or w < p:
        raise ValueError(f"paired_random_crop: LR image {h}x{w} is smaller than the LR patch {p}x{p} "
                         f"(`patch_size`={patch_size}, `scale`={s})")
    y, x = _origin(hr, h, w, p, s, rng, texture)
    return lr[y:y + p, x:x + p], hr[y * s:(y + p) * s, x * s:(x + p) * s]


def _origin(hr: np.ndarray, h: int, w: int, p: int, s: int, rng: np.random.Generator,
            texture: Optional[TextureSampling]) -> Tuple[int, int]:
    """LR origin of a ``p x p`` LR patch in an ``h x w`` LR grid (uniform draws exactly
    as before texture sampling existed, so seeded streams are unchanged)."""
    if texture is not None:
        return texture.choose(hr, h, w, p, s, rng)
    return int(rng.integers(0, h - p + 1)), int(rng.integers(0, w - p + 1))


def augment(imgs: Sequence[np.ndarray], rng: np.random.Generator, hflip: bool = True,
            rotation: bool = True) -> List[np.ndarray]:
    """The same random horizontal flip, vertical flip and transpose (together: the 8
    dihedral transforms) applied to every HWC image in ``imgs``."""
    do_h = hflip and bool(rng.random() < 0.5)
    do_v = rotation and bool(rng.random() < 0.5)
    do_t = rotation and bool(rng.random() < 0.5)
    out = []
    for im in imgs:
        if do_h:
            im = im[:, ::-1]
        if do_v:
            im = im[::-1]
        if do_t:
            im = im.transpose(1, 0, 2)
        out.append(np.ascontiguousarray(im))
    return out


_HRLR_SUFFIX = re.compile(r"[_-]?(hr|lr|gt)$", re.IGNORECASE)


def _key(stem: str, scale: int) -> str:
    """Name shared by an HR file and its LR file: drops ``_HR``/``_LR``/``_GT`` and ``x4``/``_X4``/``_SRF_4`` endings."""
    k = _HRLR_SUFFIX.sub("", stem)
    k = re.sub(rf"[_-]?(x{scale}|srf_{scale}|bicx{scale})$", "", k, flags=re.IGNORECASE)
    return k


def match_pairs(hr_dir: PathLike, lr_dir: PathLike, scale: int, hr_filter: Optional[Callable[[str], bool]] = None,
                lr_filter: Optional[Callable[[str], bool]] = None) -> List[Pair]:
    """Pairs HR and LR files by name: ``baby.png`` with ``baby.png``, ``babyx4.png``, ``baby_x4.png``,
    ``img_001_SRF_4_HR.png`` with ``img_001_SRF_4_LR.png``, ... (extensions may differ).

    Returns ``[(name, hr_path, lr_path)]`` sorted by name. Raises ValueError when an image has
    no partner or two files map to one name.
    """
    def index(folder: PathLike, keep: Optional[Callable[[str], bool]], role: str) -> Dict[str, str]:
        out: Dict[str, str] = {}
        for p in list_images(folder):
            stem = os.path.splitext(os.path.basename(p))[0]
            if keep is not None and not keep(stem):
                continue
            k = _key(stem, scale)
            if k in out:
                raise ValueError(f"match_pairs: {role} files {out[k]!r} and {p!r} both match the name {k!r}")
            out[k] = p
        if not out:
            raise ValueError(f"match_pairs: no {role} images in {os.fspath(folder)!r}")
        return out

    hr = index(hr_dir, hr_filter, "HR")
    lr = index(lr_dir, lr_filter, "LR")
    missing_lr = sorted(set(hr) - set(lr))
    missing_hr = sorted(set(lr) - set(hr))
    if missing_lr or missing_hr:
        parts = []
        if missing_lr:
            parts.append(f"no LR image in {os.fspath(lr_dir)!r} for HR {missing_lr[:5]}{' ...' if len(missing_lr) > 5 else ''}")
        if missing_hr:
            parts.append(f"no HR image in {os.fspath(hr_dir)!r} for LR {missing_hr[:5]}{' ...' if len(missing_hr) > 5 else ''}")
        raise ValueError("match_pairs: missing pairs: " + "; ".join(parts))
    return [(k, hr[k], lr[k]) for k in sorted(hr)]


def _check_scale(scale: Union[int, float], name: str) -> int:
    if isinstance(scale, bool) or int(scale) != scale or scale < 1:
        raise ValueError(f"{name}: `scale` must be a positive integer, got {scale!r}")
    return int(scale)


class SRDataset(Dataset):
    """LR/HR pairs from files, for training (crops, augmentation) and evaluation (whole images).

    Args:
        pairs: ``[(name, hr_path, lr_path or None)]``; a missing LR is made from the
            (modcropped) HR by ``degradation``.
        scale: integer upscaling factor.
        patch_size: HR patch size (divisible by ``scale``) for random aligned crops, or None
            for whole images (HR modcropped to a multiple of ``scale``).
        augment: random flips and 90-degree rotations (training).
        degradation: HR -> LR for pairs without an LR file; default MATLAB bicubic
            (``Degradation(scale)``).
        channels: None (as stored), 1 or 3 (convert; e.g. 3 to feed grayscale images to an RGB model).
        seed: None (torch's RNG) or an int for a fixed sequence (see the module docstring).
        texture: with ``patch_size``, a :class:`~srgan_cpp.data.TextureSampling` biasing
            crops towards textured regions (None: uniform positions).
    """

    def __init__(self, pairs: Sequence[Pair], scale: int, patch_size: Optional[int] = None, augment: bool = False,
                 degradation: Optional[Callable[..., np.ndarray]] = None, channels: Optional[int] = None,
                 seed: Optional[int] = None, texture: Optional[TextureSampling] = None) -> None:
        self.scale = _check_scale(scale, type(self).__name__)
        if patch_size is not None and (int(patch_size) != patch_size or patch_size < self.scale or patch_size % self.scale):
            raise ValueError(f"{type(self).__name__}: `patch_size` must be a positive multiple of `scale`={self.scale}, got {patch_size!r}")
        if channels not in (None, 1, 3):
            raise ValueError(f"{type(self).__name__}: `channels` must be None, 1 or 3, got {channels!r}")
        if texture is not None and not isinstance(texture, TextureSampling):
            raise ValueError(f"{type(self).__name__}: `texture` must be a TextureSampling or None, got {type(texture).__name__}")
        if not pairs:
            raise ValueError(f"{type(self).__name__}: no images")
        self.pairs: List[Pair] = list(pairs)
        self.patch_size = None if patch_size is None else int(patch_size)
        self.augment = bool(augment)
        self.degradation = degradation if degradation is not None else Degradation(self.scale)
        self.channels = channels
        self.seed = seed
        self.texture = texture
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def names(self) -> List[str]:
        return [p[0] for p in self.pairs]

    def set_epoch(self, epoch: int) -> None:
        """Selects the random stream of an epoch when ``seed`` is an int (call before each epoch)."""
        self.epoch = int(epoch)

    def read(self, path: str) -> np.ndarray:
        """Reads one image file (HWC, converted to ``channels``); subclasses may cache."""
        return read_image(path, self.channels)

    def _rng(self, index: int) -> np.random.Generator:
        if self.seed is None:
            return np.random.default_rng(int(torch.randint(0, 2 ** 62, (1,)).item()))
        return np.random.default_rng([int(self.seed), self.epoch, index])

    def _margin(self) -> int:
        """HR pixels around a patch that the degradation reads (a multiple of ``scale``)."""
        s = self.scale
        reach = 2 * s + 2  # bicubic antialiased support: 2 LR pixels = 2*s HR pixels each side
        d = self.degradation
        if isinstance(d, Degradation) and d.kind == "blur":
            sig = d.sigma if isinstance(d.sigma, (int, float)) else max(d.sigma)
            k = d.kernel_size if d.kernel_size is not None else 2 * int(math.ceil(3.0 * sig)) + 1
            reach += k // 2
        elif not isinstance(d, Degradation):
            return -1  # unknown degradation: degrade the whole image
        return s * int(math.ceil(reach / s))

    def _degraded_crop(self, hr: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
        """Random HR patch and its degradation, computing only a margin around the patch.

        The degraded region is aligned to ``scale`` and extends ``margin`` pixels beyond the
        patch (clipped at the image border, where the degradation pads exactly as it would
        for the whole image), so the LR patch equals the crop of the degraded whole image
        for deterministic degradations."""
        s, ps = self.scale, self.patch_size
        assert ps is not None
        hr = modcrop(hr, s)
        h, w = hr.shape[0] // s, hr.shape[1] // s
        p = ps // s
        if h < p or w < p:
            raise ValueError(f"{type(self).__name__}: HR image {hr.shape[0]}x{hr.shape[1]} is smaller than `patch_size`={ps}")
        y, x = _origin(hr, h, w, p, s, rng, self.texture)
        m = self._margin()
        if m < 0:
            lr = self.degradation(hr, rng)
            return lr[y:y + p, x:x + p], hr[y * s:(y + p) * s, x * s:(x + p) * s]
        y0, x0 = max(0, y * s - m), max(0, x * s - m)
        y1, x1 = min(hr.shape[0], (y + p) * s + m), min(hr.shape[1], (x + p) * s + m)
        lr_region = self.degradation(hr[y0:y1, x0:x1], rng)
        ly, lx = y - y0 // s, x - x0 // s
        return lr_region[ly:ly + p, lx:lx + p], hr[y * s:(y + p) * s, x * s:(x + p) * s]

    def load_pair(self, index: int, rng: Optional[np.random.Generator] = None) -> Tuple[np.ndarray, np.ndarray]:
        """The item's ``(lr, hr)`` as HWC NumPy arrays before cropping/augmentation: HR
        modcropped to ``scale``, LR from the file or made by ``degradation``."""
        name, hr_path, lr_path = self.pairs[index]
        rng = rng if rng is not None else self._rng(index)
        hr = self.read(hr_path)
        s = self.scale
        if lr_path is None:
            hr = modcrop(hr, s)
            return self.degradation(hr, rng), hr
        lr = self.read(lr_path)
        if lr.shape[2] != hr.shape[2]:
            raise ValueError(f"{type(self).__name__}: {name!r}: LR {lr_path!r} has {lr.shape[2]} channels and HR "
                             f"{hr_path!r} {hr.shape[2]}; pass `channels`=1 or 3")
        if lr.dtype != hr.dtype:
            raise ValueError(f"{type(self).__name__}: {name!r}: LR {lr_path!r} is {lr.dtype} but HR {hr_path!r} is {hr.dtype}")
        if hr.shape[0] // s != lr.shape[0] or hr.shape[1] // s != lr.shape[1]:
            raise ValueError(f"{type(self).__name__}: {name!r}: HR {hr_path!r} is {hr.shape[0]}x{hr.shape[1]} and LR "
                             f"{lr_path!r} is {lr.shape[0]}x{lr.shape[1]}, which does not match `scale`={s} "
                             f"(expected LR {hr.shape[0] // s}x{hr.shape[1] // s})")
        return lr, hr[:lr.shape[0] * s, :lr.shape[1] * s]

    def __getitem__(self, index: int) -> Dict[str, Union[Tensor, str]]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"{type(self).__name__}: index {index} out of range for {len(self)} items")
        index = index % len(self)
        rng = self._rng(index)
        name, _, lr_path = self.pairs[index]
        if self.patch_size is not None and lr_path is None:
            hr_full = self.read(self.pairs[index][1])
            lr, hr = self._degraded_crop(hr_full, rng)
        else:
            lr, hr = self.load_pair(index, rng)
            if self.patch_size is not None:
                lr, hr = paired_random_crop(lr, hr, self.patch_size, self.scale, rng, self.texture)
        if self.augment:
            lr, hr = augment([lr, hr], rng)
        return {"lr": to_tensor(lr), "hr": to_tensor(hr), "name": name}


class PairedFolderDataset(SRDataset):
    """HR and LR images in two folders, paired by name (see :func:`match_pairs`).

    Each LR image must be ``floor(H/scale) x floor(W/scale)`` of its HR image (the HR is
    cropped to ``LR * scale``, as benchmark loaders do); other sizes raise ValueError.
    Other arguments as in :class:`SRDataset`.
    """

    def __init__(self, hr_dir: PathLike, lr_dir: PathLike, scale: int, patch_size: Optional[int] = None,
                 augment: bool = False, channels: Optional[int] = None, seed: Optional[int] = None,
                 texture: Optional[TextureSampling] = None) -> None:
        s = _check_scale(scale, "PairedFolderDataset")
        super().__init__(match_pairs(hr_dir, lr_dir, s), s, patch_size, augment, None, channels, seed, texture)


class HRFolderDataset(SRDataset):
    """HR images only; LR made on the fly by ``degradation`` (default: MATLAB bicubic).

    With ``patch_size`` only a margin around the random patch is degraded (same result for
    deterministic degradations as degrading the whole image, much faster on 2K images).
    Other arguments as in :class:`SRDataset`.
    """

    def __init__(self, hr_dir: PathLike, scale: int, patch_size: Optional[int] = None, augment: bool = False,
                 degradation: Optional[Callable[..., np.ndarray]] = None, channels: Optional[int] = None,
                 seed: Optional[int] = None, texture: Optional[TextureSampling] = None) -> None:
        s = _check_scale(scale, "HRFolderDataset")
        pairs = [(os.path.splitext(os.path.basename(p))[0], p, None) for p in list_images(hr_dir)]
        super().__init__(pairs, s, patch_size, augment, degradation, channels, seed, texture)


def find_benchmark_layout(root: PathLike, scale: int) -> Tuple[str, Optional[str], str]:
    """Finds the HR and LR folders of a benchmark set (``Set5``, ``Set14``, ``B100``, ...).

    Recognised layouts, tried in this order (``s`` = scale)::

        root/HR/*  + root/LR_bicubic/X{s}/*      EDSR/RCAN "benchmark" (babyx4.png)
        root/HR/*  + root/LR/X{s}/*  or root/LR/x{s}/*  or root/LR_bicubic/x{s}/*
        root/GTmod12/* + root/LRbicx{s}/*        BasicSR
        root/image_SRF_{s}/*_HR.* + *_LR.*       Huang et al. (SelfExSR)
        root/HR/*  or  root/*                    HR only: LR made with MATLAB bicubic

    Returns ``(hr_dir, lr_dir or None, layout)``; for the SRF layout both are the same folder.
    Raises FileNotFoundError when ``root`` is missing and ValueError when no layout fits.
    """
    root = os.fspath(root)
    s = int(scale)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"find_benchmark_layout: dataset folder {root!r} does not exist")
    j = os.path.join
    candidates = [
        (j(root, "HR"), j(root, "LR_bicubic", f"X{s}"), "HR + LR_bicubic/X{s}"),
        (j(root, "HR"), j(root, "LR_bicubic", f"x{s}"), "HR + LR_bicubic/x{s}"),
        (j(root, "HR"), j(root, "LR", f"X{s}"), "HR + LR/X{s}"),
        (j(root, "HR"), j(root, "LR", f"x{s}"), "HR + LR/x{s}"),
        (j(root, "GTmod12"), j(root, f"LRbicx{s}"), "GTmod12 + LRbicx{s}"),
        (j(root, f"image_SRF_{s}"), j(root, f"image_SRF_{s}"), "image_SRF_{s}"),
    ]
    for hr, lr, layout in candidates:
        if os.path.isdir(hr) and os.path.isdir(lr):
            return hr, lr, layout.format(s=s)
    for hr in (j(root, "HR"), j(root, "GTmod12"), j(root, "GT"), root):
        if os.path.isdir(hr) and any(n.lower().endswith((".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff"))
                                     for n in os.listdir(hr)):
            return hr, None, "HR only"
    raise ValueError(f"find_benchmark_layout: no images for scale {s} found in {root!r} "
                     f"(expected HR/ + LR_bicubic/X{s}/, GTmod12/ + LRbicx{s}/, image_SRF_{s}/ or a folder of HR images)")


class BenchmarkDataset(SRDataset):
    """A benchmark set for evaluation: whole images, HR modcropped to ``scale``.

    ``root`` is one benchmark folder in any layout of :func:`find_benchmark_layout`. When it
    holds no LR images for ``scale`` (or ``regenerate_lr=True``), the LR images are made from
    the modcropped HR with MATLAB bicubic :func:`imresize`, which is how the published
    benchmark LR images were made. :attr:`layout` names the layout found.
    """

    def __init__(self, root: PathLike, scale: int, channels: Optional[int] = None, regenerate_lr: bool = False) -> None:
        s = _check_scale(scale, "BenchmarkDataset")
        hr_dir, lr_dir, layout = find_benchmark_layout(root, s)
        self.root = os.fspath(root)
        self.layout = layout if not (regenerate_lr and lr_dir is not None) else "HR only (regenerated LR)"
        if lr_dir is None or regenerate_lr:
            hr_only: Optional[Callable[[str], bool]] = None
            if layout.startswith("image_SRF"):
                hr_only = lambda stem: stem.upper().endswith("_HR")  # noqa: E731
            files = [p for p in list_images(hr_dir)
                     if hr_only is None or hr_only(os.path.splitext(os.path.basename(p))[0])]
            pairs: List[Pair] = [(_key(os.path.splitext(os.path.basename(p))[0], s), p, None) for p in files]
        elif layout.startswith("image_SRF"):
            pairs = match_pairs(hr_dir, lr_dir, s, hr_filter=lambda st: st.upper().endswith("_HR"),
                                lr_filter=lambda st: st.upper().endswith("_LR"))
        else:
            pairs = match_pairs(hr_dir, lr_dir, s)
        super().__init__(pairs, s, None, False, None, channels, seed=0)

    @property
    def name(self) -> str:
        """The benchmark's name: the folder's base name (``Set5``)."""
        return os.path.basename(os.path.normpath(self.root))
