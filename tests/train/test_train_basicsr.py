"""BasicSR training option files run as they are: the translation of every key BasicSR's
ESRGAN / SRGAN / SRResNet / EDSR / Real-ESRGAN options use, refusal (by BasicSR key) of what
changes training and cannot be honoured, one warning per skipped reporting key, and a real
run whose folder has BasicSR's layout."""
from __future__ import annotations

import copy

import pytest
import torch
import yaml

from srgan_cpp import models
from srgan_cpp.losses import save_random_vgg
from srgan_cpp.train import ConfigError, Trainer, load_config
from train_helpers import make_paired_folders

# BasicSR's options/train/ESRGAN/train_ESRGAN_x4.yml (paths and sizes changed to fit a test)
ESRGAN = """
name: 052_ESRGAN_x4_f64b23_DIV2K_400k_B16G1_051pretrain_wandb
model_type: ESRGANModel
scale: 4
num_gpu: 1  # set num_gpu: 0 for cpu mode
manual_seed: 0

datasets:
  train:
    name: DIV2K
    type: PairedImageDataset
    dataroot_gt: {hr}
    dataroot_lq: {lr}
    filename_tmpl: '{{}}'
    io_backend:
      type: disk
    gt_size: 32
    use_hflip: true
    use_rot: true
    num_worker_per_gpu: 0
    batch_size_per_gpu: 2
    dataset_enlarge_ratio: 100
    prefetch_mode: ~
  val:
    name: Set14
    type: PairedImageDataset
    dataroot_gt: {hr}
    dataroot_lq: {lr}
    io_backend:
      type: disk

network_g:
  type: RRDBNet
  num_in_ch: 3
  num_out_ch: 3
  num_feat: 8
  num_block: 1
  num_grow_ch: 8

network_d:
  type: UNetDiscriminatorSN
  num_in_ch: 3
  num_feat: 8

path:
  pretrain_network_g: ~
  strict_load_g: true
  resume_state: ~

train:
  ema_decay: 0.999
  optim_g:
    type: Adam
    lr: !!float 1e-4
    weight_decay: 0
    betas: [0.9, 0.99]
  optim_d:
    type: Adam
    lr: !!float 1e-4
    weight_decay: 0
    betas: [0.9, 0.99]
  scheduler:
    type: MultiStepLR
    milestones: [50000, 100000, 200000, 300000]
    gamma: 0.5
  total_iter: 400000
  warmup_iter: -1  # no warm up
  pixel_opt:
    type: L1Loss
    loss_weight: !!float 1e-2
    reduction: mean
  perceptual_opt:
    type: PerceptualLoss
    layer_weights:
      'conv1_2': 1  # before relu
    vgg_type: vgg19
    use_input_norm: true
    range_norm: false
    perceptual_weight: 1.0
    style_weight: 0
    criterion: l1
  gan_opt:
    type: GANLoss
    gan_type: vanilla
    real_label_val: 1.0
    fake_label_val: 0.0
    loss_weight: !!float 5e-3
  net_d_iters: 1
  net_d_init_iters: 0

val:
  val_freq: !!float 5e3
  save_img: true
  metrics:
    psnr: # metric name, can be arbitrary
      type: calculate_psnr
      crop_border: 4
      test_y_channel: false
    niqe:
      type: calculate_niqe
      crop_border: 4

logger:
  print_freq: 100
  save_checkpoint_freq: !!float 5e3
  use_tb_logger: true
  wandb:
    project: esrgan
    resume_id: ~

dist_params:
  backend: nccl
  port: 29500
"""


@pytest.fixture(scope="module")
def basicsr_root(tmp_path_factory):
    """A folder with paired images, BasicSR's VGG file and an ESRGAN option file over them."""
    root = tmp_path_factory.mktemp("basicsr")
    folders = make_paired_folders(root / "data", names=["camera", "coffee", "astronaut"])
    (root / "experiments" / "pretrained_models").mkdir(parents=True)
    save_random_vgg(root / "experiments" / "pretrained_models" / "vgg19-dcbb9e9d.pth")
    (root / "train_ESRGAN_x4.yml").write_text(ESRGAN.format(**folders))
    return root


@pytest.fixture()
def basicsr_file(basicsr_root, monkeypatch):
    """The option file, run from its folder (where BasicSR looks for the VGG weights)."""
    monkeypatch.chdir(basicsr_root)
    return basicsr_root / "train_ESRGAN_x4.yml"


def test_translation_of_the_esrgan_options(basicsr_file):
    cfg = load_config(basicsr_file)
    assert cfg.source_format == "basicsr" and cfg.name.startswith("052_ESRGAN") and cfg.seed == 0
    (st,) = cfg.stages
    assert st.iterations == 400000 and st.ema == 0.999 and st.d_steps == 1 and st.d_warmup == 0
    assert st.losses.adversarial.type == "ragan" and st.losses.adversarial.weight == 5e-3
    assert st.losses.pixel.type == "l1" and st.losses.pixel.weight == 1e-2
    assert st.losses.perceptual.layers == {"conv1_2": 1.0} and st.losses.perceptual.weights.endswith("vgg19-dcbb9e9d.pth")
    assert st.optim_g.betas == [0.9, 0.99] and st.optim_d.lr == 1e-4
    assert st.scheduler.type == "multistep" and st.scheduler.milestones == [50000, 100000, 200000, 300000]
    assert st.scheduler.gamma == 0.5 and st.scheduler.warmup == 0
    assert st.data.patch_size == 32 and st.data.batch_size == 2 and st.data.repeat == 100 and st.data.rot
    assert st.generator.type == "RRDBNet" and st.discriminator.type == "UNetDiscriminatorSN"
    assert cfg.val.every == 5000 and cfg.val.channels == ["rgb"] and cfg.val.crop_border == 4
    assert cfg.val.best_metric == "psnr_rgb" and cfg.val.sets[0].name == "Set14"
    assert cfg.checkpoint.every == 5000 and cfg.log.every == 100 and cfg.log.tensorboard == "auto"
    w = "\n".join(cfg.warnings)
    for key in ("val.metrics.niqe", "logger.wandb", "val.save_img", "dist_params"):
        assert f"`{key}` skipped" in w, key
    assert "datasets.train.name" not in w and "io_backend" not in w  # accepted: nothing to say
    assert len(cfg.warnings) == len(set(cfg.warnings))


@pytest.mark.parametrize("edit, key", [
    (lambda d: d["train"].update(ldl_opt={"type": "L1Loss"}), "train.ldl_opt"),
    (lambda d: d["network_g"].update(type="SwinIR"), "network_g.type"),
    (lambda d: d["network_g"].update(num_feet=3), "network_g.num_feet"),
    (lambda d: d["datasets"]["train"].update(type="RealESRGANDataset"), "datasets.train.type"),
    (lambda d: d.update(model_type="VideoRecurrentModel"), "model_type"),
    (lambda d: d["train"]["optim_g"].update(type="Lion"), "train.optim_g.type"),
    (lambda d: d["train"]["scheduler"].update(type="CosineAnnealingLR"), "train.scheduler.type"),
    (lambda d: d["train"]["pixel_opt"].update(reduction="sum"), "train.pixel_opt.reduction"),
    (lambda d: d["train"]["gan_opt"].update(gan_type="hinge"), "train.gan_opt.gan_type"),
    (lambda d: d["train"].update(mystery=1), "train.mystery"),
    (lambda d: d["datasets"]["train"].update(meta_info_file="meta.txt"), "datasets.train.meta_info_file"),
])
def test_training_keys_srgan_cpp_cannot_honour_are_refused_by_name(basicsr_file, edit, key):
    data = yaml.safe_load(basicsr_file.read_text())
    edit(data)
    with pytest.raises(ConfigError) as e:
        load_config(data)
    assert str(e.value).startswith(key + ":"), str(e.value)


def test_other_model_types_translate(basicsr_file):
    data = yaml.safe_load(basicsr_file.read_text())
    srgan = copy.deepcopy(data)
    srgan["model_type"] = "SRGANModel"
    srgan["train"]["net_d_init_iters"] = 7
    st = load_config(srgan).stages[0]
    assert st.losses.adversarial.type == "vanilla" and st.d_warmup == 7
    sr = copy.deepcopy(data)
    sr["model_type"] = "SRModel"
    for k in ("gan_opt", "perceptual_opt", "optim_d"):
        sr["train"].pop(k)
    sr["network_g"] = {"type": "EDSR", "num_feat": 8, "num_block": 1, "upscale": 4}
    cfg = load_config(sr)
    assert cfg.stages[0].discriminator is None and cfg.stages[0].losses.adversarial is None
    assert any("`network_d` skipped" in w for w in cfg.warnings)
    real = copy.deepcopy(data)
    real["model_type"] = "RealESRGANModel"
    real.update(l1_gt_usm=True, percep_gt_usm=True, gan_gt_usm=False, high_order_degradation=False, resize_prob=[0.2])
    real["network_g"] = {"type": "SRVGGNetCompact", "num_feat": 8, "num_conv": 2, "upscale": 4}
    sh = load_config(real).stages[0].sharpen_gt
    assert (sh.pixel, sh.perceptual, sh.adversarial) == (True, True, False)
    real.pop("high_order_degradation")
    with pytest.raises(ConfigError, match="^high_order_degradation:"):
        load_config(real)


def test_options_without_vgg_weights_say_where_to_put_them(basicsr_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no experiments/pretrained_models here
    with pytest.raises(ConfigError, match=r"train.perceptual_opt: needs vgg19 weights.*experiments/pretrained_models"):
        load_config(basicsr_file)


def test_a_basicsr_file_runs_and_the_run_folder_looks_like_basicsr(basicsr_file, basicsr_root):
    tmp_path = basicsr_root
    overrides = ["train.total_iter=2", "logger.save_checkpoint_freq=1", "val.val_freq=2", "logger.use_tb_logger=false",
                 "num_gpu=0"]
    cfg = load_config(basicsr_file, overrides)
    result = Trainer(cfg, progress=False).fit()
    run = tmp_path / "experiments" / cfg.name  # BasicSR's experiments/<name>/
    assert result.run_dir == str(run.relative_to(tmp_path)) and result.iterations == 2
    assert (run / "train_ESRGAN_x4.yml").read_text() == basicsr_file.read_text()
    for f in ("net_g_1.pth", "net_g_2.pth", "net_g_latest.pth", "net_d_2.pth", "net_d_latest.pth"):
        assert (run / "models" / f).is_file(), f
    # what BasicSR's load_network does: torch.load(path)[param_key], strict load
    sd = torch.load(run / "models" / "net_g_2.pth", map_location="cpu", weights_only=True)
    assert set(sd) == {"params", "params_ema", "arch"}  # "arch": srgan_cpp's record, which BasicSR ignores
    assert sd["arch"]["type"] == "RRDBNet" and sd["arch"]["kwargs"]["num_block"] == 1
    net = models.RRDBNet(num_feat=8, num_block=1, num_grow_ch=8)
    net.load_state_dict(sd["params_ema"], strict=True)
    assert type(models.load(run / "models" / "net_g_latest.pth")).__name__ == "RRDBNet"
    assert [p.name for p in sorted((run / "training_states").iterdir())] == ["1", "2"]
    assert result.last_val is not None and "psnr_rgb" in result.last_val
