"""srgan_cpp.models.registry and describe: every built-in architecture is registered once,
recognised by exactly one entry, described truthfully (sizes, scale, channels, precisions,
parameter count - each checked by running the model), rebuilt by name; a user's own
architecture registers and loads like the built-in ones; bounded checkpoint unwrapping."""
from __future__ import annotations

import copy
import pickle
import time

import pytest
import torch
from torch import nn

from srgan_cpp import models
from srgan_cpp.models import registry

from helpers.model_configs import TINY

IDS = [f"{name}-{i}" for i, (name, _) in enumerate(TINY)]
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16, "fp64": torch.float64}


def _valid_size(d: models.ModelDescription) -> int:
    if d.fixed_size is not None:
        return d.fixed_size
    size = max(d.min_size, 9)
    return -(-size // d.size_multiple) * d.size_multiple


def test_every_builtin_architecture_is_registered():
    assert registry.names() == sorted(registry.names())
    assert set(registry.names()) >= {name for name, _ in TINY}
    for name in registry.names():
        spec = registry.get(name)
        assert spec.name == name and spec.kind in ("generator", "discriminator")
    assert isinstance(registry.build("SRCNN"), models.SRCNN)
    with pytest.raises(ValueError, match="unknown architecture 'NoSuchNet'.*RRDBNet"):
        registry.get("NoSuchNet")
    with pytest.raises(ValueError, match="unknown architecture"):
        registry.build("NoSuchNet", num_feat=4)


@pytest.mark.parametrize("name, kwargs", TINY, ids=IDS)
def test_build_describe_and_detect_agree(name, kwargs):
    model = registry.build(name, **kwargs)
    assert type(model) is registry.get(name).cls
    d = models.describe(model)
    assert d.name == name and d.source_layout == "constructed"
    assert d.kwargs == registry.get(name).full_kwargs(kwargs)  # every argument, defaults filled in
    assert d.num_params == sum(p.numel() for p in model.parameters())
    # Exactly one registered entry recognises the weights; it reads back what it detects.
    sd = model.state_dict()
    assert [s.name for s in registry.specs() if s.recognises(sd)] == [name]
    detected_name, detected = models.loader.detect(sd)
    assert detected_name == name
    assert all(d.kwargs[k] == v for k, v in detected.items()), (detected, d.kwargs)
    # What the weights cannot tell comes from overrides; then the checkpoint's description
    # (computed without building anything) equals the model's.
    hidden = {k: v for k, v in d.kwargs.items() if k not in detected}
    from_sd = models.describe(sd, **hidden)
    assert from_sd == models.describe(model).__class__(**{**d.to_dict(), "source_layout": "BasicSR"})
    loaded = models.load(sd, **hidden)
    assert loaded.description == from_sd and loaded.detected == (name, {**detected, **hidden})
    # The description rebuilds the same architecture.
    twin = registry.build(d.name, **d.kwargs)
    assert {k: v.shape for k, v in twin.state_dict().items()} == {k: v.shape for k, v in sd.items()}


@pytest.mark.parametrize("name, kwargs", TINY, ids=IDS)
def test_geometry_is_what_the_model_accepts(name, kwargs):
    model = registry.build(name, **kwargs).eval()
    d = models.describe(model)
    n = _valid_size(d)
    assert d.accepts(n, n)
    with torch.no_grad():
        out = model(torch.rand(1, d.in_channels, n, n))
    assert out.shape[:2] == (1, d.out_channels)
    if d.kind == "generator":
        assert out.shape[2:] == ((n - d.border) * d.scale, (n - d.border) * d.scale)
    else:
        assert d.scale == 1 and d.out_channels == 1
    bad = []
    if d.fixed_size is not None:
        bad.append(d.fixed_size + d.size_multiple)
    if d.min_size > d.size_multiple:
        bad.append(d.min_size - d.size_multiple)
    if d.size_multiple > 1:
        bad.append(n + 1)
    for size in bad:
        assert not d.accepts(size, size)
        with pytest.raises(ValueError):
            model(torch.rand(1, d.in_channels, size, size))


@pytest.mark.parametrize("name, kwargs", TINY, ids=IDS)
def test_declared_precisions_run(name, kwargs):
    model = registry.build(name, **kwargs)
    d = models.describe(model)
    n = _valid_size(d)
    x = torch.rand(1, d.in_channels, n, n)
    with torch.no_grad():
        model(x)  # one training forward: spectral-norm vectors and batch-norm statistics settle
        expect = model.eval()(x)
        for p in d.precisions:
            dt = DTYPES[p]
            out = copy.deepcopy(model).to(dt)(x.to(dt))
            assert out.dtype == dt and torch.isfinite(out).all(), p
            tol = 0.05 * max(1.0, float(expect.abs().max()))
            torch.testing.assert_close(out.float(), expect, rtol=0.05, atol=tol, msg=p)


def test_description_survives_copies_and_is_json_friendly():
    model = models.RRDBNet(num_feat=4, num_block=1, num_grow_ch=2, scale=1)
    d = models.describe(model)
    assert models.describe(copy.deepcopy(model)) == d
    assert models.describe(pickle.loads(pickle.dumps(model))) == d
    assert d.size_multiple == 4 and d.min_size == 4 and d.scale == 1
    assert d.to_dict()["kwargs"]["scale"] == 1
    with pytest.raises(ValueError, match="not a registered architecture"):
        models.describe(nn.Conv2d(3, 3, 3))
    with pytest.raises(TypeError, match="overrides"):
        models.describe(model, act_type="relu")


def test_loaded_model_describes_its_file(tmp_path):
    model = models.EDSR(num_feat=4, num_block=2, upscale=4, res_scale=0.5)
    path = tmp_path / "edsr.pth"
    models.save(model, path)
    d = models.describe(path, res_scale=0.5)
    assert (d.name, d.scale, d.num_params, d.source_layout) == ("EDSR", 4, models.describe(model).num_params, "BasicSR")
    assert models.load(path, res_scale=0.5).description == d
    assert models.describe(path).kwargs["res_scale"] == 1.0  # not in the weights: BasicSR's baseline value


# --------------------------------------------------------------------- a user's own model
class _TinyNet(nn.Module):
    """A plain-PyTorch x2 generator defined here, registered by the test."""

    def __init__(self, channels: int = 3, width: int = 8, slope: float = 0.2) -> None:
        super().__init__()
        self.tiny_head = nn.Conv2d(channels, width, 3, padding=1)
        self.tiny_tail = nn.Conv2d(width, channels * 4, 3, padding=1)
        self.slope = slope

    def forward(self, x):
        return nn.functional.pixel_shuffle(self.tiny_tail(nn.functional.leaky_relu(self.tiny_head(x), self.slope)), 2)


@pytest.fixture
def tiny_registered():
    registry.register(
        _TinyNet, kind="generator", keys=("tiny_head.weight", "tiny_tail.weight"),
        read_kwargs=lambda sd: dict(channels=registry.shape(sd, "tiny_head.weight")[1],
                                    width=registry.shape(sd, "tiny_head.weight")[0]),
        geometry=lambda kw: registry.Geometry(scale=2, in_channels=kw["channels"], out_channels=kw["channels"]),
        precisions=("fp32", "fp64"))
    yield
    registry.unregister("_TinyNet")


def test_user_registered_architecture(tiny_registered, tmp_path):
    assert "_TinyNet" in registry.names()
    net = registry.build("_TinyNet", channels=1, width=6, slope=0.1)
    d = models.describe(net)
    assert d.kwargs == dict(channels=1, width=6, slope=0.1) and d.scale == 2 and d.precisions == ("fp32", "fp64")
    path = tmp_path / "tiny.pth"
    models.save(net, path)
    loaded = models.load(path, slope=0.1)
    assert type(loaded) is _TinyNet and loaded.detected == ("_TinyNet", dict(channels=1, width=6, slope=0.1))
    x = torch.rand(1, 1, 5, 7)
    assert torch.equal(loaded(x), net(x)) and loaded(x).shape == (1, 1, 10, 14)
    assert models.describe(path).num_params == d.num_params
    with pytest.raises(ValueError, match="already registered"):
        registry.register(_TinyNet, kind="generator", keys=("x",), read_kwargs=dict, geometry=None)  # type: ignore
    with pytest.raises(ValueError, match="cannot tell the architecture.*_TinyNet \\(tiny_head, tiny_tail\\)"):
        models.load({"fc.weight": torch.zeros(2, 2)})


def test_requires_names_what_the_weights_cannot_tell(tiny_registered, tmp_path):
    # The same registration with a `check` for the activation slope (not in the weights).
    spec = registry.get("_TinyNet")
    registry.register(_TinyNet, kind="generator", keys=spec.keys, read_kwargs=spec.read_kwargs,
                      geometry=spec.geometry, replace=True,
                      check=registry.requires(slope="_TinyNet weights do not store the slope; pass slope="))
    path = tmp_path / "tiny.pth"
    models.save(_TinyNet(channels=2, width=4, slope=0.3), path)
    with pytest.raises(ValueError, match=r"^srgan_cpp\.models\.load: _TinyNet weights do not store the slope; "
                                         r"pass slope=$"):
        models.load(path)
    assert models.load(path, slope=0.3).slope == 0.3


def test_register_validates_its_arguments(tiny_registered):
    kw = dict(keys=("a.weight",), read_kwargs=dict, geometry=lambda kw: None)
    with pytest.raises(ValueError, match="`kind`"):
        registry.register(_TinyNet, name="Other", kind="critic", **kw)
    with pytest.raises(ValueError, match="`precisions`"):
        registry.register(_TinyNet, name="Other", kind="generator", precisions=("int8",), **kw)
    with pytest.raises(ValueError, match="`keys`"):
        registry.register(_TinyNet, name="Other", kind="generator", keys=(), read_kwargs=dict,
                          geometry=lambda kw: None)
    assert "Other" not in registry.names()


def test_ambiguous_registrations_are_an_error(tiny_registered):
    registry.register(_TinyNet, name="_TinyTwin", kind="generator", keys=("tiny_head.weight",),
                      read_kwargs=lambda sd: {}, geometry=lambda kw: registry.Geometry(2, 3, 3))
    try:
        sd = _TinyNet().state_dict()
        with pytest.raises(ValueError, match="several registered architectures"):
            models.load(sd)
        registry.register(_TinyNet, name="_TinyTwin", kind="generator", keys=("tiny_head.weight",),
                          read_kwargs=lambda sd: {}, geometry=lambda kw: registry.Geometry(2, 3, 3), priority=1,
                          replace=True)
        assert models.loader.detect(sd) == ("_TinyTwin", {})
    finally:
        registry.unregister("_TinyTwin")


def test_unknown_layout_message_lists_every_registered_architecture():
    with pytest.raises(ValueError) as e:
        models.load({"fc.weight": torch.zeros(2, 2)})
    for name in registry.names():
        assert name in str(e.value)
    assert "original ESRGAN" in str(e.value)


# --------------------------------------------------------------------- SRCNN and files
def test_srcnn_checkpoints_reload(tmp_path):
    model = models.SRCNN(in_channels=1, kernel_sizes="9-1-5", padding="valid")
    x = torch.rand(1, 1, 20, 20)
    models.save(model, tmp_path / "srcnn.pth")
    models.save_state_dict(model, tmp_path / "srcnn_x3.pt")  # what the demo writes
    for path in (tmp_path / "srcnn.pth", tmp_path / "srcnn_x3.pt"):
        loaded = models.load(path, padding="valid")
        assert type(loaded) is models.SRCNN and loaded.detected[1]["kernel_sizes"] == "9-1-5"
        assert torch.equal(loaded(x), model(x))
        same = models.load(path)  # padding is not in the weights: "same" assumed
        assert same.description.kwargs["padding"] == "same" and same(x).shape == x.shape


def test_directory_is_not_a_checkpoint(tmp_path):
    for fn in (models.load, models.describe, models.load_state_dict_file,
               lambda p: models.load_partial(models.SRCNN(), p)):
        with pytest.raises(IsADirectoryError, match="is a directory"):
            fn(tmp_path)


def _self_referencing():
    d: dict = {}
    d["params"] = d
    return d


def _deep(depth: int):
    d = {"conv1.weight": torch.zeros(1)}
    for _ in range(depth):
        d = {"params": d}
    return d


@pytest.mark.parametrize("make", [_self_referencing, lambda: {"model": {"state_dict": _self_referencing()}},
                                  lambda: _deep(50)], ids=["self", "nested-self", "deep"])
def test_cyclic_or_endless_wrappers_are_refused_quickly(make, tmp_path):
    path = tmp_path / "evil.pth"
    torch.save(make(), path)
    assert path.stat().st_size < 10_000
    both = [models.load, models.describe, lambda src: models.load_partial(models.SRCNN(), src)]
    for source, calls in ((path, both + [models.load_state_dict_file]), (make(), both + [models.loader.detect])):
        for fn in calls:
            t0 = time.perf_counter()
            with pytest.raises(ValueError, match="refers to itself|more than 8 deep"):
                fn(source)
            assert time.perf_counter() - t0 < 5.0


def test_wrappers_up_to_the_bound_still_load():
    sd = models.SRCNN(in_channels=1, features=(4, 2), kernel_sizes="9-1-5").state_dict()
    assert models.load({"model": {"params_ema": sd}}).detected[0] == "SRCNN"
    wrapped = sd
    for _ in range(models.checkpoint.MAX_WRAPPER_DEPTH):
        wrapped = {"params": wrapped}
    assert models.load(wrapped).detected[0] == "SRCNN"
    with pytest.raises(ValueError, match="more than 8 deep"):
        models.load({"params": wrapped})
