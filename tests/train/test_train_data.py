"""Training data: the seeded stream (independent of the number of loader workers and of
the number of processes), caching, and bad datasets refused before the first step with
the file or key named."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from srgan_cpp.data import bundled_images, read_image, write_image
from srgan_cpp.train import ConfigError, Trainer, load_config
from srgan_cpp.train.data import StreamBatchSampler, StreamDataset, dataset_pairs, make_batches
from train_helpers import make_paired_folders, micro_config


def _stream(cfg_overrides=(), channels=3, cache=False):
    cfg = load_config(micro_config(), list(cfg_overrides))
    st = cfg.stages[0]
    pairs = dataset_pairs(st.data.train, cfg.scale, "k")
    return StreamDataset(pairs, st.data, cfg.scale, seed=5, channels=channels, cache=cache), st.data


def test_items_are_a_function_of_the_position_only():
    ds, _ = _stream()
    a = [ds[i] for i in (0, 7, 3)]
    ds2, _ = _stream(cache=True)
    b = [ds2[i] for i in (3, 0, 7)]
    for (lq1, gt1), (lq2, gt2) in zip(a, [b[1], b[2], b[0]]):
        assert torch.equal(lq1, lq2) and torch.equal(gt1, gt2)
    lq, gt = a[0]
    assert lq.shape == (3, 8, 8) and gt.shape == (3, 32, 32) and 0 <= float(gt.min()) <= float(gt.max()) <= 1
    # each epoch visits every image once (here 4 images), in a seeded order
    assert sorted(ds.locate(p)[1] for p in range(4)) == [0, 1, 2, 3]


def test_batches_do_not_depend_on_the_number_of_workers():
    ds, data = _stream()
    data.num_workers = 0
    ref = make_batches(ds, data, start=2, rank=0, world=1, pin_memory=False)
    want = [ref.next() for _ in range(3)]
    data.num_workers = 2
    got = make_batches(ds, data, start=2, rank=0, world=1, pin_memory=False)
    try:
        for (a, b), (c, d) in zip(want, [got.next() for _ in range(3)]):
            assert torch.equal(a, c) and torch.equal(b, d)
    finally:
        got.close()


def test_processes_split_each_global_batch():
    r0 = iter(StreamBatchSampler(10, 3, rank=0, world=2))
    r1 = iter(StreamBatchSampler(10, 3, rank=1, world=2))
    assert next(r0) + next(r1) == list(range(10, 16)) and next(r0) + next(r1) == list(range(16, 22))


def test_y_channel_and_bicubic_input():
    ds, _ = _stream(["data.color=y", "data.input=bicubic"])
    lq, gt = ds[0]
    assert lq.shape == (1, 32, 32) and gt.shape == (1, 32, 32)
    assert 16 / 255 - 1e-6 <= float(gt.min()) and float(gt.max()) <= 235 / 255 + 1e-6  # studio-range luma


def _train(cfg, tmp_path):
    return Trainer(cfg, out_dir=tmp_path / "run").fit()


def test_bad_datasets_are_refused_before_the_first_step(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match=r"stages\[0\].data.train.hr: folder .*missing.* does not exist"):
        load_config(micro_config(), [f"data.train={{type: hr_folder, hr: {tmp_path / 'missing'}}}"])
    with pytest.raises(ConfigError, match=r"stages\[0\].data.train.hr: .*holds no images"):
        _train(load_config(micro_config(), [f"data.train={{type: hr_folder, hr: {empty}}}"]), tmp_path)
    # LR / HR size mismatch, named by file
    folders = make_paired_folders(tmp_path / "pairs", names=["camera", "coffee"])
    write_image(folders["lr"] + "/coffee.png", np.zeros((10, 10, 3), np.uint8))
    over = [f"data.train={{type: paired, hr: {folders['hr']}, lr: {folders['lr']}}}"]
    with pytest.raises(ConfigError, match=r"'coffee'.*is 10x10, which does not match `scale`=4"):
        _train(load_config(micro_config(), over), tmp_path)
    # an image too small for the patch size
    small = tmp_path / "small"
    small.mkdir()
    write_image(str(small / "a.png"), read_image(str(bundled_images()[0]), 3)[:20, :20])
    with pytest.raises(ConfigError, match=r"a.png' is 20x20, smaller than `patch_size`=32"):
        _train(load_config(micro_config(), [f"data.train={{type: hr_folder, hr: {small}}}"]), tmp_path)
    # an unreadable file
    (small / "a.png").write_bytes(b"not a png")
    with pytest.raises(ConfigError, match=r"a.png' is not a readable image"):
        _train(load_config(micro_config(), [f"data.train={{type: hr_folder, hr: {small}}}"]), tmp_path)
    assert not (tmp_path / "run").exists()  # nothing was written


def test_paired_folders_train(tmp_path):
    folders = make_paired_folders(tmp_path / "pairs", names=["camera", "coffee", "rocket"])
    cfg = micro_config(stages=[{"name": "psnr", "iterations": 2, "losses": {"pixel": {}}}])
    cfg["data"]["train"] = {"type": "paired", **folders}
    assert _train(cfg, tmp_path).iterations == 2


def test_texture_sampling_reaches_the_stream():
    """`data.texture` builds a TextureSampling for the training stream's crops."""
    plain, _ = _stream()
    tex, data = _stream(["data.texture={threshold: 4.0, keep_flat: 0.0, tries: 5}"])
    assert data.texture is not None and tex.base.texture is not None and plain.base.texture is None
    assert tex.base.texture.threshold == 4.0 and tex.base.texture.tries == 5
    a, b = [plain[i][1] for i in range(8)], [tex[i][1] for i in range(8)]
    assert all(x.shape == y.shape for x, y in zip(a, b))
    assert any(not torch.equal(x, y) for x, y in zip(a, b))  # other crop positions


def test_several_hr_folders_are_one_set(tmp_path):
    """`hr: [A, B]` (hr_folder) trains on the images of both folders; a missing folder is
    named by its index, a name in two folders and a list for `paired` are refused."""
    a = make_paired_folders(tmp_path / "a", names=["camera", "coffee"])["hr"]
    b = make_paired_folders(tmp_path / "b", names=["rocket"])["hr"]
    cfg = load_config(micro_config(), [f"data.train={{type: hr_folder, hr: [{a}, {b}]}}"])
    pairs = dataset_pairs(cfg.stages[0].data.train, 4, "stages[0].data.train")
    assert sorted(n for n, _, _ in pairs) == ["camera", "coffee", "rocket"]
    assert {p for _, p, _ in pairs} == {f"{a}/camera.png", f"{a}/coffee.png", f"{b}/rocket.png"}
    run = micro_config(stages=[{"name": "psnr", "iterations": 2, "losses": {"pixel": {}}}])
    run["data"]["train"] = {"type": "hr_folder", "hr": [a, b]}
    assert _train(run, tmp_path).iterations == 2
    with pytest.raises(ConfigError, match=r"stages\[0\].data.train.hr\[1\]: folder .*nope.* does not exist"):
        load_config(micro_config(), [f"data.train={{type: hr_folder, hr: [{a}, {tmp_path / 'nope'}]}}"])
    with pytest.raises(ConfigError, match=r"stages\[0\].data.train.hr: an empty list of folders"):
        load_config(micro_config(), ["data.train={type: hr_folder, hr: []}"])
    dup = make_paired_folders(tmp_path / "c", names=["coffee"])["hr"]
    cfg = load_config(micro_config(), [f"data.train={{type: hr_folder, hr: [{a}, {dup}]}}"])
    with pytest.raises(ConfigError, match=r"stages\[0\].data.train.hr\[1\]: image 'coffee' is in .* names must be unique"):
        dataset_pairs(cfg.stages[0].data.train, 4, "stages[0].data.train")
    lr = make_paired_folders(tmp_path / "d", names=["camera"])["lr"]
    with pytest.raises(ConfigError, match=r"stages\[0\].data.train.hr: one folder for `type`: paired"):
        load_config(micro_config(), [f"data.train={{type: paired, hr: [{a}], lr: {lr}}}"])
