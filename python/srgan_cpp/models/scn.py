"""SCN (Wang, Liu, Yang, Han, Huang, ICCV 2015), implemented in C++ (csrc/models/scn)."""
from __future__ import annotations

from typing import Any, Dict

from torch import Tensor

from .. import _C
from . import registry
from ._bound_call import bound_call
from .._cpp_module import CppModule
from .registry import Geometry, StateDict, shape


class SCN(CppModule):
    """Sparse-coding network: sparse coding of every LR patch unrolled as LISTA.

    ``y = H * x`` (``extract``: s_y x s_y conv, m_y filters), ``z_0 = h(W y)``,
    ``z_{k+1} = h(W y + S z_k)`` for ``num_stages`` recurrent stages (``encode`` W and
    ``recur`` S: 1x1 convs, S shared; ``h`` the soft shrinkage with the learned per-code
    ``threshold``, srgan_cpp's fused :func:`srgan_cpp.ops.lista_shrinkage`), the HR patch
    ``D_x z`` (``dictionary``: 1x1 conv to s_x^2 values per pixel) and the patch aggregation
    ``G`` (``aggregate``: s_x x s_x conv initialised to averaging the overlapping HR patch
    predictions of every pixel, learned). With ``residual`` the bicubic input is added to
    the result: the sparse code then carries the high-frequency detail, as in the
    sparse-coding SR it unrolls.

    Defaults are the paper's configuration: m_y = 100, n = 128, s_y = 9, s_x = 5, one
    recurrent stage, Y channel. It restores the bicubic-upscaled image (registry scale 1).

    Args:
        in_channels: 1 (Y channel, the paper) or 3.
        num_filters: m_y, LR patch features per pixel (100).
        code_size: n, sparse code dimension (128).
        lr_patch: s_y, odd LR patch size (9). hr_patch: s_x, odd HR patch size (5).
        num_stages: k, recurrent LISTA stages after z_0 (1; 0 has no ``recur`` layer).
        residual: add the input to the output.

    forward: (N, in_channels, H, W) bicubic-upscaled image in the training range (e.g.
    [0, 1]) -> (N, in_channels, H, W). :meth:`sparse_code` gives z (N, code_size, H, W).
    State-dict keys: ``extract.weight/bias``, ``encode.weight``, ``recur.weight``,
    ``threshold`` (n,), ``dictionary.weight``, ``aggregate.weight``. The weights do not store
    ``num_stages`` (S is shared) nor ``residual``: ``models.load`` asks for them.
    """

    def __init__(self, in_channels: int = 1, num_filters: int = 100, code_size: int = 128, lr_patch: int = 9,
                 hr_patch: int = 5, num_stages: int = 1, residual: bool = True) -> None:
        super().__init__(_C.SCN, dict(in_channels=int(in_channels), num_filters=int(num_filters),
                                      code_size=int(code_size), lr_patch=int(lr_patch), hr_patch=int(hr_patch),
                                      num_stages=int(num_stages), residual=bool(residual)))

    def sparse_code(self, input: Tensor) -> Tensor:
        """The last stage's sparse code z, (N, code_size, H, W); mostly zeros."""
        return bound_call(self, "bound_sparse_code", input)


_KEYS = ("extract.weight", "encode.weight", "threshold", "dictionary.weight", "aggregate.weight")


def _read_kwargs(sd: StateDict) -> Dict[str, Any]:
    my, in_ch, sy = shape(sd, "extract.weight")[:3]
    kw: Dict[str, Any] = dict(in_channels=in_ch, num_filters=my, code_size=shape(sd, "encode.weight")[0],
                              lr_patch=sy, hr_patch=shape(sd, "aggregate.weight")[2])
    if "recur.weight" not in sd:
        kw["num_stages"] = 0
    return kw


# what the weights cannot tell
_REQUIRES = registry.requires(
    num_stages="SCN weights do not store num_stages; pass num_stages=K (the recurrent LISTA stages it was trained "
               "with, >= 1: S is shared by all)",
    residual="SCN weights do not store residual; pass residual=True or False (whether the input is added back)")

registry.register(SCN, kind="generator", keys=_KEYS, read_kwargs=_read_kwargs, check=_REQUIRES,
                  geometry=lambda kw: Geometry(scale=1, in_channels=kw["in_channels"], out_channels=kw["in_channels"]),
                  layout="extract, encode, [recur], threshold, dictionary, aggregate")
