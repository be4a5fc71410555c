"""The build's CUDA decision (cmake/srgan_cppCuda.cmake), run in CMake's script mode with
fake nvcc programs: which build each combination of SRGAN_CPP_CUDA, torch's CUDA version
and the toolkit found gets, and the line that says so."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake")


def fake_nvcc(tmp_path: Path, release: str) -> str:
    exe = tmp_path / f"nvcc-{release}"
    exe.write_text(f"#!/bin/sh\necho 'Cuda compilation tools, release {release}, V{release}.99'\n")
    exe.chmod(0o755)
    return str(exe)


def run_cmake_script(tmp_path: Path, body: str, env: dict | None = None) -> subprocess.CompletedProcess:
    script = tmp_path / "check.cmake"
    script.write_text(f'include("{ROOT}/cmake/srgan_cppCuda.cmake")\n{body}\n')
    return subprocess.run(["cmake", "-P", str(script)], capture_output=True, text=True, env=env)


def decide(tmp_path: Path, mode: str, torch_cuda: str, nvcc: str) -> subprocess.CompletedProcess:
    return run_cmake_script(tmp_path, f'srgan_cpp_cuda_decision("{mode}" "2.4.1" "{torch_cuda}" "{nvcc}")\n'
                                      'message(STATUS "WITH_CUDA=${SRGAN_CPP_WITH_CUDA}")')


def flat(text: str) -> str:
    """CMake wraps error messages over several indented lines."""
    return " ".join(text.split())


def test_matching_toolkit_major_gives_a_cuda_build(tmp_path):
    for mode in ("AUTO", "ON"):
        run = decide(tmp_path, mode, "12.1", fake_nvcc(tmp_path, "12.4"))
        assert run.returncode == 0, run.stderr
        assert "srgan_cpp: CUDA build: torch 2.4.1 uses CUDA 12.1 and" in run.stdout
        assert "WITH_CUDA=ON" in run.stdout


def test_no_toolkit_builds_cpu_only_and_says_which_toolkit_torch_needs(tmp_path):
    run = decide(tmp_path, "AUTO", "12.1", "")
    assert run.returncode == 0, run.stderr
    assert "srgan_cpp: CPU-only build: torch 2.4.1 uses CUDA 12.1 and no CUDA toolkit was found" in run.stdout
    assert "install a CUDA 12.x toolkit" in run.stdout and "WITH_CUDA=OFF" in run.stdout


def test_toolkit_of_another_major_version_is_a_clear_error(tmp_path):
    run = decide(tmp_path, "AUTO", "12.1", fake_nvcc(tmp_path, "13.0"))
    assert run.returncode != 0
    message = flat(run.stderr)
    assert "srgan_cpp: torch 2.4.1 uses CUDA 12.1, and the CUDA toolkit found is" in message
    assert "(CUDA 13.0)" in message and "install a CUDA 12.x toolkit" in message
    assert "or a torch built for CUDA 13" in message and "SRGAN_CPP_CUDA=OFF" in message


def test_off_builds_cpu_only_whatever_is_installed(tmp_path):
    run = decide(tmp_path, "OFF", "12.1", fake_nvcc(tmp_path, "13.0"))
    assert run.returncode == 0, run.stderr
    assert "srgan_cpp: CPU-only build: SRGAN_CPP_CUDA=OFF" in run.stdout and "WITH_CUDA=OFF" in run.stdout


def test_cpu_torch_builds_cpu_only(tmp_path):
    run = decide(tmp_path, "AUTO", "", fake_nvcc(tmp_path, "13.0"))
    assert run.returncode == 0, run.stderr
    assert "srgan_cpp: CPU-only build: torch 2.4.1 is a CPU-only build" in run.stdout


@pytest.mark.parametrize("torch_cuda, nvcc_release, expected", [
    ("", "13.0", "torch 2.4.1 is a CPU-only build: install a CUDA build of torch"),
    ("12.1", None, "no CUDA toolkit was found (no nvcc on PATH, CUDACXX unset): for CUDA kernels install a CUDA 12.x"),
    ("12.1", "13.0", "the CUDA toolkit found is"),
])
def test_on_refuses_what_cannot_give_cuda_kernels(tmp_path, torch_cuda, nvcc_release, expected):
    nvcc = fake_nvcc(tmp_path, nvcc_release) if nvcc_release else ""
    run = decide(tmp_path, "ON", torch_cuda, nvcc)
    assert run.returncode != 0
    assert "srgan_cpp: SRGAN_CPP_CUDA=ON, but" in flat(run.stderr)
    assert expected in flat(run.stderr)


def test_unknown_mode_is_refused(tmp_path):
    run = decide(tmp_path, "YES", "12.1", "")
    assert run.returncode != 0 and "SRGAN_CPP_CUDA must be AUTO, ON or OFF, got 'YES'" in flat(run.stderr)


def architectures(tmp_path: Path, arch_list: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TORCH_CUDA_ARCH_LIST", "CUDAARCHS")}
    if arch_list is not None:
        env["TORCH_CUDA_ARCH_LIST"] = arch_list
    return run_cmake_script(tmp_path, 'srgan_cpp_cuda_architectures()\nmessage(STATUS "ARCHS=${CMAKE_CUDA_ARCHITECTURES}")',
                            env=env)


def test_default_architectures_cover_turing_to_hopper_with_ptx_for_newer(tmp_path):
    run = architectures(tmp_path, None)
    assert run.returncode == 0, run.stderr
    assert "ARCHS=75-real;80-real;86-real;89-real;90" in run.stdout


def test_torch_cuda_arch_list_is_translated(tmp_path):
    run = architectures(tmp_path, "7.5 8.6+PTX;9.0")
    assert run.returncode == 0, run.stderr
    assert "ARCHS=75-real;86;90-real" in run.stdout
    run = architectures(tmp_path, "Ampere")
    assert run.returncode != 0 and "TORCH_CUDA_ARCH_LIST entry 'Ampere' is not of the form 8.6 or 8.6+PTX" in flat(run.stderr)
