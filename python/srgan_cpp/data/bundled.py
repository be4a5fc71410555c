"""The small photographs shipped inside the package (``srgan_cpp/data/images``).

They are crops of scikit-image's public-domain / CC0 sample images; see
``images/LICENSES.md`` for the source, author and licence of each.
"""
from __future__ import annotations

import pathlib
from typing import List

IMAGES_DIR = pathlib.Path(__file__).resolve().parent / "images"


def bundled_images() -> List[pathlib.Path]:
    """Paths of the bundled PNG photographs, sorted by file name.

    Each is an 8-bit PNG of 336 x 252 pixels (width x height, divisible by 2, 3, 4, 6 and
    12, so any of the usual scales divides it); all are RGB except ``camera.png`` (gray).
    """
    return sorted(IMAGES_DIR.glob("*.png"))
