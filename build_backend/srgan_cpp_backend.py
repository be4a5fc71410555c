"""srgan_cpp's build backend: scikit-build-core, preceded by checks that turn the usual
ways a LibTorch extension build goes wrong into one clear line each, before CMake runs
or anything is compiled (pyproject.toml: build-backend = "srgan_cpp_backend").

The checks: torch importable in the building Python and recent enough (an isolated
build - pip's default - cannot see the installed torch, and fails here, before pip would
fetch anything else), CMake present and recent enough, a C++ compiler, Python's headers.
Each failure prints one line starting with "srgan_cpp: " and exits with status 1.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Optional

from scikit_build_core import build as _scikit_build
from scikit_build_core.build import (build_sdist, get_requires_for_build_sdist,  # noqa: F401  (hooks used as they are)
                                     prepare_metadata_for_build_editable, prepare_metadata_for_build_wheel)

ROOT = Path(__file__).resolve().parent.parent
ConfigSettings = Optional[dict]


def _version_tuple(text: str) -> tuple[int, ...]:
    """(2, 4, 1) from "2.4.1+cu121" or "3.25.1"; digits only, leading components."""
    return tuple(int(p) for p in re.findall(r"\d+", text.split("+")[0])[:3])


def minimum_torch() -> str:
    """The oldest torch srgan_cpp supports, as pyproject.toml's dependency list states it."""
    match = re.search(r'"torch\s*>=\s*([0-9.]+)', (ROOT / "pyproject.toml").read_text())
    if not match:
        raise RuntimeError("srgan_cpp: pyproject.toml lists no 'torch>=' dependency")
    return match.group(1)


def minimum_cmake() -> str:
    """CMakeLists.txt's cmake_minimum_required version."""
    match = re.search(r"cmake_minimum_required\s*\(\s*VERSION\s+([0-9.]+)", (ROOT / "CMakeLists.txt").read_text())
    if not match:
        raise RuntimeError("srgan_cpp: CMakeLists.txt has no cmake_minimum_required(VERSION ...)")
    return match.group(1)


def isolated_build_env() -> bool:
    """Whether this runs in a throw-away build environment (pip's, build's or uv's), which
    hides the packages installed where srgan_cpp will run."""
    markers = ("pip-build-env-", "build-env-", "builds-v")
    return any(m in p for m in markers for p in [sys.prefix, *sys.path])


def torch_problem(installed: Optional[str], minimum: str, isolated: bool = False) -> Optional[str]:
    """A one-line message when torch (its version string, None if absent) cannot be built against."""
    if installed is None and isolated:
        return ("srgan_cpp: this is an isolated build (pip's default), which cannot see your torch, and the "
                "extension must be compiled against the torch it will run with: install torch "
                f"(>= {minimum}), then pip install --no-build-isolation .")
    where = f"the Python building srgan_cpp ({sys.executable})"
    if installed is None:
        return (f"srgan_cpp: torch is not installed in {where}: install torch (>= {minimum}) first, "
                "then pip install --no-build-isolation .")
    if _version_tuple(installed) < _version_tuple(minimum):
        return (f"srgan_cpp: needs torch >= {minimum}, but {where} has torch {installed}: "
                f"pip install 'torch>={minimum}', then rebuild")
    return None


def installed_torch() -> Optional[str]:
    """The version of torch this Python would import, or None."""
    from importlib import metadata
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def cmake_candidates() -> list[str]:
    """CMake executables in scikit-build-core's order: the `cmake` PyPI package, then PATH."""
    found = []
    try:
        import cmake  # type: ignore[import-not-found]
        found.append(str(Path(cmake.CMAKE_BIN_DIR) / "cmake"))
    except (ImportError, AttributeError):
        pass
    found += [p for p in (shutil.which("cmake3"), shutil.which("cmake")) if p]
    return found


def cmake_problem(candidates: list[str], minimum: str) -> Optional[str]:
    """A one-line message unless one of the CMake executables is at least `minimum`."""
    seen = []
    for exe in candidates:
        try:
            out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        match = re.search(r"cmake3? version (\S+)", out)
        if match and _version_tuple(match.group(1)) >= _version_tuple(minimum):
            return None
        if match:
            seen.append(f"{match.group(1)} at {exe}")
    if seen:
        return (f"srgan_cpp: needs CMake >= {minimum}, found only {', '.join(seen)}: "
                f"pip install 'cmake>={minimum}' (or a newer CMake from your system)")
    return f"srgan_cpp: no CMake found (needs >= {minimum}): pip install cmake, or install CMake from your system"


def compiler_problem(environ: dict, which=shutil.which) -> Optional[str]:
    """A one-line message unless the C++ compiler CMake would use exists (CXX, else c++/g++/clang++)."""
    cxx = environ.get("CXX", "").split()
    if cxx:
        return None if which(cxx[0]) else f"srgan_cpp: CXX={environ['CXX']} names no program: set CXX to a C++ compiler"
    if any(which(name) for name in ("c++", "g++", "clang++")):
        return None
    return ("srgan_cpp: no C++ compiler found (CXX is unset and there is no c++, g++ or clang++ on PATH): "
            "install one (e.g. apt-get install g++) or set CXX")


def python_headers_problem(include_dir: str) -> Optional[str]:
    """A one-line message unless Python.h is in this Python's include folder."""
    if (Path(include_dir) / "Python.h").is_file():
        return None
    version = sysconfig.get_config_var("py_version_short") or "3"
    return (f"srgan_cpp: this Python's headers are missing (no Python.h in {include_dir}): "
            f"install them (e.g. apt-get install python{version}-dev)")


def _fail_on(problems: list[Optional[str]]) -> None:
    for problem in problems:
        if problem:
            print(problem, file=sys.stderr, flush=True)
            raise SystemExit(1)


def _check_torch() -> None:
    _fail_on([torch_problem(installed_torch(), minimum_torch(), isolated_build_env())])


def _check_all() -> None:
    _check_torch()
    _fail_on([cmake_problem(cmake_candidates(), minimum_cmake()),
              compiler_problem(dict(os.environ)),
              python_headers_problem(sysconfig.get_path("include"))])


# pip asks for the build requirements first in an isolated build: failing here stops it
# before it installs anything more. Without isolation pip goes straight to build_wheel.
def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> list[str]:
    _check_torch()
    return _scikit_build.get_requires_for_build_wheel(config_settings)


def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> list[str]:
    _check_torch()
    return _scikit_build.get_requires_for_build_editable(config_settings)


def build_wheel(wheel_directory: str, config_settings: ConfigSettings = None,
                metadata_directory: Optional[str] = None) -> str:
    _check_all()
    return _scikit_build.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory: str, config_settings: ConfigSettings = None,
                   metadata_directory: Optional[str] = None) -> str:
    _check_all()
    return _scikit_build.build_editable(wheel_directory, config_settings, metadata_directory)
