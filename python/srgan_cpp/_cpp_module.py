"""CppModule: the bridge that makes a C++ ``srgan_cpp::nn::Module`` a genuine torch.nn.Module
(the base of the models in ``srgan_cpp.models`` and of the C++ layers in ``srgan_cpp.nn``).

Design: Python owns the tensors. At construction the C++ module tree is mirrored as a tree
of ``torch.nn.Module`` objects holding ``nn.Parameter``s (sharing the C++ initial values) and
buffers, under the same dotted names, so ``state_dict()`` keys equal the C++ names. On every
forward the wrapper hands C++ the tensors the Python tree holds *now* (``rebind``), so
whatever replaced or moved them - an optimizer step, ``.to("cuda")``, ``.half()``,
``load_state_dict(assign=True)``, ``copy.deepcopy``, ``torch.func.functional_call``,
parametrizations, DDP - the C++ forward computes with exactly those tensors, and autograd
records against them.

What this does not give: forward hooks on the mirrored *sub*modules do not fire (the whole
forward runs in C++), and ``torch.compile`` graph-breaks at the C++ call (the code before
and after it is still compiled).
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Dict, List, Tuple

import torch
from torch import Tensor, nn


class CppSubmodule(nn.Module):
    """A mirrored C++ submodule: holds its parameters, buffers and children only."""

    def __init__(self, cpp_type: str) -> None:
        super().__init__()
        self._cpp_type = cpp_type
        self._cpp_params: List[str] = []
        self._cpp_buffers: List[str] = []
        self._cpp_children: List[str] = []

    def forward(self, *args: Any) -> Any:
        raise RuntimeError(f"{self._cpp_type} is part of a C++ model; call the model itself")

    def extra_repr(self) -> str:
        return self._cpp_type


def _collect(m: nn.Module, params: List[Tensor], buffers: List[Tensor]) -> None:
    # getattr covers parametrized tensors (torch.nn.utils.parametrize), which leave _parameters.
    p = m._parameters
    for n in m._cpp_params:  # type: ignore[attr-defined]
        t = p.get(n)
        params.append(t if t is not None else getattr(m, n))
    b = m._buffers
    for n in m._cpp_buffers:  # type: ignore[attr-defined]
        t = b.get(n)
        buffers.append(t if t is not None else getattr(m, n))
    mods = m._modules
    for c in m._cpp_children:  # type: ignore[attr-defined]
        _collect(mods[c], params, buffers)  # type: ignore[arg-type]


class CppModule(nn.Module):
    """Base class of srgan_cpp models whose forward runs in C++.

    Subclasses call ``super().__init__(factory, config)`` where ``factory(**config)``
    builds the C++ module; the config is kept so copies and unpickling can rebuild it.
    """

    def __init__(self, factory: Callable[..., Any], config: Dict[str, Any]) -> None:
        super().__init__()
        self._cpp_factory = factory
        self._cpp_config = dict(config)
        cpp = factory(**self._cpp_config)
        self.__dict__["_cpp"] = cpp
        self._cpp_type = ""
        self._mirror(cpp.module_tree())

    # -- construction ---------------------------------------------------------------
    def _mirror(self, tree: List[Tuple[str, str, list, list, list]]) -> None:
        by_name: Dict[str, nn.Module] = {}
        for qualname, cpp_type, params, buffers, children in tree:
            if qualname == "":
                mod: nn.Module = self
                self._cpp_type = cpp_type
            else:
                parent_name, _, leaf = qualname.rpartition(".")
                mod = CppSubmodule(cpp_type)
                by_name[parent_name].add_module(leaf, mod)
            mod._cpp_params = [n for n, _ in params]  # type: ignore[assignment]
            mod._cpp_buffers = [n for n, _ in buffers]  # type: ignore[assignment]
            mod._cpp_children = list(children)  # type: ignore[assignment]
            for name, t in params:
                mod.register_parameter(name, nn.Parameter(t.detach(), requires_grad=t.requires_grad))
            for name, t in buffers:
                mod.register_buffer(name, t.detach())
            by_name[qualname] = mod

    # -- forward ----------------------------------------------------------------------
    def _bound_tensors(self) -> Tuple[List[Tensor], List[Tensor]]:
        params: List[Tensor] = []
        buffers: List[Tensor] = []
        _collect(self, params, buffers)
        return params, buffers

    def forward(self, input: Tensor) -> Tensor:
        """Runs the C++ forward on ``input`` with the tensors this module holds now (each
        subclass's docstring gives the shapes and value ranges)."""
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: expected `input` to be a torch.Tensor, got {type(input).__name__}")
        params, buffers = self._bound_tensors()
        return self._cpp.bound_forward(params, buffers, self.training, input)

    # -- copies and pickling: rebuild the C++ side from the config ----------------------
    def _new_cpp(self) -> Any:
        return self._cpp_factory(**self._cpp_config)

    def __deepcopy__(self, memo: Dict[int, Any]) -> "CppModule":
        cls = self.__class__
        new = cls.__new__(cls)
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            new.__dict__[k] = self._new_cpp() if k == "_cpp" else copy.deepcopy(v, memo)
        return new

    def __getstate__(self) -> Dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_cpp", None)
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__["_cpp"] = self._new_cpp()

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self._cpp_config.items())

    @property
    def scale(self) -> int:
        """The upscaling factor: the ``upscale`` (or ``scale``) constructor argument. Networks
        without one (discriminators, the pre-upsampled SRCNN / VDSR family) have no ``scale``
        attribute (``hasattr(model, "scale")`` is False)."""
        for key in ("upscale", "scale"):
            if key in self._cpp_config:
                return int(self._cpp_config[key])
        raise AttributeError(f"{type(self).__name__} has no upscaling factor")

    @property
    def cpp_module(self) -> Any:
        """The underlying C++ module object (pybind11); its tensors are rebound on each forward."""
        return self._cpp
