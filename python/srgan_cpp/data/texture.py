"""Texture-biased choice of training patches.

Wallpaper-like photographs are mostly smooth (sky, bokeh, still water): on the photo set's
training split half of the 192-pixel patches change by less than 1.5 8-bit levels between
neighbouring pixels, where a textured test photograph (foliage, fur, fabric) changes by
5-12. Drawn uniformly, most training patches teach a super-resolution model nothing it
does not already do on flat regions. :class:`TextureSampling` rejects flat candidate
crops with a probability that falls with their texture, so batches see textured regions
more often, while flat ones are still seen (``keep_flat``) and every image still yields
a patch (after ``tries`` candidates the last one is taken: no loop runs unbounded).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

__all__ = ["TextureSampling", "texture_level"]


def texture_level(patch: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels of ``patch`` (HWC or HW,
    uint8 / uint16 / float in [0, 1]) on its channel mean, in 8-bit levels (0-255):
    ``(mean |dx| + mean |dy|) / 2``. A flat patch is ~0, a leafy one 5-12."""
    a = np.asarray(patch)
    if a.ndim not in (2, 3) or a.shape[0] < 2 or a.shape[1] < 2:
        raise ValueError(f"texture_level: `patch` must be HW or HWC with at least 2x2 pixels, got shape {a.shape}")
    full = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(a.dtype, 1.0)
    m = a.astype(np.float32) if a.ndim == 2 else a.astype(np.float32).mean(axis=2)
    dx = float(np.abs(np.diff(m, axis=1)).mean())
    dy = float(np.abs(np.diff(m, axis=0)).mean())
    return (dx + dy) / 2.0 * (255.0 / full)


@dataclass(frozen=True)
class TextureSampling:
    """Rejection sampling of crop positions biased towards texture.

    A candidate HR patch of :func:`texture_level` ``t`` is kept with probability
    ``keep_flat + (1 - keep_flat) * min(1, t / threshold)``: always when ``t >= threshold``,
    with probability ``keep_flat`` when perfectly flat. Up to ``tries`` candidates are
    drawn; if all are rejected the last is used.

    Args:
        threshold: texture level (8-bit levels, > 0) from which a patch is always kept.
        keep_flat: probability in [0, 1] of keeping a flat patch.
        tries: candidates drawn per patch, 1-100.
    """

    threshold: float
    keep_flat: float = 0.2
    tries: int = 8

    def __post_init__(self) -> None:
        if not (isinstance(self.threshold, (int, float)) and np.isfinite(self.threshold) and self.threshold > 0):
            raise ValueError(f"TextureSampling: `threshold` must be a finite number > 0, got {self.threshold!r}")
        if not (isinstance(self.keep_flat, (int, float)) and 0.0 <= self.keep_flat <= 1.0):
            raise ValueError(f"TextureSampling: `keep_flat` must be in [0, 1], got {self.keep_flat!r}")
        if isinstance(self.tries, bool) or not isinstance(self.tries, int) or not 1 <= self.tries <= 100:
            raise ValueError(f"TextureSampling: `tries` must be an integer in [1, 100], got {self.tries!r}")

    def keep_probability(self, level: float) -> float:
        """Probability of keeping a candidate of texture ``level``."""
        return self.keep_flat + (1.0 - self.keep_flat) * min(1.0, max(0.0, level) / self.threshold)

    def choose(self, hr: np.ndarray, lr_h: int, lr_w: int, p: int, scale: int,
               rng: np.random.Generator) -> Tuple[int, int]:
        """LR origin ``(y, x)`` of a ``p x p`` LR patch (``p*scale`` HR pixels of ``hr``)
        in an LR grid of ``lr_h x lr_w``, drawn from ``rng``."""
        s, ps = int(scale), int(p) * int(scale)
        y = x = 0
        for _ in range(self.tries):
            y = int(rng.integers(0, lr_h - p + 1))
            x = int(rng.integers(0, lr_w - p + 1))
            level = texture_level(hr[y * s:y * s + ps, x * s:x * s + ps])
            if rng.random() < self.keep_probability(level):
                break
        return y, x
