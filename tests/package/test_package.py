"""The package's shape: one sorted ``__all__`` per package naming what exists, no import
cycles between the resize modules, one source of constructor defaults (the Python
signatures, which match the C++ options' defaults), bindings that take every argument, and
an umbrella header that includes every public model."""
from __future__ import annotations

import ast
import importlib
import inspect
import re

import pytest

import srgan_cpp
from srgan_cpp import _C, models
from srgan_cpp.models import registry

from helpers.paths import REPO_ROOT

PACKAGES = ["srgan_cpp", "srgan_cpp.data", "srgan_cpp.losses", "srgan_cpp.metrics", "srgan_cpp.models",
            "srgan_cpp.nn", "srgan_cpp.ops"]


@pytest.mark.parametrize("name", PACKAGES)
def test_one_sorted_all_per_package(name):
    pkg = importlib.import_module(name)
    names = list(pkg.__all__)
    assert names == sorted(names) and len(set(names)) == len(names), name
    for n in names:
        assert hasattr(pkg, n), f"{name}.__all__ names {n!r}, which it does not define"


def _imports(path):
    tree = ast.parse(path.read_text())
    return {(n.module or "") for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}


def test_resize_modules_do_not_import_each_other_both_ways():
    data = REPO_ROOT / "python" / "srgan_cpp" / "data"
    cpp, py = _imports(data / "_resize_cpp.py"), _imports(data / "resize.py")
    assert "_resize_cpp" in py and "resize" not in cpp  # one direction only
    assert "resize_taps" in cpp and "resize_taps" in py  # the taps both use live apart


# Python constructor argument -> C++ option, where the two differ (SRCNN packs its options).
_SRCNN_TO_CPP = {
    "features": lambda v: {"features1": v[0], "features2": v[1]},
    "kernel_sizes": lambda v: dict(zip(("kernel1", "kernel2", "kernel3"), {"9-1-5": (9, 1, 5), "9-3-5": (9, 3, 5),
                                                                            "9-5-5": (9, 5, 5)}[v])),
    "padding": lambda v: {"same_padding": v == "same"},
}
_BOUND = [(spec.cls, getattr(_C, spec.name)) for spec in registry.specs() if hasattr(_C, spec.name)]
_BOUND.append((models.HetResidualBlock, _C.HetResidualBlock))


@pytest.mark.parametrize("cls, cpp", _BOUND, ids=[c.__name__ for c, _ in _BOUND])
def test_python_defaults_equal_the_cpp_options_defaults(cls, cpp):
    py_defaults = {k: p.default for k, p in inspect.signature(cls).parameters.items()}
    translated = {}
    for k, v in py_defaults.items():
        translated.update(_SRCNN_TO_CPP[k](v) if cls is models.SRCNN and k in _SRCNN_TO_CPP else {k: v})
    cpp_defaults = cpp.option_defaults()
    assert set(translated) == set(cpp_defaults), cls.__name__
    for k, v in cpp_defaults.items():
        want = translated[k]
        assert (list(want) if isinstance(want, tuple) else want) == v, (cls.__name__, k)


def test_bindings_take_every_argument_explicitly():
    with pytest.raises(TypeError, match="MSRResNet: missing argument `num_in_ch`"):
        _C.MSRResNet()
    full = {k: p.default for k, p in inspect.signature(models.MSRResNet).parameters.items()}
    _C.MSRResNet(**full)
    with pytest.raises(TypeError, match="unexpected argument `num_blocks`"):
        _C.MSRResNet(**full, num_blocks=3)
    with pytest.raises(TypeError, match="`upscale` has the wrong type"):
        _C.MSRResNet(**{**full, "upscale": "four"})
    with pytest.raises(TypeError):
        _C.BatchNorm2d(4)  # layers too: eps and momentum come from srgan_cpp.nn.BatchNorm2d


def test_umbrella_header_includes_every_public_model_header():
    csrc = REPO_ROOT / "csrc"
    umbrella = set(re.findall(r'#include "([^"]+)"', (csrc / "srgan_cpp.h").read_text()))
    headers = {str(p.relative_to(csrc)) for p in (csrc / "models").rglob("*.h")}
    internal = {"models/blocks/sr_common.h", "models/discriminators/discriminator_checks.h",
                "models/psrgan/ds_conv.h", "models/psrgan/kdb.h"}  # building blocks, reached through the models
    assert headers - internal <= umbrella, sorted(headers - internal - umbrella)
    layers = {f"nn/{p.name}" for p in (csrc / "nn").glob("*.h")} - {"nn/options.h"}  # a macro for the bindings
    assert layers <= umbrella, sorted(layers - umbrella)


def test_version_and_payload():
    assert isinstance(srgan_cpp.__version__, str) and srgan_cpp.built_with_cuda() in (True, False)
