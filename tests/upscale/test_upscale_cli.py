"""srgan-cpp upscale / info / eval --model CHECKPOINT: files and folders, exit codes, reports."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image

import srgan_cpp
from srgan_cpp.cli import main
from upscale_helpers import random_image


def _photo(path, h=20, w=24, mode="RGB", seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(random_image(h, w, seed=seed)).convert(mode).save(path)
    return path


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "photos"
    _photo(src / "a.png")
    _photo(src / "b.jpg", seed=1)
    _photo(src / "sub" / "c.png", mode="RGBA", seed=2)
    (src / "notes.txt").write_text("not an image")
    (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (src / "empty.jpg").write_bytes(b"")
    return src


def test_folder_with_bad_files_exit_1_and_the_rest_written(folder, tmp_path, checkpoint, capsys):
    out = tmp_path / "out"
    report = tmp_path / "r.json"
    code = main(["upscale", str(folder), "-o", str(out), "-m", checkpoint, "--recursive", "--json", str(report),
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.png" in err and "empty.jpg" in err and "0 bytes" in err
    assert "warning: skipped" in err and "notes.txt" in err
    assert (out / "a.png").exists() and (out / "b.jpg").exists() and (out / "sub" / "c.png").exists()
    with Image.open(out / "sub" / "c.png") as im:
        assert im.mode == "RGBA" and im.size == (48, 40)
    data = json.loads(report.read_text())
    assert (data["done"], data["failed"], data["skipped"]) == (3, 2, 0)
    assert {os.path.basename(e["input"]) for e in data["files"] if e["status"] == "failed"} == {"broken.png",
                                                                                               "empty.jpg"}
    assert all(e["tile"] and e["precision"] for e in data["files"] if e["status"] == "done")
    assert not list(out.rglob(".tmp-*"))


def test_existing_outputs_are_kept_unless_asked(tmp_path, checkpoint, capsys):
    src = _photo(tmp_path / "in" / "a.png")
    out = tmp_path / "out"
    assert main(["upscale", str(src), "-o", str(out), "-m", checkpoint, "-q"]) == 0
    first = (out / "a.png").read_bytes()
    (out / "a.png").write_bytes(b"user's file")
    assert main(["upscale", str(src), "-o", str(out), "-m", checkpoint, "-q"]) == 1
    assert "exists" in capsys.readouterr().err and (out / "a.png").read_bytes() == b"user's file"
    assert main(["upscale", str(src), "-o", str(out), "-m", checkpoint, "--skip-existing", "-q"]) == 0
    assert (out / "a.png").read_bytes() == b"user's file"
    assert main(["upscale", str(src), "-o", str(out), "-m", checkpoint, "--overwrite", "-q"]) == 0
    assert (out / "a.png").read_bytes() == first


def test_formats_sizes_and_single_file_output(tmp_path, checkpoint):
    src = _photo(tmp_path / "a.png", 20, 30)
    assert main(["upscale", str(src), "-o", str(tmp_path / "o"), "-m", checkpoint, "-f", "webp", "--quality", "80",
                 "--suffix", "_x", "-s", "3.5", "-q"]) == 0
    with Image.open(tmp_path / "o" / "a_x.webp") as im:
        assert im.size == (105, 70)
    assert main(["upscale", str(src), "-o", str(tmp_path / "exact.jpg"), "-m", checkpoint, "--size", "64x40",
                 "-q"]) == 0
    with Image.open(tmp_path / "exact.jpg") as im:
        assert im.size == (64, 40) and im.format == "JPEG"
    assert main(["upscale", str(src), "-o", str(tmp_path / "w"), "-m", checkpoint, "--width", "90", "-t", "16",
                 "--overlap", "4", "--tta", "flip", "--alpha", "bicubic", "--precision", "fp32", "--threads", "1",
                 "-q"]) == 0
    with Image.open(tmp_path / "w" / "a.png") as im:
        assert im.size == (90, 60)


def test_jpg_output_of_a_transparent_image_fails_for_that_file(tmp_path, checkpoint, capsys):
    src = _photo(tmp_path / "in" / "t.png", mode="RGBA")
    arr = np.array(Image.open(src))
    arr[:5, :, 3] = 0
    Image.fromarray(arr).save(src)
    assert main(["upscale", str(src), "-o", str(tmp_path / "o"), "-m", checkpoint, "-f", "jpg", "-q"]) == 1
    assert "JPEG cannot store the alpha" in capsys.readouterr().err
    assert main(["upscale", str(src), "-o", str(tmp_path / "o"), "-m", checkpoint, "-f", "jpg", "--alpha", "discard",
                 "-q"]) == 0


def _exit_code(argv):
    """main()'s status; argparse's own errors raise SystemExit(2)."""
    try:
        return main(argv)
    except SystemExit as e:
        return e.code


@pytest.mark.parametrize("argv,message", [
    (["-t", "big"], "--tile"),
    (["-t", "4"], "`tile` 4 must be larger than `overlap`"),
    (["--precision", "fp16", "--device", "cpu"], "use bf16"),
    (["--device", "tpu"], "--device"),
    (["-s", "0"], "--scale"),
    (["-s", "2", "--size", "10x10"], "not allowed with"),
    (["--size", "huge"], "--size"),
    (["--quality", "101"], "--quality"),
    (["--png-level", "10"], "--png-level"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, checkpoint, capsys, argv, message):
    src = _photo(tmp_path / "a.png")
    code = _exit_code(["upscale", str(src), "-o", str(tmp_path / "o"), "-m", checkpoint] + argv)
    err = capsys.readouterr().err
    assert code == 2 and message in err
    assert not (tmp_path / "o" / "a.png").exists()


def test_model_and_path_errors_exit_2(tmp_path, checkpoint, capsys):
    src = _photo(tmp_path / "a.png")
    assert main(["upscale", str(src), "-o", str(tmp_path / "o"), "-m", str(tmp_path / "none.pth")]) == 2
    assert "-m/--model" in capsys.readouterr().err
    assert main(["upscale", str(tmp_path / "nope.png"), "-o", str(tmp_path / "o"), "-m", checkpoint]) == 2
    assert "does not exist" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["upscale", str(src), "-o", str(blocker / "sub"), "-m", checkpoint]) == 2
    assert "-o/--output" in capsys.readouterr().err
    assert main(["upscale", str(src), "-o", str(tmp_path), "-m", checkpoint]) == 2  # would replace the input
    assert "replace the input" in capsys.readouterr().err
    _photo(tmp_path / "d" / "x.png")
    _photo(tmp_path / "d" / "x.jpg")
    assert main(["upscale", str(tmp_path / "d"), "-o", str(tmp_path / "o2"), "-m", checkpoint, "-f", "png"]) == 2
    assert "would both be written" in capsys.readouterr().err


def test_info(checkpoint, capsys):
    assert main(["info", checkpoint]) == 0
    out = capsys.readouterr().out
    assert "SRVGGNetCompact" in out and "x2" in out and "3 in, 3 out" in out and "bf16" in out
    assert main(["info", checkpoint, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["scale"] == 2 and d["parameters"] == sum(p.numel() for p in srgan_cpp.models.load(checkpoint).parameters())
    assert main(["info", checkpoint + ".missing"]) == 2


def test_eval_takes_a_checkpoint(tmp_path, checkpoint, capsys):
    bench = tmp_path / "Set"
    for i in range(2):
        _photo(bench / f"img{i}.png", 24, 24, seed=i)
    assert main(["eval", str(bench), "--scale", "2", "--model", checkpoint, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "tiny_x2" in out and "bicubic" in out
