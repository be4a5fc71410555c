"""An upscale of a folder killed with SIGKILL at random moments leaves no partial file under
a final name, and a rerun with --skip-existing completes the folder with the same pixels
as an uninterrupted run (issue 17: kill tests of the trainer and the upscaler)."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from srgan_cpp import models
from srgan_cpp.upscale import Upscaler
from upscale_helpers import random_image, tiny_srvgg

N_IMAGES = 10
KILLS = 4


def _pixels(path: str) -> np.ndarray:
    with Image.open(path) as im:
        im.load()  # a truncated file fails here
        return np.asarray(im)


def _command(src: str, dst: str, weights: str) -> list:
    return [sys.executable, "-m", "srgan_cpp", "upscale", src, "-o", dst, "-m", weights, "--skip-existing",
            "--threads", "1", "--no-progress", "-q"]


@pytest.mark.slow
def test_sigkill_at_random_moments_then_rerun(tmp_path):
    src, out, ref = tmp_path / "in", tmp_path / "out", tmp_path / "ref"
    src.mkdir()
    for i in range(N_IMAGES):
        Image.fromarray(random_image(192, 256, seed=i)).save(src / f"photo_{i}.png")
    model = tiny_srvgg(scale=2)
    weights = str(tmp_path / "net.pth")
    models.save(model, weights)
    Upscaler(models.load(weights), progress=False).run_dir(src, ref)
    expected = {name: _pixels(str(ref / name)) for name in sorted(os.listdir(ref))}
    assert len(expected) == N_IMAGES

    env = dict(os.environ, OMP_NUM_THREADS="1")
    rng = random.Random(17)
    killed = 0

    def finished() -> int:
        return len([n for n in os.listdir(out) if not n.startswith(".")]) if out.exists() else 0

    for _ in range(KILLS):
        if finished() >= N_IMAGES - 1:
            break
        # Kill once the run has written 0-2 more images than the previous ones left (0: while
        # Python and torch start), a few milliseconds later: tied to progress, not to a clock,
        # so it lands mid-run on a fast machine and on a loaded one alike.
        target = min(N_IMAGES - 1, finished() + rng.randint(0, 2))
        child = subprocess.Popen(_command(str(src), str(out), weights), env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 120
        while child.poll() is None and finished() < target and time.time() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.03))
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            killed += 1
        child.wait(timeout=120)
        assert child.returncode in (0, -signal.SIGKILL), child.stderr.read().decode()[-2000:]
        child.stderr.close()
        for name in os.listdir(out) if out.exists() else []:
            if name.startswith("."):
                continue  # a temporary file of the write that was cut off: never a final name
            np.testing.assert_array_equal(_pixels(str(out / name)), expected[name], err_msg=name)
    assert killed >= 1, "every run finished before its kill: the test did not test anything"

    final = subprocess.run(_command(str(src), str(out), weights), env=env, capture_output=True, text=True,
                           timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    done = sorted(n for n in os.listdir(out) if not n.startswith("."))
    assert done == sorted(expected)
    for name in done:
        np.testing.assert_array_equal(_pixels(str(out / name)), expected[name], err_msg=name)
