"""Conversion of the original ESRGAN code's checkpoint layouts to BasicSR's RRDBNet keys.

The ESRGAN authors' repository (xinntao/ESRGAN) published its x4 models in two layouts
before BasicSR renamed everything:

* the "new arch" (``RRDBNet_arch.py``): ``conv_first``, ``RRDB_trunk.N.RDB{1,2,3}.conv{1..5}``,
  ``trunk_conv``, ``upconv1``, ``upconv2``, ``HRconv``, ``conv_last``;
* the "old arch" (``RRDB_ESRGAN_x4.pth``, ``RRDB_PSNR_x4.pth``): one flattened
  ``nn.Sequential`` called ``model`` - ``model.0`` (first conv), ``model.1.sub.N.RDB{1,2,3}
  .conv{1..5}.0`` (every conv sits at index 0 of a conv+activation Sequential),
  ``model.1.sub.<num_block>`` (trunk conv), then for each x2 stage [nearest upsample, conv,
  LeakyReLU] (convs at ``model.3``, ``model.6``), the HR conv (``model.8``) and the last conv
  (``model.10``).

Both are the same network as BasicSR's ``RRDBNet(scale=4)``; only the names differ, so
converting is renaming (no tensor is changed). Upsampling stages other than two (x2 or x8
variants of the old code) have no BasicSR RRDBNet equivalent and are refused with ValueError.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from torch import Tensor

from .registry import BASICSR

__all__ = ["BASICSR", "ESRGAN_NEW", "ESRGAN_OLD", "layout_of", "to_basicsr"]

StateDict = Dict[str, Tensor]

#: Human-readable names of the layouts, as reported by ``srgan_cpp.models.load`` (and
#: BASICSR, re-exported: a file already in BasicSR's layout).
ESRGAN_NEW = "ESRGAN original (new arch: RRDB_trunk, trunk_conv, HRconv)"
ESRGAN_OLD = "ESRGAN original (old arch: model.0, model.1.sub.N)"

_NEW_TOP = {"conv_first": "conv_first", "trunk_conv": "conv_body", "upconv1": "conv_up1", "upconv2": "conv_up2",
            "HRconv": "conv_hr", "conv_last": "conv_last"}
_NEW_TRUNK = re.compile(r"RRDB_trunk\.(\d+)\.RDB([123])\.(conv[1-5])\.(weight|bias)$")
_OLD_BLOCK = re.compile(r"model\.1\.sub\.(\d+)\.RDB([123])\.(conv[1-5])\.0\.(weight|bias)$")
_OLD_TOP = re.compile(r"model\.(\d+)\.(weight|bias)$")
_OLD_TRUNK = re.compile(r"model\.1\.sub\.(\d+)\.(weight|bias)$")


def _fail(layout: str, msg: str) -> ValueError:
    return ValueError(f"srgan_cpp.models.load: {layout} checkpoint: {msg}")


def _convert_new(sd: StateDict) -> StateDict:
    out: StateDict = {}
    for key, value in sd.items():
        name, _, leaf = key.rpartition(".")
        m = _NEW_TRUNK.match(key)
        if m:
            out[f"body.{m.group(1)}.rdb{m.group(2)}.{m.group(3)}.{m.group(4)}"] = value
        elif name in _NEW_TOP and leaf in ("weight", "bias"):
            out[f"{_NEW_TOP[name]}.{leaf}"] = value
        else:
            raise _fail(ESRGAN_NEW, f"unexpected key {key!r}")
    return out


def _convert_old(sd: StateDict) -> StateDict:
    out: StateDict = {}
    blocks = sorted({int(m.group(1)) for k in sd for m in [_OLD_BLOCK.match(k)] if m})
    num_block = len(blocks)
    if blocks != list(range(num_block)):
        raise _fail(ESRGAN_OLD, f"the RRDB indices under model.1.sub are not 0..N-1: {blocks[:8]}...")
    top = sorted({int(m.group(1)) for k in sd for m in [_OLD_TOP.match(k)] if m})
    # model.0 is the first conv; after the trunk (model.1) come the x2 stages, 3 modules each
    # (upsample, conv, lrelu), then HR conv + lrelu, then the last conv.
    tail: List[int] = [i for i in top if i >= 2]
    if 0 not in top or len(tail) < 2:
        raise _fail(ESRGAN_OLD, f"expected model.0 and at least model.<hr>, model.<last> convs; found model.{top}")
    n_up = len(tail) - 2
    expected = [3 * (s + 1) for s in range(n_up)] + [3 * n_up + 2, 3 * n_up + 4]
    if tail != expected:
        raise _fail(ESRGAN_OLD, f"the convs after the trunk are at model.{tail}, expected model.{expected} for "
                                f"{n_up} upsampling stage(s) of [upsample, conv, activation]")
    if n_up != 2:
        raise _fail(ESRGAN_OLD, f"{n_up} upsampling stage(s) (x{2 ** n_up}): only x4 (2 stages) has a BasicSR "
                                f"RRDBNet equivalent")
    names = {0: "conv_first", 3: "conv_up1", 6: "conv_up2", 8: "conv_hr", 10: "conv_last"}
    for key, value in sd.items():
        m = _OLD_BLOCK.match(key)
        if m:
            out[f"body.{m.group(1)}.rdb{m.group(2)}.{m.group(3)}.{m.group(4)}"] = value
            continue
        m = _OLD_TRUNK.match(key)
        if m and int(m.group(1)) == num_block:
            out[f"conv_body.{m.group(2)}"] = value
            continue
        m = _OLD_TOP.match(key)
        if m and int(m.group(1)) in names:
            out[f"{names[int(m.group(1))]}.{m.group(2)}"] = value
            continue
        raise _fail(ESRGAN_OLD, f"unexpected key {key!r} (for {num_block} RRDBs the trunk conv is "
                                f"model.1.sub.{num_block})")
    if "conv_body.weight" not in out:
        raise _fail(ESRGAN_OLD, f"no trunk conv model.1.sub.{num_block}.weight after the {num_block} RRDBs")
    return out


def layout_of(sd: StateDict) -> Optional[str]:
    """``ESRGAN_NEW``, ``ESRGAN_OLD`` or None (not an original-ESRGAN layout)."""
    # trunk_conv alone is not enough: PAN's authors' code (SCPA_trunk, HRconv1) names a conv so too.
    if any(k.startswith("RRDB_trunk.") for k in sd) or ("trunk_conv.weight" in sd and "HRconv.weight" in sd):
        return ESRGAN_NEW
    if "model.0.weight" in sd and any(k.startswith("model.1.sub.") for k in sd):
        return ESRGAN_OLD
    return None


def to_basicsr(sd: StateDict) -> Tuple[StateDict, Optional[str]]:
    """Renames an original-ESRGAN state dict (already unwrapped, ``module.`` stripped) to
    BasicSR's RRDBNet keys.

    Returns ``(state dict, layout name)``; a dict in any other layout comes back unchanged
    with layout None. Tensors are not copied. Raises ValueError for a dict that looks like
    an ESRGAN layout but has keys out of place.
    """
    layout = layout_of(sd)
    if layout == ESRGAN_NEW:
        return _convert_new(sd), layout
    if layout == ESRGAN_OLD:
        return _convert_old(sd), layout
    return sd, None
