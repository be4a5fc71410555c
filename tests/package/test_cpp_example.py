"""The C++ API without Python: build examples/cpp against the installed CMake package,
run it, and compare its SRCNN output and op gradients with the Python side."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import torch
import torch.nn.functional as F

import srgan_cpp
from helpers.paths import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "cpp"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake")
def test_cpp_example_builds_runs_and_matches_python(tmp_path):
    build = tmp_path / "build"
    prefix = f"{torch.utils.cmake_prefix_path};{srgan_cpp.cmake_prefix_path}"
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(["cmake", "-S", str(EXAMPLE), "-B", str(build), f"-DCMAKE_PREFIX_PATH={prefix}",
                    "-DCMAKE_BUILD_TYPE=Release", *generator], check=True, capture_output=True, text=True)
    subprocess.run(["cmake", "--build", str(build), "--parallel", str(os.cpu_count() or 1)], check=True,
                   capture_output=True, text=True)

    torch.manual_seed(3)
    model = srgan_cpp.models.SRCNN(in_channels=1)
    weights = tmp_path / "weights.pt"
    srgan_cpp.models.save_state_dict(model, weights)
    out_file = tmp_path / "out.pt"
    run = subprocess.run([str(build / "srcnn_upscale"), str(weights), str(out_file)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "output [1, 1, 24, 24]" in run.stdout

    inp, out, shuffle_grad = torch.load(out_file, weights_only=True)
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(out, model(inp), rtol=0, atol=0)
    w = torch.arange(16, dtype=torch.float32).view(1, 1, 4, 4)
    assert torch.equal(shuffle_grad, F.pixel_unshuffle(w, 2))

    # Bad weights: a clear error and a non-zero exit, not a crash.
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    run = subprocess.run([str(build / "srcnn_upscale"), str(bad), str(out_file)], capture_output=True, text=True)
    assert run.returncode == 1 and "not a state dict" in run.stderr
    wrong = tmp_path / "wrong.pt"
    srgan_cpp.models.save_state_dict(srgan_cpp.models.SRCNN(in_channels=3), wrong)
    run = subprocess.run([str(build / "srcnn_upscale"), str(wrong), str(out_file)], capture_output=True, text=True)
    assert run.returncode == 1 and "size mismatch" in run.stderr
