"""VGG16 / VGG19 feature extractors with torchvision's state-dict layout, and safe
loading of their weights from a user-supplied file.

The layers live in ``self.features`` exactly as in ``torchvision.models.vgg16/vgg19``
(``features.0.weight`` ... ), so a torchvision checkpoint loads as is; its classifier
weights are ignored. Nothing is downloaded: pretrained weights must come from a file.
"""
from __future__ import annotations

import os
from typing import Dict, List, Sequence, Union

import torch
from torch import Tensor, nn

from .._atomic import atomic_write

# torchvision's configurations 'D' (VGG16) and 'E' (VGG19): channels per conv, "M" = max-pool.
_CFG = {
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def layer_names(vgg_type: str = "vgg19") -> List[str]:
    """Names of the modules of ``features``, in order: conv1_1, relu1_1, ..., pool5."""
    if vgg_type not in _CFG:
        raise ValueError(f"layer_names: expected `vgg_type` 'vgg16' or 'vgg19', got {vgg_type!r}")
    names, block, conv = [], 1, 1
    for v in _CFG[vgg_type]:
        if v == "M":
            names.append(f"pool{block}")
            block, conv = block + 1, 1
        else:
            names += [f"conv{block}_{conv}", f"relu{block}_{conv}"]
            conv += 1
    return names


def _build_features(vgg_type: str, upto: int) -> nn.Sequential:
    layers: List[nn.Module] = []
    cin = 3
    for v in _CFG[vgg_type]:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(cin, v, kernel_size=3, padding=1), nn.ReLU(inplace=False)]
            cin = v
    return nn.Sequential(*layers[: upto + 1])


def read_weights_file(path: Union[str, os.PathLike]) -> Dict[str, Tensor]:
    """Reads ``{name: tensor}`` from a ``.safetensors`` file or a ``torch.save`` file loaded
    with ``weights_only=True``: no code from the file ever runs.

    Raises FileNotFoundError for a missing file, ValueError for one that is corrupt or does
    not hold a dict of tensors.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"VGG weights: `weights_path` {path!r} does not exist (weights are never "
                                "downloaded; pass torchvision's vgg16/vgg19 .pth or a .safetensors file)")
    try:
        if path.endswith(".safetensors"):
            try:
                from safetensors.torch import load_file
            except ImportError as e:  # pragma: no cover - depends on the environment
                raise ValueError("VGG weights: reading .safetensors needs `pip install safetensors`") from e
            state = load_file(path, device="cpu")
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except ValueError:
        raise
    except Exception as e:  # corrupt or truncated files, pickles that need code
        raise ValueError(f"VGG weights: {path!r} is not a readable weights-only state dict: {e}") from e
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, Tensor) for k, v in state.items()):
        raise ValueError(f"VGG weights: {path!r} does not hold a dict of tensors")
    return state


class VGGFeatureExtractor(nn.Module):
    """Named intermediate features of VGG16/VGG19.

    Args:
        layers: names to return, from ``layer_names(vgg_type)``: ``convB_K`` is the output
            of a conv before its ReLU (ESRGAN uses conv5_4), ``reluB_K`` after it (SRGAN's
            choice, relu5_4), ``poolB`` after a max-pool. The network is cut after the
            deepest requested layer.
        vgg_type: "vgg19" (default) or "vgg16".
        weights_path: torchvision VGG weights (.pth, loaded with ``weights_only=True``) or a
            .safetensors file with the same keys. None leaves random (Kaiming) weights -
            only useful for tests.
        use_input_norm: normalise inputs with the ImageNet mean/std torchvision's VGG
            expects (inputs in [0, 1]).
        range_norm: inputs are in [-1, 1]; map them to [0, 1] first.
    Input (N, 3, H, W) or (N, 1, H, W) (a grey/infrared image is repeated to 3 channels).
    ``forward`` returns ``{name: (N, C_l, H_l, W_l)}``. Parameters are frozen.
    """

    def __init__(self, layers: Sequence[str], vgg_type: str = "vgg19",
                 weights_path: Union[str, os.PathLike, None] = None, use_input_norm: bool = True,
                 range_norm: bool = False) -> None:
        super().__init__()
        names = layer_names(vgg_type)
        layers = list(layers)
        if not layers:
            raise ValueError("VGGFeatureExtractor: expected at least one layer name in `layers`")
        unknown = [n for n in layers if n not in names]
        if unknown:
            raise ValueError(f"VGGFeatureExtractor: unknown layer(s) {unknown} for {vgg_type}; valid names are "
                             f"{names}")
        self.vgg_type = vgg_type
        self.layers = layers
        self._index = {n: names.index(n) for n in layers}
        self.features = _build_features(vgg_type, max(self._index.values()))
        self.use_input_norm = bool(use_input_norm)
        self.range_norm = bool(range_norm)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        if weights_path is not None:
            self.load_weights(weights_path)
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def load_weights(self, path: Union[str, os.PathLike]) -> None:
        """Loads torchvision-layout VGG weights (see ``read_weights_file``); keys beyond
        the kept layers (deeper convs, the classifier) are ignored, missing or misshapen
        ones raise ValueError naming them."""
        state = read_weights_file(path)
        own = self.state_dict()
        missing = [k for k in own if k not in state]
        if missing:
            raise ValueError(f"VGG weights: {os.fspath(path)!r} lacks {missing[:4]}{'...' if len(missing) > 4 else ''}"
                             f" - expected torchvision's {self.vgg_type} layout ('features.N.weight')")
        for k, v in own.items():
            if state[k].shape != v.shape:
                raise ValueError(f"VGG weights: {os.fspath(path)!r} has {k} of shape {tuple(state[k].shape)}, "
                                 f"expected {tuple(v.shape)} for {self.vgg_type} - is it the other VGG depth?")
        self.load_state_dict({k: state[k] for k in own}, strict=True)

    def train(self, mode: bool = True) -> "VGGFeatureExtractor":
        return super().train(False)  # a frozen feature extractor: always in eval mode

    def forward(self, x: Tensor) -> Dict[str, Tensor]:
        if x.dim() != 4 or x.shape[1] not in (1, 3):
            raise ValueError(f"VGGFeatureExtractor: expected input (N, 3, H, W) or (N, 1, H, W), got "
                             f"{tuple(x.shape)}")
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if self.range_norm:
            x = (x + 1) / 2
        if self.use_input_norm:
            x = (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        out: Dict[str, Tensor] = {}
        by_index = {i: n for n, i in self._index.items()}
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in by_index:
                out[by_index[i]] = x
        return out


def save_random_vgg(path: Union[str, os.PathLike], vgg_type: str = "vgg19", seed: int = 0) -> None:
    """Writes random VGG weights in torchvision's layout (features + classifier keys), for
    tests and examples where pretrained weights are unavailable. ``.safetensors`` paths
    are written with safetensors, others with ``torch.save``; the write is atomic."""
    g = torch.Generator().manual_seed(seed)
    feats = _build_features(vgg_type, len(layer_names(vgg_type)) - 1)
    state = {}
    for k, v in feats.state_dict().items():
        state["features." + k] = (torch.randn(v.shape, generator=g) * (2.0 / max(1, v[0].numel())) ** 0.5
                                  if k.endswith("weight") else torch.zeros(v.shape))
    state["classifier.0.weight"] = torch.zeros(8, 8)  # present in torchvision files; must be ignored
    path = os.fspath(path)
    if path.endswith(".safetensors"):
        from safetensors.torch import save

        data = save({k: v.contiguous() for k, v in state.items()})
        with atomic_write(path) as f:
            f.write(data)
    else:
        with atomic_write(path) as f:
            torch.save(state, f)


