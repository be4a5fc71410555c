"""The photograph set srgan_cpp's shipped models are trained and scored on.

``photo_set.json`` (beside this file) lists every image: where it comes from (a Debian
wallpaper package fetched with ``apt-get download``, or scikit-image's bundled data), its
author and licence (from the package's ``debian/copyright`` or scikit-image's docstrings),
the sha256 of the original file, and its split: ``train`` (what the models learn from),
``extra`` (more training photographs, added after the first models were trained: kept in
their own folder so ``train/`` stays exactly what those models saw; recipes that want both
list both folders) or ``val`` (the fixed held-out images of the model cards' numbers). No image comes from the
evaluation benchmarks (Set5, Set14, BSD100, Urban100, Manga109, DIV2K).

The images themselves are not in the repository: :func:`assemble` (or
``python -m srgan_cpp.data.photo_set --out datasets/photo_set``) fetches them, checks each
original's sha256 and writes the prepared PNGs into ``<out>/train``, ``<out>/extra`` and
``<out>/val``:

- downscaled with MATLAB bicubic (``srgan_cpp.data.imresize``, deterministic) so that the
  longer side is at most ``prepare.max_side`` (2560-pixel JPEG wallpapers lose most of their
  compression artefacts when halved, as DIV2K-style data needs clean ground truth);
- centre-cropped to a multiple of ``prepare.multiple`` (12: every scale 2, 3, 4 divides it);
- ``val`` images further centre-cropped to ``prepare.val_crop`` squared, so scoring is quick.

It is resumable: an image whose prepared file is already there with the recorded content
(``<out>/prepared.json``) is skipped; the packages' ``copyright`` files are copied to
``<out>/licences/`` next to the images.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence

import numpy as np

MANIFEST_PATH = pathlib.Path(__file__).resolve().parent / "photo_set.json"

SPLITS = ("train", "extra", "val")
#: Splits that must not be empty (``extra`` may be).
REQUIRED_SPLITS = ("train", "val")
SOURCES = ("debian", "skimage")
#: Licences an image may carry to be trained on and the weights shipped.
LICENCES = ("Public domain", "CC0-1.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "GPL-2+")
#: Names (lower case, without extension) of the images of the evaluation benchmarks, which
#: must never be in the set: Set5 and Set14 in full; BSD100 / Urban100 / Manga109 / DIV2K
#: use numbered or title names, refused by the prefixes below.
BENCHMARK_NAMES = frozenset({
    "baby", "bird", "butterfly", "head", "woman",
    "baboon", "barbara", "bridge", "coastguard", "comic", "face", "flowers", "foreman",
    "lenna", "man", "monarch", "pepper", "ppt3", "zebra",
})
BENCHMARK_PATH_MARKERS = ("set5", "set14", "bsd100", "bsds", "urban100", "manga109", "div2k")
_IMAGE_KEYS = ("name", "source", "package", "path", "author", "licence", "subject", "sha256", "split")

Fetcher = Callable[[str, str, pathlib.Path], pathlib.Path]


def _fail(where: str, what: str) -> None:
    raise ValueError(f"photo_set: {where}: {what}")


def check_manifest(manifest: Mapping[str, Any]) -> Dict[str, Any]:
    """Checks a manifest's structure and rules and returns it as a dict.

    Raises ValueError naming the field (``images[3].licence: ...``) when: a key is missing
    or of the wrong type; a name is repeated; a split, source or licence is not one of
    :data:`SPLITS`, :data:`SOURCES`, :data:`LICENCES`; a sha256 is not 64 hex digits; an
    image's package has no entry under ``packages``; a name or path is one of an evaluation
    benchmark's; ``train`` or ``val`` is empty.
    """
    if not isinstance(manifest, Mapping):
        _fail("manifest", f"must be a JSON object, got {type(manifest).__name__}")
    if manifest.get("format") != 1:
        _fail("format", f"must be 1, got {manifest.get('format')!r}")
    prep = manifest.get("prepare")
    if not isinstance(prep, Mapping):
        _fail("prepare", "missing (max_side, val_crop, multiple)")
    max_side = prep.get("max_side")
    if not isinstance(max_side, Mapping) or not set(REQUIRED_SPLITS) <= set(max_side) <= set(SPLITS) or not all(
            isinstance(v, int) and v > 0 for v in max_side.values()):
        _fail("prepare.max_side", f"must map {REQUIRED_SPLITS} (and {SPLITS[1]!r} if used) to positive integers, "
                                  f"got {max_side!r}")
    for key in ("val_crop", "multiple"):
        if not isinstance(prep.get(key), int) or prep[key] <= 0:
            _fail(f"prepare.{key}", f"must be a positive integer, got {prep.get(key)!r}")
    if prep["val_crop"] % prep["multiple"]:
        _fail("prepare.val_crop", f"{prep['val_crop']} is not a multiple of prepare.multiple ({prep['multiple']})")
    packages = manifest.get("packages")
    if not isinstance(packages, Mapping):
        _fail("packages", "missing (package name -> {version, distribution})")
    for pkg, info in packages.items():
        if not isinstance(info, Mapping) or not isinstance(info.get("version"), str):
            _fail(f"packages.{pkg}.version", "missing")
    images = manifest.get("images")
    if not isinstance(images, list) or not images:
        _fail("images", "must be a non-empty list")
    seen = set()
    for i, img in enumerate(images):
        where = f"images[{i}]"
        if not isinstance(img, Mapping):
            _fail(where, "must be an object")
        for key in _IMAGE_KEYS:
            if not isinstance(img.get(key), str) or not img[key]:
                _fail(f"{where}.{key}", "missing or not a non-empty string")
        name = img["name"]
        if name in seen:
            _fail(f"{where}.name", f"{name!r} appears twice")
        seen.add(name)
        if not all(c.isalnum() or c in "_-" for c in name):
            _fail(f"{where}.name", f"{name!r}: letters, digits, '_' and '-' only (it names the PNG file)")
        if img["split"] not in SPLITS:
            _fail(f"{where}.split", f"must be one of {', '.join(SPLITS)}, got {img['split']!r}")
        if img["split"] not in max_side:
            _fail(f"{where}.split", f"{img['split']!r} has no prepare.max_side")
        if img["source"] not in SOURCES:
            _fail(f"{where}.source", f"must be one of {', '.join(SOURCES)}, got {img['source']!r}")
        if img["licence"] not in LICENCES:
            _fail(f"{where}.licence", f"must be one of {', '.join(LICENCES)}, got {img['licence']!r}")
        sha = img["sha256"]
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            _fail(f"{where}.sha256", "must be 64 lower-case hex digits")
        if img["package"] not in packages:
            _fail(f"{where}.package", f"{img['package']!r} has no entry under packages")
        stem = pathlib.PurePosixPath(img["path"]).stem.lower()
        if stem in BENCHMARK_NAMES or name.lower() in BENCHMARK_NAMES:
            _fail(f"{where}", f"{name!r} / {img['path']!r} is an image of an evaluation benchmark (Set5/Set14)")
        if any(m in img["path"].lower() for m in BENCHMARK_PATH_MARKERS):
            _fail(f"{where}.path", f"{img['path']!r} lies in an evaluation benchmark's folder")
    for split in REQUIRED_SPLITS:
        if not any(img["split"] == split for img in images):
            _fail("images", f"no image in split {split!r}")
    return dict(manifest)


def load_manifest(path: Optional[os.PathLike] = None) -> Dict[str, Any]:
    """Reads and checks a manifest (default: the shipped ``photo_set.json``)."""
    path = pathlib.Path(path) if path is not None else MANIFEST_PATH
    try:
        with open(path, "r", encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"photo_set: manifest {str(path)!r} does not exist") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"photo_set: manifest {str(path)!r} is not valid JSON: {e}") from None
    return check_manifest(data)


def split_names(manifest: Mapping[str, Any], split: str) -> List[str]:
    """The names of the images in ``split`` (``train``, ``extra`` or ``val``), in manifest order."""
    if split not in SPLITS:
        raise ValueError(f"photo_set: split must be one of {', '.join(SPLITS)}, got {split!r}")
    return [img["name"] for img in manifest["images"] if img["split"] == split]


def prepare_image(img: np.ndarray, *, max_side: int, multiple: int, crop: Optional[int] = None) -> np.ndarray:
    """The prepared version of an original photograph.

    Args:
        img: ``(H, W, 3)`` uint8 RGB.
        max_side: the longer side after the MATLAB-bicubic downscale (no upscaling).
        multiple: height and width are centre-cropped down to multiples of it.
        crop: if given, a centre crop of ``crop`` x ``crop`` pixels at the end (the image
            must be at least that large after the downscale).

    Returns:
        ``(H', W', 3)`` uint8, a pure function of the input (same bytes on every machine).
    """
    from .resize import imresize

    if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"prepare_image: `img` must be (H, W, 3) uint8, got {getattr(img, 'shape', None)} "
                         f"{getattr(img, 'dtype', type(img).__name__)}")
    h, w = img.shape[:2]
    longer = max(h, w)
    if longer > max_side:
        nh, nw = (max_side * h) // longer, (max_side * w) // longer
        img = imresize(img, size=(nh, nw))
        h, w = nh, nw
    ch, cw = h - h % multiple, w - w % multiple
    if crop is not None:
        if crop > min(ch, cw):
            raise ValueError(f"prepare_image: crop {crop} exceeds the prepared image ({cw} x {ch})")
        ch = cw = crop
    top, left = (h - ch) // 2, (w - cw) // 2
    return np.ascontiguousarray(img[top:top + ch, left:left + cw])


def sha256_file(path: os.PathLike) -> str:
    """The sha256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def apt_download(package: str, version: str, folder: pathlib.Path) -> pathlib.Path:
    """Fetches ``package``'s ``.deb`` into ``folder`` with ``apt-get download`` (the pinned
    version first, else the candidate one: the images' sha256 decide) and returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    have = sorted(folder.glob(f"{package}_*.deb"))
    if have:
        return have[-1]
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"photo_set: apt-get is needed to fetch the Debian package {package!r} (not found)")
    errors = []
    for spec in (f"{package}={version}", package):
        proc = subprocess.run(["apt-get", "download", spec], cwd=folder, capture_output=True, text=True)
        if proc.returncode == 0:
            found = sorted(folder.glob(f"{package}_*.deb"))
            if found:
                return found[-1]
        errors.append(f"{spec}: {(proc.stderr or proc.stdout).strip().splitlines()[-1:] or ['failed']}")
    raise RuntimeError(f"photo_set: apt-get download failed for {package!r} ({'; '.join(errors)}); "
                       "run `apt-get update` first")


def _deb_members(deb: pathlib.Path, wanted: Iterable[str]) -> Dict[str, bytes]:
    """Reads the files ``wanted`` (paths without the leading ``./``) from a ``.deb``."""
    wanted = set(wanted)
    if shutil.which("dpkg-deb") is None:
        raise RuntimeError("photo_set: dpkg-deb is needed to unpack Debian packages (not found)")
    proc = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"photo_set: dpkg-deb could not read {str(deb)!r}: {proc.stderr.decode(errors='replace').strip()}")
    out: Dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(proc.stdout), mode="r:") as tar:
        for member in tar:
            name = member.name[2:] if member.name.startswith("./") else member.name
            if name in wanted and member.isfile():
                f = tar.extractfile(member)
                if f is not None:
                    out[name] = f.read()
    return out


def _skimage_file(rel: str) -> bytes:
    import skimage

    base = pathlib.Path(skimage.__file__).resolve().parent
    path = base.parent / rel
    if not path.is_file():
        raise FileNotFoundError(f"photo_set: scikit-image has no {rel!r} (installed: {skimage.__version__})")
    return path.read_bytes()


def _decode_rgb(data: bytes, name: str) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8)
    except Exception as e:  # a corrupt original is reported by name
        raise ValueError(f"photo_set: image {name!r} cannot be decoded: {e}") from None


def _write_png(path: pathlib.Path, img: np.ndarray) -> None:
    from .files import write_image

    write_image(path, img)


def _write_json(path: pathlib.Path, data: Any) -> None:
    from .._atomic import atomic_write

    with atomic_write(path) as f:
        f.write((json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def assemble(out_dir: os.PathLike, manifest: Optional[Mapping[str, Any]] = None, *,
             fetch: Optional[Fetcher] = None, splits: Sequence[str] = SPLITS,
             progress: bool = True) -> Dict[str, Any]:
    """Fetches, checks and prepares the images of ``splits`` into ``out_dir/<split>/<name>.png``.

    Args:
        out_dir: the cache folder (created).
        manifest: a checked manifest (default: the shipped one).
        fetch: ``fetch(package, version, folder) -> .deb path`` (default :func:`apt_download`).
        splits: which splits to prepare.
        progress: a tqdm bar on stderr.

    Returns:
        ``{"prepared": [names written now], "kept": [names already there], "out_dir": str}``.

    Raises RuntimeError / ValueError naming the image when an original is missing from its
    package or its sha256 differs from the manifest's; nothing already prepared is lost.
    """
    manifest = check_manifest(manifest if manifest is not None else load_manifest())
    fetch = fetch or apt_download
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    record_path = out / "prepared.json"
    record: Dict[str, str] = {}
    if record_path.is_file():
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            record = {}
    prep = manifest["prepare"]
    todo = []
    kept = []
    for img in manifest["images"]:
        if img["split"] not in splits:
            continue
        target = out / img["split"] / f"{img['name']}.png"
        key = f"{img['split']}/{img['name']}:{img['sha256']}"
        if target.is_file() and record.get(key) == sha256_file(target):
            kept.append(img["name"])
        else:
            todo.append((img, target, key))
    originals: Dict[str, bytes] = {}
    by_package: Dict[str, List[str]] = {}
    for img, _, _ in todo:
        if img["source"] == "debian":
            by_package.setdefault(img["package"], []).append(img["path"])
    for package, paths in by_package.items():
        deb = fetch(package, manifest["packages"][package]["version"], out / "debs")
        copyright_path = f"usr/share/doc/{package}/copyright"
        members = _deb_members(deb, list(paths) + [copyright_path])
        if copyright_path in members:
            (out / "licences").mkdir(exist_ok=True)
            (out / "licences" / f"{package}.copyright").write_bytes(members[copyright_path])
        for p in paths:
            if p not in members:
                raise RuntimeError(f"photo_set: {package} ({deb.name}) has no file {p!r}")
            originals[f"{package}:{p}"] = members[p]
    try:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), desc="photo_set", unit="img", disable=not progress, file=sys.stderr)
    except ImportError:  # tqdm is a dependency; this only keeps the function usable without it
        bar = None
    prepared = []
    for img, target, key in todo:
        data = originals.get(f"{img['package']}:{img['path']}") if img["source"] == "debian" else _skimage_file(img["path"])
        digest = hashlib.sha256(data).hexdigest()
        if digest != img["sha256"]:
            raise ValueError(f"photo_set: image {img['name']!r} ({img['package']}: {img['path']}) has sha256 "
                             f"{digest}, the manifest says {img['sha256']}")
        rgb = _decode_rgb(data, img["name"])
        split = img["split"]
        result = prepare_image(rgb, max_side=prep["max_side"][split], multiple=prep["multiple"],
                               crop=prep["val_crop"] if split == "val" else None)
        _write_png(target, result)
        record[key] = sha256_file(target)
        _write_json(record_path, record)  # after every image: an interrupted run resumes here
        prepared.append(img["name"])
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    licence_table = [{k: img[k] for k in ("name", "split", "package", "author", "licence", "licence_note")
                      if k in img} for img in manifest["images"] if img["split"] in splits]
    _write_json(out / "licences.json", licence_table)
    return {"prepared": prepared, "kept": kept, "out_dir": str(out)}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m srgan_cpp.data.photo_set",
                                     description="Fetch and prepare the photographs srgan_cpp's shipped models are trained on.")
    parser.add_argument("--out", default="datasets/photo_set", help="cache folder (default: datasets/photo_set)")
    parser.add_argument("--manifest", default=None, help="manifest JSON (default: the shipped photo_set.json)")
    parser.add_argument("--split", choices=SPLITS, action="append", help="only this split (repeatable)")
    parser.add_argument("--check", action="store_true", help="only check the manifest and print the splits")
    args = parser.parse_args(argv)
    try:
        manifest = load_manifest(args.manifest)
        if args.check:
            print(json.dumps({s: split_names(manifest, s) for s in SPLITS}, indent=1))
            return 0
        result = assemble(args.out, manifest, splits=tuple(args.split or SPLITS))
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        print(f"photo_set: error: {e}".replace("photo_set: error: photo_set: ", "photo_set: error: "), file=sys.stderr)
        return 2
    print(f"photo_set: {len(result['prepared'])} prepared, {len(result['kept'])} already there, in {result['out_dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
