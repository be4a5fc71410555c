"""The CLI's error rules (srgan_cpp.cli): every user error is one line on stderr naming the
flag, exit 2, no traceback; a failed run exits 1; an internal error says how to report it.

The property test walks every registered subcommand, so subcommands added later (train,
upscale, info...) are checked too; the case tables below add the semantic cases."""
from __future__ import annotations

import argparse
import os
from typing import List, Sequence

import pytest
import torch

from srgan_cpp import cli
from srgan_cpp.cli import (RunFailed, UsageError, check_input_dir, check_input_file, check_output_dir,
                           check_output_file, int_range, parse_device, seed_type)

CUDA_USABLE = torch.cuda.is_available()


def run_cli(argv: Sequence[str], capsys: pytest.CaptureFixture) -> "tuple[int, str, str]":
    """``cli.main(argv)`` in-process: (exit status, stdout, stderr); SystemExit counts as a status."""
    try:
        status = cli.main(list(argv))
    except SystemExit as e:  # argparse errors and --help exit as argparse does
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status: int, err: str, flag: str, argv: Sequence[str], want: int = 2) -> None:
    lines = err.strip().splitlines()
    assert status == want, f"{argv}: exit {status}, stderr {err!r}"
    assert len(lines) == 1, f"{argv}: expected one line on stderr, got {lines!r}"
    assert "Traceback" not in err, argv
    assert flag in lines[0], f"{argv}: {lines[0]!r} does not name {flag!r}"


# --------------------------------------------------------------------------------------
# the property: every subcommand, every value-checked flag
# --------------------------------------------------------------------------------------
def _subcommands() -> "dict[str, argparse.ArgumentParser]":
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _checked_flags(p: argparse.ArgumentParser) -> List[str]:
    """Options whose converter or choices refuse the value 'potato'."""
    flags = []
    for action in p._actions:
        if not action.option_strings or action.nargs == 0 or action.help == argparse.SUPPRESS:
            continue
        refuses = action.choices is not None and "potato" not in action.choices
        if action.type is not None and not refuses:
            try:
                action.type("potato")
            except (argparse.ArgumentTypeError, TypeError, ValueError):
                refuses = True
        if refuses:
            flags.append(max(action.option_strings, key=len))
    return flags


def test_the_cli_has_its_subcommands():
    assert {"demo", "eval"} <= set(_subcommands())


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_checked_flag_refuses_garbage_in_one_line(command, capsys):
    flags = _checked_flags(_subcommands()[command])
    if command in ("demo", "eval"):
        assert len(flags) >= 3  # the property really ran over something
    for flag in flags:
        for value in ("potato", "", "1e999"):
            action = next(a for a in _subcommands()[command]._actions if flag in a.option_strings)
            if action.type is not None:
                try:
                    action.type(value)
                    continue  # this converter accepts that value (e.g. a float flag and 1e999)
                except (argparse.ArgumentTypeError, TypeError, ValueError):
                    pass
            elif value in (action.choices or ()):
                continue
            argv = [command, f"{flag}={value}"]
            status, _, err = run_cli(argv, capsys)
            assert_one_line_error(status, err, flag, argv)


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_unknown_flag_and_help(command, capsys):
    argv = [command, "--no-such-flag-xyz"]
    status, _, err = run_cli(argv, capsys)
    # argparse names missing required arguments first, else the unknown one
    assert_one_line_error(status, err, "required" if "required" in err else "--no-such-flag-xyz", argv)
    status, out, _ = run_cli([command, "--help"], capsys)
    assert status == 0 and "usage:" in out


# --------------------------------------------------------------------------------------
# semantic cases: the handler refuses them before any long work
# --------------------------------------------------------------------------------------
def _read_only_dir(tmp_path) -> str:
    """A folder nothing can be created in: a chmod 555 one, or /proc for root (who ignores modes)."""
    if os.geteuid() == 0:
        return "/proc"
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o555)
    return str(d)


def _eval_cases(tmp_path) -> "list[tuple[list, str]]":
    folder = tmp_path / "Set"
    folder.mkdir(exist_ok=True)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    base = ["eval", str(folder), "--scale", "4"]
    cases = [
        (["eval", str(tmp_path / "missing"), "--scale", "4"], "DATASET"),
        (["eval", str(a_file), "--scale", "4"], "DATASET"),
        (base + ["--model", "srgan_cpp.models:MSRResNet", "--weights", str(tmp_path / "no.pth")], "--weights"),
        (base + ["--model", "srgan_cpp.models:MSRResNet", "--weights", str(junk)], "--weights"),
        (base + ["--model", "srgan_cpp.models:MSRResNet", "--weights", str(folder)], "--weights"),
        (base + ["--weights", str(junk)], "--weights"),
        (base + ["--model", str(tmp_path / "missing.ts")], "--model"),
        (base + ["--model", str(folder)], "--model"),
        (base + ["--model", "srgan_cpp.models:NoSuchModel"], "--model"),
        (base + ["--model", "no_such_module_xyz.sub:Model"], "--model"),
        (base + ["--model", "srgan_cpp.models:__all__"], "--model"),
        (base + ["--device", "potato"], "--device"),
        (base + ["--device", "meta"], "--device"),
        (base + ["--device", "cuda:x"], "--device"),
        (base + ["--json", str(tmp_path)], "--json"),
        (base + ["--json", str(a_file / "out.json")], "--json"),
        (base + ["--json", os.path.join(_read_only_dir(tmp_path), "out.json")], "--json"),
        (base + ["--save-dir", str(a_file)], "--save-dir"),
        (base + ["--name", "bicubic", "--model", "srgan_cpp.models:MSRResNet"], "--name"),
        (["eval", str(folder), "--scale", "0"], "--scale"),
        (["eval", str(folder), "--scale", "-4"], "--scale"),
        (["eval", str(folder), "--scale", str(2**64)], "--scale"),
        (base + ["--crop-border", "-1"], "--crop-border"),
    ]
    if not CUDA_USABLE:
        cases += [(base + ["--device", "cuda"], "--device"), (base + ["--device", "cuda:0"], "--device")]
    else:
        cases += [(base + ["--device", f"cuda:{torch.cuda.device_count()}"], "--device")]
    return cases


def _demo_cases(tmp_path) -> "list[tuple[list, str]]":
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    cases = [
        (["demo", "--out", str(a_file)], "--out"),
        (["demo", "--out", str(a_file / "sub")], "--out"),
        (["demo", "--out", os.path.join(_read_only_dir(tmp_path), "demo_out")], "--out"),
        (["demo", "--device", "potato"], "--device"),
        (["demo", "--seed", "-1"], "--seed"),
        (["demo", "--seed", str(2**64)], "--seed"),
        (["demo", "--seed", "1.5"], "--seed"),
        (["demo", "--steps", "0"], "--steps"),
        (["demo", "--seconds", "-1"], "--seconds"),
        (["demo", "--seconds", "nan"], "--seconds"),
        (["demo", "--scale", "1"], "--scale"),
        (["demo", "--holdout", "lena"], "--holdout"),
    ]
    if not CUDA_USABLE:
        cases.append((["demo", "--device", "cuda"], "--device"))
    return cases


@pytest.mark.parametrize("cases", [_eval_cases, _demo_cases], ids=["eval", "demo"])
def test_bad_flags_are_one_line_exit_2(cases, tmp_path, capsys):
    for argv, flag in cases(tmp_path):
        status, out, err = run_cli(argv, capsys)
        assert_one_line_error(status, err, flag, argv)
    assert not (tmp_path / "demo_out").exists() and not os.path.exists("demo_out")  # nothing ran


# --------------------------------------------------------------------------------------
# the error mapping itself, on a throw-away subcommand
# --------------------------------------------------------------------------------------
@pytest.fixture
def raising_subcommand(monkeypatch):
    """Registers ``srgan-cpp raise KIND`` for the duration of a test."""
    def handler(args):
        kind = args.kind
        if kind == "usage":
            raise UsageError("--thing", "must be a thing")
        if kind == "value":
            raise ValueError("some_function: `x` must be\npositive")  # two lines -> one
        if kind == "missing":
            raise FileNotFoundError("some_function: `path` 'x' does not exist")
        if kind == "failed":
            raise RunFailed("the model returned NaN for image 'Set5/baby'")
        if kind == "memory":
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB\nmore details")
        if kind == "disk":
            raise OSError(28, "No space left on device")
        if kind == "bug":
            raise KeyError("oops")
        if kind == "interrupt":
            raise KeyboardInterrupt
        return 7

    def add(sub):
        p = sub.add_parser("raise")
        p.add_argument("kind")
        p.set_defaults(func=handler)

    monkeypatch.setattr(cli, "_ADDERS", cli._ADDERS + [add])


@pytest.mark.parametrize("kind, status, words", [
    ("usage", 2, ["error: --thing: must be a thing"]),
    ("value", 2, ["error: some_function: `x` must be positive"]),
    ("missing", 2, ["error:", "does not exist"]),
    ("failed", 1, ["failed:", "Set5/baby"]),
    ("memory", 1, ["failed: out of memory", "Tried to allocate"]),
    ("disk", 1, ["failed:", "No space left"]),
    ("bug", 1, ["internal error: KeyError", "report", cli.DEBUG_ENV]),
    ("interrupt", 130, ["interrupted"]),
    ("none", 7, []),
])
def test_error_mapping(raising_subcommand, kind, status, words, capsys, monkeypatch):
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    got, _, err = run_cli(["raise", kind], capsys)
    assert got == status
    if words:
        assert len(err.strip().splitlines()) == 1 and err.startswith("srgan-cpp raise: ")
        for w in words:
            assert w in err
    assert "Traceback" not in err


def test_debug_env_shows_the_traceback(raising_subcommand, capsys, monkeypatch):
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    status, _, err = run_cli(["raise", "bug"], capsys)
    assert status == 1 and "Traceback" in err and err.strip().splitlines()[-1].startswith("srgan-cpp raise: internal")
    monkeypatch.setenv(cli.DEBUG_ENV, "0")
    assert "Traceback" not in run_cli(["raise", "bug"], capsys)[2]


# --------------------------------------------------------------------------------------
# the helpers
# --------------------------------------------------------------------------------------
def test_parse_device():
    assert parse_device("cpu") == torch.device("cpu")
    assert parse_device(None) == parse_device("auto")
    if not CUDA_USABLE:
        assert parse_device(None) == torch.device("cpu")
    for bad, words in [("potato", "not a device"), ("", "not a device"), ("CPU", "not a device"),
                       ("cuda:-1", "not a device"), ("meta", "not meta"), ("mps", "not mps")]:
        with pytest.raises(UsageError, match=words) as e:
            parse_device(bad, "--gpu")
        assert e.value.flag == "--gpu" and str(e.value).startswith("--gpu: ")
        assert isinstance(e.value, ValueError)
    if not CUDA_USABLE:
        with pytest.raises(UsageError, match="not usable"):
            parse_device("cuda")
        with pytest.raises(UsageError, match="not usable"):
            parse_device("cuda:0", require_kernels=False)


def test_bounded_integer_types():
    assert seed_type("0") == 0 and seed_type(str(2**63 - 1)) == 2**63 - 1
    for bad in ("-1", str(2**63), "1.0", "potato", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            seed_type(bad)
    t = int_range(2, 8, "a factor")
    assert t(" 4 ") == 4
    with pytest.raises(argparse.ArgumentTypeError, match="a factor in 2 .. 8"):
        t("9")
    with pytest.raises(argparse.ArgumentTypeError, match=">= 1"):
        int_range(1)("0")


def test_path_checks(tmp_path):
    f = tmp_path / "f.txt"
    f.write_text("x")
    d = tmp_path / "d"
    d.mkdir()
    assert check_input_file(str(f), "--in") == str(f)
    assert check_input_dir(str(d), "--in") == str(d)
    assert check_output_file(str(tmp_path / "new" / "deeper" / "o.json"), "--out")  # parents may be missing
    assert check_output_dir(str(tmp_path / "new" / "deeper"), "--out")
    assert not (tmp_path / "new").exists()  # the checks create nothing
    for fn, path, words in [(check_input_file, tmp_path / "none", "does not exist"), (check_input_file, d, "is a folder"),
                            (check_input_dir, tmp_path / "none", "does not exist"), (check_input_dir, f, "is a file"),
                            (check_output_file, d, "is a folder"), (check_output_file, f / "x.json", "is a file"),
                            (check_output_dir, f, "is a file"), (check_output_dir, f / "sub", "is a file")]:
        with pytest.raises(UsageError, match=words) as e:
            fn(str(path), "--flag")
        assert e.value.flag == "--flag"
    with pytest.raises(UsageError, match="not writable"):
        check_output_dir(os.path.join(_read_only_dir(tmp_path), "sub"), "--out")
