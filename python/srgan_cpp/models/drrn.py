"""DRRN (Tai, Yang & Liu, CVPR 2017), implemented in C++ (csrc/models/drrn)."""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from .. import _C
from . import registry
from .._cpp_module import CppModule
from .registry import Geometry, StateDict, indices, shape


class DRRN(CppModule):
    """Deep recursive residual network on a bicubic-upscaled image.

    B recursive blocks; each has an entry conv and U residual units that share one pair of
    3x3 convs (pre-activation ReLU, no batch norm, no biases), each unit adding the block's
    entry output back (multi-path local residual learning); a reconstruction conv and the
    global residual (+ input). Depth (1 + 2U) B + 1. Defaults are the paper's best model,
    B1U25 (52 layers, 128 features, 297,216 weights), on the Y channel.

    Args:
        num_in_ch: image channels (1: the Y channel, as the paper).
        num_feat: feature channels (128).
        num_blocks: B. num_units: U.

    forward: (N, num_in_ch, H, W) bicubic-upscaled image in [0, 1], any H, W >= 1 -> same
    shape. State-dict keys: blocks.B.entry.weight, blocks.B.conv1.weight,
    blocks.B.conv2.weight, output.weight. Checkpoints of the common single-block PyTorch
    port (keys input, conv1, conv2, output) are converted on load.
    """

    def __init__(self, num_in_ch: int = 1, num_feat: int = 128, num_blocks: int = 1, num_units: int = 25) -> None:
        super().__init__(_C.DRRN, dict(num_in_ch=int(num_in_ch), num_feat=int(num_feat), num_blocks=int(num_blocks),
                                       num_units=int(num_units)))


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    f, in_ch = shape(sd, "blocks.0.entry.weight")[:2]
    # U (the recursion count) is not in the weights: `check` asks for it.
    return dict(num_in_ch=in_ch, num_feat=f, num_blocks=len(indices(sd, r"blocks\.(\d+)\.entry\.weight$")))


_PORT_KEYS = {"input.weight": "blocks.0.entry.weight", "conv1.weight": "blocks.0.conv1.weight",
              "conv2.weight": "blocks.0.conv2.weight", "output.weight": "output.weight"}
PORT_LAYOUT = "DRRN PyTorch port (input, conv1, conv2, output: B1)"


def _from_port(sd: StateDict) -> Optional[Tuple[StateDict, str]]:
    """The single-block PyTorch port's keys -> DRRN's (exactly those four keys, else None)."""
    if set(sd) != set(_PORT_KEYS):
        return None
    return {_PORT_KEYS[k]: v for k, v in sd.items()}, PORT_LAYOUT


_from_port.description = "DRRN PyTorch port (input, conv1, conv2, output) -> DRRN B1"  # type: ignore[attr-defined]

# what the weights cannot tell
_REQUIRES = registry.requires(
    num_units="DRRN checkpoint: the number of residual units per block is not in the weights (every unit reuses the "
              "block's two convs); pass num_units= (the paper's and the PyTorch port's B1U25: num_units=25)")

registry.register(DRRN, kind="generator", keys=("blocks.0.entry.weight", "blocks.0.conv1.weight", "output.weight"),
                  read_kwargs=_read_kwargs, check=_REQUIRES, layout="blocks.B.entry / conv1 / conv2, output",
                  geometry=lambda kw: Geometry(scale=1, in_channels=kw["num_in_ch"], out_channels=kw["num_in_ch"]))
registry.register_layout(_from_port)
