"""srgan_cpp.train configuration: typed checks with the key named, overrides, YAML/JSON
files, recipes (every shipped recipe loads; full ones need their data and VGG weights)."""
from __future__ import annotations

import json

import pytest

from srgan_cpp.train import ConfigError, load_config, recipes
from srgan_cpp.train.loading import apply_override
from train_helpers import micro_config


def _err(cfg, overrides=()):
    with pytest.raises(ConfigError) as e:
        load_config(cfg, overrides)
    return str(e.value)


def test_micro_config_parses_with_defaults():
    cfg = load_config(micro_config())
    assert [s.name for s in cfg.stages] == ["psnr", "gan"]
    gan = cfg.stages[1]
    assert gan.generator.type == "RRDBNet" and gan.discriminator.type == "UNetDiscriminatorSN"
    assert gan.data.patch_size == 32 and gan.optim_d.type == "adam"
    assert cfg.stages[0].discriminator is not None  # shared, but unused without an adversarial loss
    assert cfg.amp == "off" and cfg.checkpoint.keep_last == 3


@pytest.mark.parametrize("override, key", [
    ("stages.0.losses.pixl.type=l1", "stages[0].losses.pixl"),
    ("stages.0.iterations=abc", "stages[0].iterations"),
    ("stages.0.optim_g.lr=-1", "stages[0].optim_g.lr"),
    ("stages.0.optim_g.betas=[0.9]", "stages[0].optim_g.betas"),
    ("stages.0.ema=1.5", "stages[0].ema"),
    ("data.patch_size=30", "stages[0].data.patch_size"),
    ("data.train.hr=/nonexistent", "stages[0].data.train.hr"),
    ("data.train.exclude=[nosuchimage]", "stages[0].data.train.exclude[0]"),
    ("generator.num_feet=8", "stages[0].generator.num_feet"),
    ("generator.type=NoSuchNet", "stages[0].generator.type"),
    ("amp=fp16", "amp"),
    ("device=tpu", "device"),
    ("stages.0.init_g=previous", "stages[0].init_g"),
    ("stages.1.losses.perceptual.layers={conv9_9: 1}", "stages[1].losses.perceptual.layers.conv9_9"),
    ("stages.1.losses.perceptual.weights=null", "stages[1].losses.perceptual.weights"),
    ("stages.1.losses.perceptual.weights=/no/vgg.pth", "stages[1].losses.perceptual.weights"),
    ("stages.0.d_steps=2", "stages[0].d_steps"),
    ("interpolate=[{a: psnr, b: nope, alpha: [0.5]}]", "interpolate[0].b"),
    ("scheduler_typo=1", "scheduler_typo"),
    ("data.texture={keep_flat: 0.5}", "stages[0].data.texture.threshold"),
    ("data.texture={threshold: 4, tires: 3}", "stages[0].data.texture.tires"),
])
def test_bad_settings_name_the_key(override, key):
    cfg = micro_config()
    cfg["stages"][1]["losses"]["perceptual"] = {"layers": {"conv1_2": 1.0}, "weights": "random"}
    msg = _err(cfg, [override])
    assert msg.startswith(key + ":"), msg


@pytest.mark.parametrize("override, message", [
    ("stages.0.iterations=0", "stages[0].iterations: expected >= 1, got 0"),
    ("stages.0.optim_g.lr=0", "stages[0].optim_g.lr: expected > 0, got 0.0"),
    ("stages.0.clip_grad_g=-2", "stages[0].clip_grad_g: expected > 0, got -2.0"),
    ("stages.1.losses.adversarial.gp_weight=-1", "stages[1].losses.adversarial.gp_weight: expected >= 0, got -1.0"),
    ("data.num_workers=-1", "stages[0].data.num_workers: expected >= 0, got -1"),
    ("checkpoint.keep_last=0", "checkpoint.keep_last: expected >= 1, got 0"),
    ("data.texture={threshold: 0}", "stages[0].data.texture.threshold: expected > 0, got 0.0"),
    ("data.texture={threshold: 4, keep_flat: 1.5}", "stages[0].data.texture.keep_flat: expected a value in [0, 1], got 1.5"),
    ("data.texture={threshold: 4, tries: 101}", "stages[0].data.texture.tries: expected a value in [1, 100], got 101"),
    ("stages.0.clip_grad_g=x", "stages[0].clip_grad_g: expected a number, got a string 'x'"),
])
def test_limits_written_in_the_annotations(override, message):
    """A number field's limits live in its annotation (schema.Range) and name the key."""
    assert _err(micro_config(), [override]) == message


def test_range_annotations_describe_and_check():
    from typing import Annotated, Optional

    from srgan_cpp.train.schema import PositiveInt, Range, UnitFloat, describe_type, parse_value

    assert describe_type(PositiveInt) == "an integer >= 1"
    assert describe_type(Optional[UnitFloat]) == "a number in [0, 1] or null"
    assert parse_value(Optional[PositiveInt], None, "k") is None
    assert parse_value(UnitFloat, 1, "k") == 1.0
    assert parse_value(Annotated[float, Range(0, 2, open_low=True)], "2", "k") == 2.0
    for tp, bad, text in [(UnitFloat, 1.5, "k: expected a value in [0, 1], got 1.5"),
                          (Annotated[float, Range(0, 2, open_low=True)], 0, "k: expected a value in (0, 2], got 0.0")]:
        with pytest.raises(ConfigError) as e:
            parse_value(tp, bad, "k")
        assert str(e.value) == text


def test_adversarial_loss_needs_a_discriminator():
    cfg = micro_config()
    del cfg["discriminator"]
    assert _err(cfg).startswith("stages[1].losses.adversarial: needs a `discriminator`")


def test_missing_required_keys():
    cfg = micro_config()
    del cfg["stages"][0]["iterations"]
    assert _err(cfg).startswith("stages[0].iterations: missing required key")
    cfg = micro_config()
    del cfg["scale"]
    assert _err(cfg).startswith("scale: missing required key")
    assert _err({"name": "x", "scale": 2}).startswith("stages: missing required key")


def test_yaml_leniencies_and_strictness(tmp_path):
    p = tmp_path / "c.yml"
    import yaml

    text = yaml.safe_dump(micro_config()).replace("progress: 'off'", "progress: off")
    text += "amp: off\n"
    p.write_text(text)
    cfg = load_config(p, ["stages.0.optim_g.lr=1e-4"])  # YAML 1.1 reads 1e-4 as a string
    assert cfg.amp == "off" and cfg.log.progress == "off"
    assert cfg.stages[0].optim_g.lr == pytest.approx(1e-4)
    assert cfg.source == str(p) and cfg.source_text == text
    p.write_text("name: a\nname: b\n")
    assert "appears twice" in _err(p)
    p.write_text("name: [unclosed\n")
    assert "not valid YAML" in _err(p)
    with pytest.raises(FileNotFoundError):
        load_config(tmp_path / "missing.yml")


def test_json_config(tmp_path):
    p = tmp_path / "c.json"
    p.write_text(json.dumps(micro_config()))
    assert load_config(p).stages[1].losses.adversarial.type == "ragan"
    p.write_text("{bad json")
    assert "not valid JSON" in _err(p)


def test_overrides_by_index_name_and_brackets():
    data = micro_config()
    apply_override(data, "stages.gan.iterations=9")
    apply_override(data, "stages[0].ema=0.5")
    apply_override(data, "val.every=3")  # creates the missing mapping
    assert data["stages"][1]["iterations"] == 9 and data["stages"][0]["ema"] == 0.5 and data["val"] == {"every": 3}
    for bad, key in (("stages.9.iterations=1", "stages.9"), ("stages.nope.iterations=1", "stages.nope"),
                     ("noequals", "noequals")):
        with pytest.raises(ConfigError) as e:
            apply_override(micro_config(), bad)
        assert str(e.value).startswith(key), str(e.value)


def test_stage_overrides_merge_over_the_top_level():
    cfg = micro_config()
    cfg["stages"][1]["data"] = {"batch_size": 3}
    cfg["stages"][1]["generator"] = {"num_block": 2}
    cfg["stages"][1]["init_g"] = None
    c = load_config(cfg)
    assert c.stages[1].data.batch_size == 3 and c.stages[1].data.patch_size == 32
    assert c.stages[1].generator.kwargs["num_block"] == 2 and c.stages[0].generator.kwargs["num_block"] == 1
    cfg["stages"][1]["generator"] = {"type": "MSRResNet", "num_feat": 8, "num_block": 1}  # another type: replaced
    assert load_config(cfg).stages[1].generator.kwargs == {"num_feat": 8, "num_block": 1}


def test_resolved_config_round_trips():
    from srgan_cpp.train.loading import dump_yaml, parse_text

    cfg = load_config(micro_config())
    again = load_config(parse_text(dump_yaml(cfg)))
    assert again.to_raw() == cfg.to_raw()


def test_recipes_listed_and_tiny_ones_load():
    names = recipes.names()
    full = ["srcnn", "edsr", "srresnet", "srgan", "esrnet", "esrgan", "srvgg", "hetsrwgan", "psrgan"]
    assert set(full) <= set(names)
    for n in full:
        assert f"{n}_tiny" in names
        assert recipes.summary(n)
    for n in names:
        if n.endswith("_tiny"):
            cfg = load_config(f"recipe:{n}")
            assert cfg.val is not None and cfg.val.at_start
            assert all(s.data.train.type == "bundled" for s in cfg.stages)
    with pytest.raises(ValueError, match="no recipe 'nope'"):
        recipes.path("nope")


def test_full_recipes_need_their_data_and_vgg_weights(tmp_path):
    from srgan_cpp.losses import save_random_vgg

    vgg = tmp_path / "vgg19.pth"
    save_random_vgg(vgg)
    for n in ("srcnn", "edsr", "srresnet", "srgan", "esrnet", "esrgan", "srvgg", "hetsrwgan", "psrgan"):
        msg = _err(f"recipe:{n}")
        assert "does not exist" in msg or "VGG weights file is required" in msg, (n, msg)
        over = ["data.train={type: bundled}", "val.sets=[{type: bundled, include: [astronaut]}]"]
        raw = recipes.path(n)
        text = open(raw).read()
        if "perceptual" in text:
            stage = "esrgan" if n == "esrgan" else ("srgan" if n == "srgan" else "realesrgan")
            over.append(f"stages.{stage}.losses.perceptual.weights={vgg}")
        if n == "psrgan":
            over.append("stages.infrared.data.train={type: bundled, channels: 1}")
        cfg = load_config(f"recipe:{n}", over)
        assert cfg.stages[-1].iterations >= 100000, n  # the papers' lengths, not the tiny ones
