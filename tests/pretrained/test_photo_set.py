"""The photograph set's manifest, its fixed split and the offline parts of assembling it."""
from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from srgan_cpp.data import photo_set

VAL = ["plasma_eveningglow", "plasma_path", "mate_ladybird", "lomiri_kleiber", "skimage_astronaut"]


def test_shipped_manifest_is_valid_and_its_split_fixed():
    m = photo_set.load_manifest()
    assert photo_set.split_names(m, "val") == VAL  # the held-out split of the model cards
    train = photo_set.split_names(m, "train")
    assert len(train) == 27 and not set(train) & set(VAL)
    extra = photo_set.split_names(m, "extra")  # added later, in their own folder
    assert len(extra) == 13 and not set(extra) & (set(VAL) | set(train))
    assert all(n.startswith("lomiri16_") for n in extra)
    for img in m["images"]:
        assert img["licence"] in photo_set.LICENCES and img["author"]
        assert img["package"] in m["packages"]


def _mutated(change):
    m = copy.deepcopy(photo_set.load_manifest())
    change(m)
    return m


@pytest.mark.parametrize("change, match", [
    (lambda m: m["images"].append(dict(m["images"][0])), r"images\[45\]\.name: 'plasma_bythewater' appears twice"),
    (lambda m: m["images"][1].update(split="test"), r"images\[1\]\.split: must be one of train, extra, val"),
    (lambda m: m["prepare"]["max_side"].pop("extra"), r"images\[32\]\.split: 'extra' has no prepare\.max_side"),
    (lambda m: m["prepare"]["max_side"].pop("val"), r"prepare\.max_side: must map"),
    (lambda m: m["prepare"]["max_side"].update(test=5), r"prepare\.max_side: must map"),
    (lambda m: m["images"][2].update(licence="proprietary"), r"images\[2\]\.licence"),
    (lambda m: m["images"][3].update(sha256="abc"), r"images\[3\]\.sha256"),
    (lambda m: m["images"][4].update(path="x/Set14/baboon.png"), r"images\[4\]"),
    (lambda m: m["images"][5].update(name="butterfly"), r"evaluation benchmark"),
    (lambda m: m["images"][6].pop("author"), r"images\[6\]\.author: missing"),
    (lambda m: m["images"][7].update(package="nope"), r"images\[7\]\.package: 'nope' has no entry"),
    (lambda m: [i.update(split="train") for i in m["images"]], r"no image in split 'val'"),
    (lambda m: m["prepare"].update(val_crop=100), r"prepare\.val_crop"),
])
def test_bad_manifests_are_refused_naming_the_field(change, match):
    with pytest.raises(ValueError, match=match):
        photo_set.check_manifest(_mutated(change))


def test_the_extra_split_is_optional():
    def drop_extra(m):
        m["images"] = [i for i in m["images"] if i["split"] != "extra"]
        m["prepare"]["max_side"].pop("extra")
    m = photo_set.check_manifest(_mutated(drop_extra))
    assert photo_set.split_names(m, "extra") == [] and len(photo_set.split_names(m, "train")) == 27


def test_bad_manifest_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        photo_set.load_manifest(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        photo_set.load_manifest(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="split must be one of"):
        photo_set.split_names(photo_set.load_manifest(), "test")


def test_prepare_image_downscales_crops_and_is_deterministic():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (250, 403, 3), dtype=np.uint8)
    a = photo_set.prepare_image(img, max_side=200, multiple=12)
    assert a.shape == (120, 192, 3) and a.dtype == np.uint8  # 124 x 200, cropped to multiples of 12
    assert np.array_equal(a, photo_set.prepare_image(img, max_side=200, multiple=12))
    small = photo_set.prepare_image(img, max_side=1000, multiple=12)  # never upscaled
    assert small.shape == (240, 396, 3) and np.array_equal(small, img[5:245, 3:399])
    assert photo_set.prepare_image(img, max_side=200, multiple=12, crop=96).shape == (96, 96, 3)
    with pytest.raises(ValueError, match="crop 240 exceeds"):
        photo_set.prepare_image(img, max_side=200, multiple=12, crop=240)
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        photo_set.prepare_image(img[..., 0], max_side=200, multiple=12)


def _small_manifest():
    m = copy.deepcopy(photo_set.load_manifest())
    keep = {"skimage_chelsea": "train", "skimage_coffee": "val"}
    m["images"] = [dict(i, split=keep[i["name"]]) for i in m["images"] if i["name"] in keep]
    m["prepare"] = {"max_side": {"train": 240, "val": 240}, "val_crop": 96, "multiple": 12}
    return m


def test_assemble_writes_the_splits_and_resumes(tmp_path):
    m = _small_manifest()
    out = tmp_path / "set"
    first = photo_set.assemble(out, m, progress=False)
    assert sorted(first["prepared"]) == ["skimage_chelsea", "skimage_coffee"]
    from srgan_cpp.data import read_image

    assert read_image(out / "train" / "skimage_chelsea.png").shape == (156, 240, 3)
    assert read_image(out / "val" / "skimage_coffee.png").shape == (96, 96, 3)
    licences = json.loads((out / "licences.json").read_text())
    assert {e["name"]: e["licence"] for e in licences} == {"skimage_chelsea": "CC0-1.0", "skimage_coffee": "CC0-1.0"}
    again = photo_set.assemble(out, m, progress=False)
    assert again["prepared"] == [] and sorted(again["kept"]) == ["skimage_chelsea", "skimage_coffee"]
    (out / "val" / "skimage_coffee.png").write_bytes(b"damaged")  # a damaged file is prepared again
    assert photo_set.assemble(out, m, progress=False)["prepared"] == ["skimage_coffee"]


def test_assemble_refuses_an_original_with_another_sha256(tmp_path):
    m = _small_manifest()
    m["images"][0]["sha256"] = "0" * 64
    with pytest.raises(ValueError, match="image 'skimage_chelsea'.*has sha256"):
        photo_set.assemble(tmp_path / "set", m, progress=False)
    assert not (tmp_path / "set" / "train" / "skimage_chelsea.png").exists()


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")
def test_assemble_reads_debian_packages_through_the_fetcher(tmp_path):
    """A package built here stands in for `apt-get download` (no network in tests)."""
    from PIL import Image

    root = tmp_path / "pkg"
    pic = root / "usr/share/backgrounds/photo.jpg"
    pic.parent.mkdir(parents=True)
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (130, 170, 3), dtype=np.uint8)).save(pic, quality=95)
    (root / "usr/share/doc/fake-backgrounds").mkdir(parents=True)
    (root / "usr/share/doc/fake-backgrounds/copyright").write_text("License: CC0-1.0\n")
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN/control").write_text("Package: fake-backgrounds\nVersion: 1.0\nArchitecture: all\n"
                                         "Maintainer: t <t@t.invalid>\nDescription: test\n")
    deb = tmp_path / "fake-backgrounds_1.0_all.deb"
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(deb)], check=True, capture_output=True)
    asked = []

    def fetch(package, version, folder):
        asked.append((package, version))
        return deb

    m = _small_manifest()
    m["packages"]["fake-backgrounds"] = {"version": "1.0", "distribution": "test"}
    m["images"].append(dict(m["images"][0], name="fake_photo", source="debian", package="fake-backgrounds",
                            path="usr/share/backgrounds/photo.jpg", split="train",
                            sha256=hashlib.sha256(pic.read_bytes()).hexdigest()))
    out = tmp_path / "set"
    photo_set.assemble(out, m, fetch=fetch, progress=False)
    assert asked == [("fake-backgrounds", "1.0")]
    assert (out / "train" / "fake_photo.png").is_file()
    assert (out / "licences" / "fake-backgrounds.copyright").read_text() == "License: CC0-1.0\n"
    m["images"][-1]["path"] = "usr/share/backgrounds/other.jpg"
    with pytest.raises(RuntimeError, match="has no file 'usr/share/backgrounds/other.jpg'"):
        photo_set.assemble(tmp_path / "set2", m, fetch=fetch, progress=False)


def test_command_line_check(capsys):
    assert photo_set.main(["--check"]) == 0
    assert json.loads(capsys.readouterr().out)["val"] == VAL
    assert photo_set.main(["--manifest", os.devnull]) == 2
    assert "photo_set: error:" in capsys.readouterr().err
