"""BasicSR training option files (``options/train/*.yml``) translated into srgan_cpp's
configuration, so they run as they are.

Every key BasicSR reads is accounted for (the full table is in docs/training.md):

* keys that decide what is trained (networks, losses, data, optimisers, schedules) are
  translated, or - when srgan_cpp cannot honour them - refused by name before anything runs
  (:class:`~srgan_cpp.train.errors.ConfigError` naming the BasicSR key);
* keys that only affect reporting or infrastructure that srgan_cpp does differently (wandb,
  lmdb hints, the CUDA prefetcher, ``num_gpu``, extra metrics such as NIQE) are skipped with
  one warning line each (returned to the caller, which prints them).

Model types: ``SRModel`` (one PSNR-oriented stage), ``SRGANModel`` (G and D, BasicSR's
update order), ``ESRGANModel`` (relativistic average loss, the fused ``ragan_loss`` op),
``RealESRNetModel`` / ``RealESRGANModel`` with paired data (LR images made beforehand;
``l1_gt_usm`` / ``percep_gt_usm`` / ``gan_gt_usm`` sharpen the ground truth as Real-ESRGAN does).
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import networks
from .errors import ConfigError

MODEL_TYPES = ("SRModel", "SRGANModel", "ESRGANModel", "RealESRNetModel", "RealESRGANModel")
_GAN_MODELS = ("SRGANModel", "ESRGANModel", "RealESRGANModel")
_DATASETS = ("PairedImageDataset", "RealESRGANPairedDataset")
#: BasicSR looks for torchvision's VGG weights here before downloading them.
VGG_PRETRAIN_PATHS = {"vgg19": "experiments/pretrained_models/vgg19-dcbb9e9d.pth",
                      "vgg16": "experiments/pretrained_models/vgg16-397923af.pth"}
#: Old BasicSR discriminator names -> (srgan_cpp name, fixed arguments).
_D_ALIASES = {"VGGStyleDiscriminator128": ("VGGStyleDiscriminator", {"input_size": 128}),
              "VGGStyleDiscriminator256": ("VGGStyleDiscriminator", {"input_size": 256})}
_LOSS_TYPES = {"L1Loss": "l1", "MSELoss": "mse", "CharbonnierLoss": "charbonnier"}
_OPTIMS = {"Adam": "adam", "AdamW": "adamw", "SGD": "sgd"}


#: Real-ESRGAN's top-level settings of its on-the-fly degradation (unused with paired data).
_REALESRGAN_DEGRADATION = frozenset((
    "resize_prob", "resize_range", "gaussian_noise_prob", "noise_range", "poisson_scale_range", "gray_noise_prob",
    "jpeg_range", "second_blur_prob", "resize_prob2", "resize_range2", "gaussian_noise_prob2", "noise_range2",
    "poisson_scale_range2", "gray_noise_prob2", "jpeg_range2", "gt_size", "queue_size"))


def is_basicsr(data: Any) -> bool:
    """Whether a parsed option file is in BasicSR's format (it has ``network_g``)."""
    return isinstance(data, Mapping) and "network_g" in data and "stages" not in data


class _Reader:
    """Walks a BasicSR mapping, remembering which keys were used, so that the rest can be
    refused (training keys) or skipped with a warning (reporting keys)."""

    def __init__(self, warnings: List[str]) -> None:
        self.warnings = warnings

    def skip(self, key: str, why: str) -> None:
        self.warnings.append(f"BasicSR option `{key}` skipped: {why}")

    @staticmethod
    def refuse(key: str, why: str) -> ConfigError:
        return ConfigError(key, f"cannot be honoured by srgan_cpp: {why}")

    def leftovers(self, section: Mapping[str, Any], used: Tuple[str, ...], key: str, ignorable: Mapping[str, str],
                  refuse_rest: bool = True) -> None:
        """Keys of ``section`` not in ``used``: silently accepted when ``ignorable`` maps them to
        ``""`` (they change nothing here), skipped with a warning when it gives a reason
        (unless unset), refused otherwise."""
        for k, v in section.items():
            if k in used:
                continue
            sub = f"{key}.{k}" if key else k
            if k in ignorable:
                if ignorable[k] and v not in (None, False, "~"):
                    self.skip(sub, ignorable[k])
                continue
            if refuse_rest:
                raise self.refuse(sub, "unknown to srgan_cpp's translation of BasicSR options (see docs/training.md)")


def _section(data: Mapping[str, Any], name: str, key: str) -> Dict[str, Any]:
    v = data.get(name)
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise ConfigError(f"{key}{name}", "expected a mapping")
    return dict(v)


def _float(v: Any, key: str) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ConfigError(key, f"expected a number, got {v!r}") from None


def _network(opt: Mapping[str, Any], key: str, want_discriminator: bool) -> Dict[str, Any]:
    if not isinstance(opt, Mapping) or "type" not in opt:
        raise ConfigError(key, "expected a mapping with `type`")
    name = str(opt["type"])
    kwargs = {k: v for k, v in opt.items() if k != "type"}
    if name in _D_ALIASES:
        name, fixed = _D_ALIASES[name]
        kwargs.update(fixed)
    if name not in networks.names():
        raise ConfigError(f"{key}.type", f"cannot be honoured by srgan_cpp: no architecture {name!r} "
                                         f"(srgan_cpp has: {', '.join(networks.names())})")
    if networks.is_discriminator(name) != want_discriminator:
        raise ConfigError(f"{key}.type", f"{name} is {'not ' if want_discriminator else ''}a discriminator")
    networks.check_kwargs(name, kwargs, key)
    return {"type": name, **kwargs}


def _optimizer(opt: Mapping[str, Any], key: str, r: _Reader) -> Dict[str, Any]:
    opt = dict(opt)
    kind = opt.pop("type", "Adam")
    if kind not in _OPTIMS:
        raise r.refuse(f"{key}.type", f"optimiser {kind!r} (srgan_cpp has {', '.join(_OPTIMS)})")
    out: Dict[str, Any] = {"type": _OPTIMS[kind]}
    for k in ("lr", "weight_decay", "eps", "momentum"):
        if k in opt:
            out[k] = _float(opt.pop(k), f"{key}.{k}")
    if "betas" in opt:
        out["betas"] = [_float(b, f"{key}.betas") for b in opt.pop("betas")]
    if "nesterov" in opt:
        out["nesterov"] = bool(opt.pop("nesterov"))
    if opt.pop("amsgrad", False):
        raise r.refuse(f"{key}.amsgrad", "AMSGrad is not offered")
    for k in opt:
        raise r.refuse(f"{key}.{k}", "unknown optimiser option")
    return out


def _scheduler(opt: Mapping[str, Any], key: str, r: _Reader, warmup: int) -> Dict[str, Any]:
    opt = dict(opt)
    kind = opt.pop("type", None)
    out: Dict[str, Any] = {"warmup": max(0, warmup)}
    if kind in ("MultiStepLR", "MultiStepRestartLR"):
        out.update(type="multistep", milestones=[int(_float(m, f"{key}.milestones")) for m in opt.pop("milestones", [])],
                   gamma=_float(opt.pop("gamma", 0.1), f"{key}.gamma"))
        restarts = opt.pop("restarts", [0])
        if any(int(x) != 0 for x in (restarts or [0])):
            raise r.refuse(f"{key}.restarts", "MultiStepRestartLR restarts are not offered (use CosineAnnealingRestartLR)")
        opt.pop("restart_weights", None)
    elif kind == "CosineAnnealingRestartLR":
        out.update(type="cosine", periods=[int(_float(p, f"{key}.periods")) for p in opt.pop("periods")],
                   restart_weights=[_float(w, f"{key}.restart_weights") for w in opt.pop("restart_weights", [])],
                   eta_min=_float(opt.pop("eta_min", 0.0), f"{key}.eta_min"))
    elif kind is None:
        out["type"] = "constant"
    else:
        raise r.refuse(f"{key}.type", f"scheduler {kind!r} (srgan_cpp has MultiStepLR, MultiStepRestartLR, "
                                      f"CosineAnnealingRestartLR)")
    for k in opt:
        raise r.refuse(f"{key}.{k}", "unknown scheduler option")
    return out


def _pixel(opt: Mapping[str, Any], key: str, r: _Reader) -> Dict[str, Any]:
    opt = dict(opt)
    kind = opt.pop("type", None)
    if kind not in _LOSS_TYPES:
        raise r.refuse(f"{key}.type", f"pixel loss {kind!r} (srgan_cpp has {', '.join(_LOSS_TYPES)})")
    if opt.pop("reduction", "mean") != "mean":
        raise r.refuse(f"{key}.reduction", "only `mean` is offered")
    out = {"type": _LOSS_TYPES[kind], "weight": _float(opt.pop("loss_weight", 1.0), f"{key}.loss_weight")}
    if "eps" in opt:
        out["eps"] = _float(opt.pop("eps"), f"{key}.eps")
    for k in opt:
        raise r.refuse(f"{key}.{k}", "unknown pixel-loss option")
    return out


def _perceptual(opt: Mapping[str, Any], key: str, r: _Reader) -> Dict[str, Any]:
    opt = dict(opt)
    if opt.pop("type", "PerceptualLoss") != "PerceptualLoss":
        raise r.refuse(f"{key}.type", "only PerceptualLoss is offered")
    vgg = str(opt.pop("vgg_type", "vgg19"))
    if vgg not in VGG_PRETRAIN_PATHS:
        raise r.refuse(f"{key}.vgg_type", f"{vgg!r} (srgan_cpp has vgg16 and vgg19)")
    out: Dict[str, Any] = {"vgg": vgg, "layers": {str(k): _float(v, f"{key}.layer_weights.{k}")
                                                  for k, v in dict(opt.pop("layer_weights", {"conv5_4": 1.0})).items()}}
    for src, dst in (("use_input_norm", "use_input_norm"), ("range_norm", "range_norm")):
        if src in opt:
            out[dst] = bool(opt.pop(src))
    out["weight"] = _float(opt.pop("perceptual_weight", 1.0), f"{key}.perceptual_weight")
    out["style_weight"] = _float(opt.pop("style_weight", 0.0), f"{key}.style_weight")
    out["criterion"] = str(opt.pop("criterion", "l1"))
    # srgan_cpp extension: where the VGG weights are (BasicSR downloads them); else BasicSR's own path.
    weights = opt.pop("weights", None)
    if weights is None and os.path.isfile(VGG_PRETRAIN_PATHS[vgg]):
        weights = VGG_PRETRAIN_PATHS[vgg]
    if weights is None:
        raise ConfigError(f"{key}", f"needs {vgg} weights, which cannot be downloaded here: put torchvision's file at "
                                    f"{VGG_PRETRAIN_PATHS[vgg]} (where BasicSR looks) or pass "
                                    f"--set {key}.weights=PATH")
    out["weights"] = str(weights)
    for k in opt:
        raise r.refuse(f"{key}.{k}", "unknown perceptual-loss option")
    return out


def _gan(opt: Mapping[str, Any], key: str, r: _Reader, model_type: str) -> Dict[str, Any]:
    opt = dict(opt)
    if opt.pop("type", "GANLoss") != "GANLoss":
        raise r.refuse(f"{key}.type", "only GANLoss is offered")
    gan_type = str(opt.pop("gan_type", "vanilla"))
    if model_type == "ESRGANModel":
        if gan_type != "vanilla":
            raise r.refuse(f"{key}.gan_type", "ESRGANModel's relativistic loss is the BCE (vanilla) form only")
        gan_type = "ragan"
    elif gan_type not in ("vanilla", "lsgan", "wgan", "wgan_softplus", "hinge"):
        raise r.refuse(f"{key}.gan_type", f"{gan_type!r}")
    out = {"type": gan_type, "weight": _float(opt.pop("loss_weight", 1.0), f"{key}.loss_weight"),
           "real_label": _float(opt.pop("real_label_val", 1.0), f"{key}.real_label_val"),
           "fake_label": _float(opt.pop("fake_label_val", 0.0), f"{key}.fake_label_val")}
    for k in opt:
        raise r.refuse(f"{key}.{k}", "unknown GAN-loss option")
    return out


# "" = accepted silently (nothing to do: srgan_cpp does the same), else the warning's reason
_TRAIN_SET_REPORTING = {
    "name": "", "phase": "", "io_backend": "", "use_shuffle": "",
    "filename_tmpl": "",  # LR files are paired with HR files by name; x4 / _x4 suffixes are understood
    "prefetch_mode": "srgan_cpp's loader prefetches with its workers (no CUDA prefetcher)",
}
_VAL_SET_REPORTING = {"io_backend": "", "phase": "", "filename_tmpl": "",
                      "num_worker_per_gpu": "validation runs in the main process",
                      "batch_size_per_gpu": "validation takes one image at a time"}


def _train_data(opt: Mapping[str, Any], key: str, r: _Reader, model_type: str) -> Dict[str, Any]:
    opt = dict(opt)
    kind = opt.get("type")
    if kind not in _DATASETS:
        raise r.refuse(f"{key}.type", f"dataset {kind!r}: srgan_cpp runs paired LR/HR folders (PairedImageDataset, "
                                      f"RealESRGANPairedDataset); make LR images beforehand for on-the-fly degradation "
                                      f"pipelines such as RealESRGANDataset")
    io = opt.get("io_backend") or {}
    if isinstance(io, Mapping) and io.get("type", "disk") != "disk":
        r.skip(f"{key}.io_backend.type", f"{io.get('type')!r}: srgan_cpp reads image folders from disk (lmdb is not read)")
        opt.pop("io_backend")
    if "dataroot_gt" not in opt or "dataroot_lq" not in opt:
        raise ConfigError(key, "needs dataroot_gt and dataroot_lq")
    if "gt_size" not in opt:
        raise ConfigError(f"{key}.gt_size", "missing (the HR patch size)")
    if opt.get("meta_info_file") or opt.get("meta_info"):
        raise r.refuse(f"{key}.meta_info_file", "file lists are not read; all images in the folders are used")
    for k in ("mean", "std"):
        if opt.get(k) is not None:
            raise r.refuse(f"{key}.{k}", "input normalisation is not offered (images are in [0, 1])")
    out: Dict[str, Any] = {
        "train": {"type": "paired", "hr": str(opt["dataroot_gt"]), "lr": str(opt["dataroot_lq"])},
        "patch_size": int(opt["gt_size"]),
        "hflip": bool(opt.get("use_hflip", False)),
        "rot": bool(opt.get("use_rot", False)),
        "batch_size": int(opt.get("batch_size_per_gpu", 16)),
        "num_workers": int(opt.get("num_worker_per_gpu", 0)),
        "repeat": int(opt.get("dataset_enlarge_ratio", 1)),
    }
    for k in ("pin_memory", "persistent_workers"):
        if k in opt:
            out[k] = bool(opt[k])
    if opt.get("color") is not None:
        if opt["color"] != "y":
            raise r.refuse(f"{key}.color", f"{opt['color']!r} (only y)")
        out["color"] = "y"
    used = ("type", "dataroot_gt", "dataroot_lq", "gt_size", "use_hflip", "use_rot", "batch_size_per_gpu",
            "num_worker_per_gpu", "dataset_enlarge_ratio", "pin_memory", "persistent_workers", "color",
            "meta_info_file", "meta_info", "mean", "std")
    r.leftovers(opt, used, key, _TRAIN_SET_REPORTING)
    return out


def _val_set(opt: Mapping[str, Any], key: str, r: _Reader) -> Dict[str, Any]:
    opt = dict(opt)
    if opt.get("type") not in _DATASETS + ("SingleImageDataset",):
        raise r.refuse(f"{key}.type", f"validation dataset {opt.get('type')!r}")
    if opt.get("type") == "SingleImageDataset" or "dataroot_gt" not in opt:
        raise r.refuse(key, "validation needs ground truth: dataroot_gt and dataroot_lq")
    out: Dict[str, Any] = {"type": "paired", "hr": str(opt["dataroot_gt"])}
    if opt.get("dataroot_lq") is not None:
        out["lr"] = str(opt["dataroot_lq"])
    else:
        out = {"type": "hr_folder", "hr": str(opt["dataroot_gt"])}
    if opt.get("name"):
        out["name"] = str(opt["name"])
    r.leftovers(opt, ("type", "dataroot_gt", "dataroot_lq", "name", "gt_size", "use_hflip", "use_rot"), key,
                _VAL_SET_REPORTING)
    return out


def _validation(val: Mapping[str, Any], sets: List[Dict[str, Any]], r: _Reader) -> Optional[Dict[str, Any]]:
    val = dict(val)
    metrics = dict(val.pop("metrics", {}) or {})
    channels, crop, best = [], None, None
    for name, m in metrics.items():
        m = dict(m or {})
        kind = m.get("type")
        if kind not in ("calculate_psnr", "calculate_ssim"):
            r.skip(f"val.metrics.{name}", f"metric {kind!r} is not computed (srgan_cpp reports PSNR and SSIM)")
            continue
        ch = "y" if m.get("test_y_channel", False) else "rgb"
        if ch not in channels:
            channels.append(ch)
        c = m.get("crop_border")
        if c is not None:
            if crop is not None and int(c) != crop:
                r.skip(f"val.metrics.{name}.crop_border", f"one crop border for all metrics; using {crop}")
            crop = int(c) if crop is None else crop
        if best is None:
            best = ("psnr_" if kind == "calculate_psnr" else "ssim_") + ch
        for k in m:
            if k not in ("type", "crop_border", "test_y_channel", "better"):
                r.skip(f"val.metrics.{name}.{k}", "not used by srgan_cpp's PSNR/SSIM")
    if not sets:
        if val:
            r.skip("val", "no validation dataset in `datasets`")
        return None
    out: Dict[str, Any] = {"sets": sets, "every": int(_float(val.pop("val_freq", 0), "val.val_freq")),
                           "channels": channels or ["y", "rgb"]}
    if crop is not None:
        out["crop_border"] = crop
    if best is not None:
        out["best_metric"] = best
    for k, why in (("save_img", "srgan_cpp writes a PNG grid of validation crops instead of every image"),
                   ("suffix", "no validation images are written"), ("pbar", "progress is shown by srgan_cpp's bar"),
                   ("use_pbar", "progress is shown by srgan_cpp's bar")):
        if val.pop(k, None):
            r.skip(f"val.{k}", why)
    r.leftovers(val, (), "val", {})
    return out


def translate(data: Mapping[str, Any], source: str = "") -> Tuple[Dict[str, Any], List[str]]:
    """BasicSR options -> ``(srgan_cpp configuration mapping, warning lines)``.

    Raises ConfigError naming the BasicSR key for anything that changes training and that
    srgan_cpp cannot honour.
    """
    warnings: List[str] = []
    r = _Reader(warnings)
    data = dict(data)
    model_type = str(data.get("model_type", "SRModel"))
    if model_type not in MODEL_TYPES:
        raise r.refuse("model_type", f"{model_type!r} (srgan_cpp runs {', '.join(MODEL_TYPES)})")
    if "scale" not in data:
        raise ConfigError("scale", "missing required key")
    train = _section(data, "train", "")
    datasets = _section(data, "datasets", "")
    path = _section(data, "path", "")
    logger = _section(data, "logger", "")
    gan = model_type in _GAN_MODELS

    # -- data -------------------------------------------------------------------------
    if "train" not in datasets:
        raise ConfigError("datasets.train", "missing")
    data_cfg = _train_data(datasets["train"], "datasets.train", r, model_type)
    val_sets = []
    for k, v in datasets.items():
        if k == "train":
            continue
        if k.startswith("val") or k.startswith("test"):
            val_sets.append(_val_set(v, f"datasets.{k}", r))
        else:
            raise r.refuse(f"datasets.{k}", "unknown dataset phase (train, val*, test*)")

    # -- networks -----------------------------------------------------------------------
    generator = _network(data["network_g"], "network_g", want_discriminator=False)
    discriminator = None
    if gan:
        if "network_d" not in data:
            raise ConfigError("network_d", f"missing ({model_type} trains a discriminator)")
        discriminator = _network(data["network_d"], "network_d", want_discriminator=True)
    elif data.get("network_d") is not None:
        r.skip("network_d", f"{model_type} trains no discriminator")

    # -- losses -------------------------------------------------------------------------
    losses: Dict[str, Any] = {}
    if train.get("pixel_opt"):
        losses["pixel"] = _pixel(train["pixel_opt"], "train.pixel_opt", r)
    if train.get("perceptual_opt"):
        losses["perceptual"] = _perceptual(train["perceptual_opt"], "train.perceptual_opt", r)
    if gan:
        if not train.get("gan_opt"):
            raise ConfigError("train.gan_opt", f"missing ({model_type} needs an adversarial loss)")
        losses["adversarial"] = _gan(train["gan_opt"], "train.gan_opt", r, model_type)
    elif train.get("gan_opt"):
        r.skip("train.gan_opt", f"{model_type} trains no discriminator")
    if train.get("ldl_opt"):
        raise r.refuse("train.ldl_opt", "the LDL artifact loss is not offered")
    if not losses:
        raise ConfigError("train", "no loss: set pixel_opt and/or perceptual_opt")
    sharpen = None
    if model_type in ("RealESRNetModel", "RealESRGANModel"):
        # Real-ESRGAN's defaults: every loss sees the USM-sharpened ground truth.
        # (top-level keys in Real-ESRGAN's option files)
        sharpen = {"pixel": bool(data.get("l1_gt_usm", True)), "perceptual": bool(data.get("percep_gt_usm", True)),
                   "adversarial": bool(data.get("gan_gt_usm", True))}
        if data.get("high_order_degradation", True) is not False:
            raise r.refuse("high_order_degradation", "Real-ESRGAN's on-the-fly second-order degradation is not "
                                                     "offered: train on LR images made beforehand and set it to false")
    total = int(_float(train.get("total_iter", 0), "train.total_iter"))
    if total < 1:
        raise ConfigError("train.total_iter", "missing or < 1")
    warmup = int(_float(train.get("warmup_iter", -1), "train.warmup_iter"))
    stage: Dict[str, Any] = {
        "name": "train",
        "iterations": total,
        "losses": losses,
        "optim_g": _optimizer(train.get("optim_g") or {}, "train.optim_g", r),
        "scheduler": _scheduler(train.get("scheduler") or {}, "train.scheduler", r, warmup),
    }
    if sharpen is not None and any(sharpen.values()):
        stage["sharpen_gt"] = sharpen
    if gan:
        stage["optim_d"] = _optimizer(train.get("optim_d") or {}, "train.optim_d", r)
        stage["d_steps"] = int(train.get("net_d_iters") or 1)
        stage["d_warmup"] = int(train.get("net_d_init_iters") or 0)
    ema = train.get("ema_decay")
    if ema:
        stage["ema"] = _float(ema, "train.ema_decay")
    if path.get("pretrain_network_g"):
        stage["init_g"] = {"source": str(path["pretrain_network_g"]), "param_key": path.get("param_key_g", "params"),
                           "strict": bool(path.get("strict_load_g", True))}
    if gan and path.get("pretrain_network_d"):
        stage["init_d"] = {"source": str(path["pretrain_network_d"]), "param_key": path.get("param_key_d", "params"),
                           "strict": bool(path.get("strict_load_d", True))}
    train_used = ("pixel_opt", "perceptual_opt", "gan_opt", "ldl_opt", "optim_g", "optim_d", "scheduler",
                  "total_iter", "warmup_iter", "net_d_iters", "net_d_init_iters", "ema_decay")
    r.leftovers(train, train_used, "train", {})

    # -- paths, logging, top level -------------------------------------------------------
    path_reporting = {"resume_state": "use --resume auto|PATH", "experiments_root": "use --out DIR",
                      "root": "use --out DIR", "models": "written under the run folder",
                      "training_states": "written under the run folder", "log": "written under the run folder",
                      "visualization": "written under the run folder", "results_root": "use --out DIR"}
    r.leftovers(path, ("pretrain_network_g", "param_key_g", "strict_load_g", "pretrain_network_d", "param_key_d",
                       "strict_load_d"), "path", path_reporting)
    log_cfg: Dict[str, Any] = {}
    if "print_freq" in logger:
        log_cfg["every"] = max(1, int(_float(logger["print_freq"], "logger.print_freq")))
    if "use_tb_logger" in logger:
        log_cfg["tensorboard"] = "auto" if logger["use_tb_logger"] else "off"
    ckpt: Dict[str, Any] = {}
    if "save_checkpoint_freq" in logger:
        ckpt["every"] = int(_float(logger["save_checkpoint_freq"], "logger.save_checkpoint_freq"))
    wandb = logger.get("wandb")
    if isinstance(wandb, Mapping) and wandb.get("project"):
        r.skip("logger.wandb", "srgan_cpp does not log to wandb (JSON lines and TensorBoard instead)")
    r.leftovers(logger, ("print_freq", "use_tb_logger", "save_checkpoint_freq", "wandb"), "logger", {})

    out: Dict[str, Any] = {
        "name": str(data.get("name", os.path.splitext(os.path.basename(source))[0] or "basicsr")),
        "scale": int(data["scale"]),
        "seed": int(data.get("manual_seed") or 0),
        "generator": generator,
        "data": data_cfg,
        "stages": [stage],
        "log": log_cfg,
        "checkpoint": ckpt,
        "device": "cpu" if data.get("num_gpu", "auto") == 0 else "auto",
    }
    if discriminator is not None:
        out["discriminator"] = discriminator
    val = _validation(_section(data, "val", ""), val_sets, r)
    if val is not None:
        out["val"] = val
    top_reporting = {"num_gpu": "the device is --device (or torchrun for several)", "dist_params": "torchrun sets it up",
                     "is_train": "always training", "dist": "torchrun sets it up",
                     "find_unused_parameters": "not needed by srgan_cpp's DDP use", "rank": "torchrun sets it",
                     "world_size": "torchrun sets it", "auto_resume": "use --resume auto", "cudnn_benchmark": "",
                     "root_path": "relative paths are relative to the working folder"}
    used = ("name", "model_type", "scale", "manual_seed", "datasets", "network_g", "network_d", "path", "train", "val",
            "logger", "l1_gt_usm", "percep_gt_usm", "gan_gt_usm", "high_order_degradation")
    for k, v in data.items():
        if k in used:
            continue
        if model_type in ("RealESRNetModel", "RealESRGANModel") and k in _REALESRGAN_DEGRADATION:
            continue  # read by BasicSR only with high_order_degradation, which is refused above
        if k in top_reporting:
            if k != "num_gpu" and v not in (None, False):
                r.skip(k, top_reporting[k] or "not used")
            continue
        raise r.refuse(k, "unknown to srgan_cpp's translation of BasicSR options (see docs/training.md)")
    return out, warnings
