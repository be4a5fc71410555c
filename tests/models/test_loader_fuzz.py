"""Seeded-random fuzzing of checkpoint loading - ``models.load``, ``describe``,
``load_partial``, ``load_state_dict_file`` and the C++ loader - on state dicts of every
registered architecture, damaged at random (keys dropped, added or renamed, shapes changed,
non-tensor values, wrappers nested, cyclic or too deep, ``module.`` prefixes, truncated
files). Fixed case counts keep it bounded (seconds).

The property: each call returns (a model whose state dict matches what was loaded, or a
description) or raises ValueError / TypeError / FileNotFoundError, quickly - never hangs,
never another exception. A self-referencing wrapper (``d["params"] = d``) looped forever
before."""
from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from srgan_cpp import models
from srgan_cpp.models import registry

from helpers.model_configs import TINY

SEED = 5
N_CASES = 40
_ALLOWED = (ValueError, TypeError, FileNotFoundError)


def _damage(rng: np.random.Generator, sd: dict) -> object:
    sd = dict(sd)
    keys = list(sd)
    for _ in range(int(rng.integers(0, 3))):
        action = rng.choice(["drop", "add", "rename", "reshape", "nontensor", "dtype", "none"])
        k = keys[int(rng.integers(len(keys)))]
        if action == "drop" and len(sd) > 1:
            sd.pop(k, None)
        elif action == "add":
            sd[f"extra{int(rng.integers(100))}.weight"] = torch.zeros(int(rng.integers(1, 4)))
        elif action == "rename" and k in sd:
            sd[k + "_x"] = sd.pop(k)
        elif action == "reshape" and k in sd:
            shape = list(sd[k].shape) or [1]
            i = int(rng.integers(len(shape)))
            shape[i] = max(1, shape[i] + int(rng.choice([-1, 1, 2])))
            sd[k] = torch.zeros(shape)
        elif action == "nontensor" and k in sd:
            sd[k] = ["x", 3, None][int(rng.integers(3))]
        elif action == "dtype" and k in sd:
            sd[k] = sd[k].to(torch.float64)
    obj: object = sd
    if rng.random() < 0.3:
        obj = {f"module.{k}": v for k, v in sd.items()}
    for _ in range(int(rng.integers(0, 4))):
        obj = {["params", "params_ema", "state_dict", "model", "other"][int(rng.integers(5))]: obj, "epoch": 3}
    r = rng.random()
    if r < 0.1:
        cyclic: dict = {}
        cyclic["params"] = cyclic
        obj = {"model": cyclic}
    elif r < 0.15:
        for _ in range(12):
            obj = {"params": obj}
    return obj


def _timed(fn, *args):
    t0 = time.perf_counter()
    try:
        out = fn(*args)
    except Exception as e:  # noqa: BLE001 - the property is about which exceptions escape
        out = e
    assert time.perf_counter() - t0 < 10.0, fn
    if isinstance(out, BaseException):
        assert isinstance(out, _ALLOWED), f"{type(out).__name__}: {out}"
    return out


def test_damaged_checkpoints(tmp_path):
    rng = np.random.default_rng(SEED)
    for i in range(N_CASES):
        name, kwargs = TINY[int(rng.integers(len(TINY)))]
        model = registry.build(name, **kwargs)
        d = models.describe(model)
        hidden = {k: v for k, v in d.kwargs.items() if k not in models.loader.detect(model.state_dict())[1]}
        obj = _damage(rng, model.state_dict())
        path = tmp_path / f"case{i}.pth"
        try:
            torch.save(obj, path)
        except Exception:  # noqa: BLE001 - e.g. a value torch.save cannot pickle
            path = None
        if path is not None and rng.random() < 0.2:
            path.write_bytes(path.read_bytes()[: int(rng.integers(0, path.stat().st_size))])
        for source in (obj, path) if path is not None else (obj,):
            loaded = _timed(lambda s: models.load(s, **hidden), source)
            if not isinstance(loaded, BaseException):
                assert type(loaded) is type(model)
                assert set(loaded.state_dict()) == set(model.state_dict())
            described = _timed(lambda s: models.describe(s, **hidden), source)
            if not isinstance(described, BaseException):
                assert described.name in registry.names()
            _timed(lambda s: models.load_partial(registry.build(name, **kwargs), s), source)
        if path is not None:
            _timed(models.load_state_dict_file, path)
            fresh = registry.build(name, **kwargs)
            out = _timed(fresh.cpp_module.load_state_dict_file, str(path))
            if not isinstance(out, BaseException) and isinstance(loaded, torch.nn.Module):
                for k, v in fresh.state_dict().items():  # the C++ loader read what the Python one did
                    assert torch.equal(v, loaded.state_dict()[k].to(v.dtype)), k


@pytest.mark.parametrize("depth", [1, 7, 8, 9, 30])
def test_cpp_loader_bounds_the_unwrapping_like_python(tmp_path, depth):
    model = models.SRCNN(in_channels=1, features=(4, 2), kernel_sizes="9-1-5")
    obj = dict(model.state_dict())  # a plain dict: the C++ unpickler does not read OrderedDict's metadata
    for _ in range(depth):
        obj = {"params": obj}
    path = tmp_path / "nested.pth"
    torch.save(obj, path)
    fresh = models.SRCNN(in_channels=1, features=(4, 2), kernel_sizes="9-1-5")
    if depth <= models.checkpoint.MAX_WRAPPER_DEPTH:
        fresh.cpp_module.load_state_dict_file(str(path))
        assert models.load(path).detected[0] == "SRCNN"
    else:
        with pytest.raises(ValueError, match="more than 8 deep"):
            fresh.cpp_module.load_state_dict_file(str(path))
        with pytest.raises(ValueError, match="more than 8 deep"):
            models.load(path)


def test_cpp_loader_refuses_a_self_referencing_wrapper(tmp_path):
    d: dict = {}
    d["params"] = d
    path = tmp_path / "cyclic.pth"
    torch.save({"model": d}, path)
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="refers to itself"):
        models.SRCNN().cpp_module.load_state_dict_file(str(path))
    assert time.perf_counter() - t0 < 5.0
    assert models.checkpoint.STATE_DICT_WRAPPERS == ("params_ema", "params", "state_dict", "model")
