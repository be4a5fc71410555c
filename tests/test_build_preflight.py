"""The build backend's checks (build_backend/srgan_cpp_backend.py): each way a build
cannot work - torch missing (an isolated build) or too old, no or too old CMake, no C++
compiler, no Python headers - stops it with one line before CMake runs."""
from __future__ import annotations

import importlib.util
import shutil
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("scikit_build_core")
_spec = importlib.util.spec_from_file_location("srgan_cpp_backend", ROOT / "build_backend" / "srgan_cpp_backend.py")
backend = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(backend)


def test_minimums_are_read_from_pyproject_and_cmakelists():
    assert f'"torch>={backend.minimum_torch()}"' in (ROOT / "pyproject.toml").read_text()
    assert f"cmake_minimum_required(VERSION {backend.minimum_cmake()})" in (ROOT / "CMakeLists.txt").read_text()


def test_torch_missing_explains_the_isolated_build():
    message = backend.torch_problem(None, "2.4", isolated=True)
    assert message.startswith("srgan_cpp: this is an isolated build (pip's default), which cannot see your torch")
    assert message.endswith("pip install --no-build-isolation .") and "\n" not in message
    message = backend.torch_problem(None, "2.4", isolated=False)
    assert message.startswith("srgan_cpp: torch is not installed in the Python building srgan_cpp")
    assert "install torch (>= 2.4) first" in message and "\n" not in message


def test_isolated_build_envs_are_recognised(monkeypatch):
    assert not backend.isolated_build_env()  # the test run itself
    monkeypatch.setattr(backend.sys, "path", ["/tmp/pip-build-env-abc123/overlay/lib/python3.11/site-packages"])
    assert backend.isolated_build_env()


@pytest.mark.parametrize("installed, ok", [("2.3.1", False), ("1.13.1+cu117", False), ("2.4.0", True),
                                           ("2.4.1+cu121", True), ("2.10.0", True), ("2.13.0+cpu", True)])
def test_torch_version_is_compared_numerically(installed, ok):
    message = backend.torch_problem(installed, "2.4")
    if ok:
        assert message is None
    else:
        assert message.startswith("srgan_cpp: needs torch >= 2.4, but ") and f"has torch {installed}" in message


def fake_cmake(tmp_path: Path, version: str) -> str:
    exe = tmp_path / f"cmake-{version}"
    exe.write_text(f"#!/bin/sh\necho 'cmake version {version}'\n")
    exe.chmod(0o755)
    return str(exe)


def test_cmake_missing_or_too_old(tmp_path):
    assert backend.cmake_problem([], "3.21").startswith("srgan_cpp: no CMake found (needs >= 3.21)")
    old = fake_cmake(tmp_path, "3.18.4")
    message = backend.cmake_problem([old, str(tmp_path / "absent")], "3.21")
    assert message.startswith("srgan_cpp: needs CMake >= 3.21, found only 3.18.4 at ")
    assert backend.cmake_problem([old, fake_cmake(tmp_path, "3.31.6")], "3.21") is None


@pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake")
def test_the_machines_cmake_passes():
    assert backend.cmake_problem(backend.cmake_candidates(), backend.minimum_cmake()) is None


def test_compiler_missing_or_misnamed():
    assert backend.compiler_problem({}, which=lambda name: None).startswith("srgan_cpp: no C++ compiler found")
    message = backend.compiler_problem({"CXX": "/nonexistent/g++ -O2"}, which=shutil.which)
    assert message == "srgan_cpp: CXX=/nonexistent/g++ -O2 names no program: set CXX to a C++ compiler"
    assert backend.compiler_problem({}, which=lambda name: "/usr/bin/" + name if name == "clang++" else None) is None


def test_python_headers_missing(tmp_path):
    message = backend.python_headers_problem(str(tmp_path))
    assert message.startswith(f"srgan_cpp: this Python's headers are missing (no Python.h in {tmp_path})")
    assert backend.python_headers_problem(sysconfig.get_path("include")) is None


@pytest.mark.parametrize("broken, expected", [
    ("torch", "srgan_cpp: torch is not installed"),
    ("cmake", "srgan_cpp: no CMake found"),
    ("compiler", "srgan_cpp: CXX=/nonexistent/c++ names no program"),
    ("headers", "srgan_cpp: this Python's headers are missing"),
])
def test_build_hooks_stop_with_one_line_before_cmake(monkeypatch, capsys, tmp_path, broken, expected):
    if broken == "torch":
        monkeypatch.setattr(backend, "installed_torch", lambda: None)
    if broken == "cmake":
        monkeypatch.setattr(backend, "cmake_candidates", lambda: [])
    if broken == "compiler":
        monkeypatch.setenv("CXX", "/nonexistent/c++")
    if broken == "headers":
        monkeypatch.setattr(backend.sysconfig, "get_path", lambda name: str(tmp_path))
    # Reaching scikit-build-core would be a failure of the check: make it loud.
    monkeypatch.setattr(backend, "_scikit_build", None)
    for hook in (backend.build_wheel, backend.build_editable):
        with pytest.raises(SystemExit) as stop:
            hook(str(tmp_path))
        assert stop.value.code == 1
        err = capsys.readouterr().err
        assert err.startswith(expected) and err.count("\n") == 1
    if broken == "torch":  # the isolated-build case: the first hook pip calls
        with pytest.raises(SystemExit):
            backend.get_requires_for_build_wheel()
        assert capsys.readouterr().err.startswith(expected)
