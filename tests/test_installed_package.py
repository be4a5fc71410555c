"""What the installed package carries besides Python: one version everywhere, and the C++
headers of the public API only (no kernel internals), each of whose includes is installed."""
from __future__ import annotations

import re
from pathlib import Path

import srgan_cpp

ROOT = Path(__file__).resolve().parent.parent

INTERNAL = re.compile(r"(^common/|_(kernels|epilogue|transpose|math|rows)\.h$|\.cuh$|^python/)")


def installed_headers() -> dict[str, Path]:
    root = Path(srgan_cpp.include_dir) / "srgan_cpp"
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


def test_umbrella_header_and_public_headers_are_installed():
    headers = installed_headers()
    assert "srgan_cpp.h" in headers
    assert {"ops/pixel_shuffle/pixel_shuffle.h", "models/srcnn/srcnn.h", "nn/module.h"} <= set(headers)


def test_no_internal_header_is_installed():
    assert [name for name in installed_headers() if INTERNAL.search(name)] == []


def test_every_include_of_an_installed_header_is_installed():
    headers = installed_headers()
    missing = [(name, inc) for name, path in headers.items()
               for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', path.read_text(), re.M) if inc not in headers]
    assert missing == []


def test_version_is_pyprojects_in_python_and_in_the_cmake_package():
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert srgan_cpp.__version__ == version
    cmake_version = Path(srgan_cpp.cmake_prefix_path) / "srgan_cpp" / "srgan_cppConfigVersion.cmake"
    assert f'set(PACKAGE_VERSION "{version}")' in cmake_version.read_text()
