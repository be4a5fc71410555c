"""Every tiny recipe runs end to end - all its stages, validation, checkpoints,
interpolation - with its iterations cut to two per stage."""
from __future__ import annotations

import pytest

from srgan_cpp.train import Trainer, load_config, recipes

TINY = [n for n in recipes.names() if n.endswith("_tiny")]


@pytest.mark.slow
@pytest.mark.parametrize("name", TINY)
def test_tiny_recipe_runs(tmp_path, name):
    cfg = load_config(f"recipe:{name}", ["threads=1", "log.progress=off", "log.every=1"])
    for st in cfg.stages:
        st.iterations = 2
        st.d_warmup = min(st.d_warmup, 1)
        st.d_steps = min(st.d_steps, 2)
        st.data.batch_size = 2
    result = Trainer(cfg, out_dir=tmp_path / name).fit()
    assert result.iterations == 2 * len(cfg.stages) and result.bad_steps == 0
    assert result.first_val is not None and result.last_val is not None
    assert (tmp_path / name / "models" / "net_g_latest.pth").is_file()
    if cfg.interpolate:
        assert result.interpolated
