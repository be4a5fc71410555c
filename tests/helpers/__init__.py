"""Shared test helpers, importable from every test folder (``tests/`` is on ``sys.path``
through ``tests/conftest.py``): device parametrisation, plain-PyTorch references of the ops
and models, and the checks several test files run.

* :mod:`.devices` - ``DEVICES`` / ``CUDA`` (CUDA entries skip cleanly without a GPU);
* :mod:`.op_checks` - the one opcheck / torch.compile pattern of the four ops;
* :mod:`.model_checks` - C++ model vs reference pairs, copies that train independently;
* ``*_reference`` modules - plain-PyTorch re-implementations the tests compare against;
* :mod:`.bench_loader` - imports the scripts of ``benchmarks/``.
"""
from .devices import CUDA, DEVICES

__all__ = ["CUDA", "DEVICES"]
