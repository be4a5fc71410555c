"""Small configurations and helpers shared by the training-engine tests (tests/train/)."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict, List, Optional

import torch

from srgan_cpp.data import bundled_images, read_image, write_image

#: A generator and critic small enough for CPU tests in seconds.
MICRO_G = {"type": "RRDBNet", "num_feat": 8, "num_block": 1, "num_grow_ch": 8}
MICRO_D = {"type": "UNetDiscriminatorSN", "num_feat": 8}


def micro_config(stages: Optional[List[Dict[str, Any]]] = None, **top: Any) -> Dict[str, Any]:
    """A two-stage (L1 with EMA, then RaGAN from the EMA weights) x4 configuration on the
    bundled photographs with 32 px HR patches; keyword arguments replace top-level keys."""
    cfg: Dict[str, Any] = {
        "name": "micro", "scale": 4, "seed": 3,
        "generator": dict(MICRO_G), "discriminator": dict(MICRO_D),
        "data": {"train": {"type": "bundled", "exclude": ["astronaut"]}, "patch_size": 32, "batch_size": 2},
        "stages": stages if stages is not None else [
            {"name": "psnr", "iterations": 3, "losses": {"pixel": {"type": "l1"}}, "ema": 0.9,
             "optim_g": {"lr": 1e-3}, "scheduler": {"type": "cosine", "warmup": 2}},
            {"name": "gan", "iterations": 4, "init_g": "previous_ema", "ema": 0.9,
             "losses": {"pixel": {"weight": 0.01}, "adversarial": {"type": "ragan", "weight": 5e-3}}},
        ],
        "log": {"every": 2, "progress": "off", "plot": False}, "checkpoint": {"every": 0},
        "threads": 1,  # one intra-op thread: fast and steady on a shared machine
    }
    cfg.update(copy.deepcopy(top))
    return cfg


def state_dicts_equal(a: Dict[str, torch.Tensor], b: Dict[str, torch.Tensor]) -> List[str]:
    """Keys whose tensors differ (bit for bit)."""
    assert list(a) == list(b)
    return [k for k in a if not torch.equal(a[k], b[k])]


def load_weights(run: Path, name: str = "net_g_latest.pth") -> Dict[str, Any]:
    return torch.load(run / "models" / name, map_location="cpu", weights_only=True)


def make_paired_folders(root: Path, scale: int = 4, names: Optional[List[str]] = None) -> Dict[str, str]:
    """HR and (MATLAB bicubic) LR folders made from bundled photographs; returns their paths."""
    from srgan_cpp.data import imresize, modcrop

    hr_dir, lr_dir = root / "HR", root / "LR"
    hr_dir.mkdir(parents=True, exist_ok=True)
    lr_dir.mkdir(parents=True, exist_ok=True)
    for p in bundled_images():
        if names is not None and p.stem not in names:
            continue
        hr = modcrop(read_image(str(p), 3), scale)
        write_image(str(hr_dir / p.name), hr)
        write_image(str(lr_dir / p.name), imresize(hr, 1.0 / scale))
    return {"hr": str(hr_dir), "lr": str(lr_dir)}


__all__ = ["micro_config", "state_dicts_equal", "load_weights", "make_paired_folders", "MICRO_G", "MICRO_D"]
