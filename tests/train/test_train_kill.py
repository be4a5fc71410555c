"""A run killed with SIGKILL in the middle of writing a checkpoint resumes with nothing
lost: the half-written checkpoint is ignored (and removed), the previous one is complete,
and the resumed run ends bit for bit where an uninterrupted one does."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from srgan_cpp.train import Trainer
from srgan_cpp.train.checkpoint import CheckpointStore
from train_helpers import load_weights, micro_config, state_dicts_equal

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {here!r})
    from train_helpers import micro_config
    from srgan_cpp.train import Hook, Trainer

    class HangInThirdCheckpoint(Hook):
        def on_fit_start(self, trainer):
            def written(path):
                # state.pt of iteration 3 is on disk, its manifest is not: wait to be killed
                if os.path.basename(os.path.dirname(path)).startswith(".tmp-3-") and path.endswith("state.pt"):
                    open({marker!r}, "w").close()
                    time.sleep(600)
            trainer.store.on_file_written = written

    Trainer(micro_config(checkpoint={{"every": 1}}), out_dir={run!r}, hooks=[HangInThirdCheckpoint()]).fit()
""")


@pytest.mark.slow
def test_sigkill_mid_checkpoint_then_resume(tmp_path):
    run, marker = str(tmp_path / "run"), str(tmp_path / "in_checkpoint")
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(here=HERE, marker=marker, run=run)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 300
        while not os.path.exists(marker):
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.time() < deadline, "the child never reached its third checkpoint"
            time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    store = CheckpointStore(run)
    assert [it for it, _ in store.list()] == [1, 2]  # 3 never became visible
    assert [n for n in os.listdir(store.root) if n.startswith(".tmp-3-")]  # the half-written one
    resumed = Trainer(micro_config(checkpoint={"every": 1}), out_dir=run, resume="auto").fit()
    assert resumed.iterations == 7
    assert not [n for n in os.listdir(store.root) if n.startswith(".")]
    straight = tmp_path / "straight"
    Trainer(micro_config(), out_dir=straight).fit()
    a, b = load_weights(straight), load_weights(tmp_path / "run")
    for key in ("params", "params_ema"):
        assert state_dicts_equal(a[key], b[key]) == [], key
