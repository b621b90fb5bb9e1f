"""Bad command lines (issue 31): every bad value exits with status 2 and a one-line error naming the
argument, never a traceback; special files neither block nor get replaced."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from latentcomposer.cli import main
from latentcomposer.core.examples import example_clip
from latentcomposer.io.midifile import write_midi

from .midi_gen import END, note, smf

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A hang guard, not a timing test: a regression that blocks on a FIFO fails instead of hanging."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def fail(*_args: object) -> None:
        raise TimeoutError("the command blocked")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(120)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refusing a value
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return code, err


def one_error_line(err: str, command: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines, "no message"
    last = lines[-1]
    assert last.startswith(f"latentcomposer {command}: error: "), err
    assert all(ln.startswith("usage:") or ln.startswith(" ") for ln in lines[:-1]), err  # argparse's usage
    return last


# --- argument values: refused by argparse before any model loads -------------------------------
BAD_VALUES = [
    ("sample", ["--tempo", v], "--tempo") for v in ("0", "-1", "nan", "1e9", "inf", "fast")
] + [
    ("sample", ["--seed", v], "--seed") for v in ("-1", str(2**40), "1.5")
] + [
    ("sample", ["--temperature", v], "--temperature") for v in ("-1", "nan", "inf", "1e300")
] + [
    ("sample", ["--beam", v], "--beam") for v in ("0", "100000")
] + [
    ("sample", ["-n", v], "-n") for v in ("0", "5000", "-3")
] + [
    ("sample", ["--velocity", v], "--velocity") for v in ("0", "128")
] + [
    ("decode", ["Z.npy", "--tempo", "0"], "--tempo"),
    ("interpolate", ["A.mid", "B.mid", "--steps", "1"], "--steps"),
    ("interpolate", ["A.mid", "B.mid", "--steps", "10000"], "--steps"),
    ("resample-bar", ["A.mid", "--bar", "0"], "--bar"),
    ("resample-bar", ["A.mid", "--bar", "2", "--amount", "nan"], "--amount"),
    ("resample-bar", ["A.mid", "--bar", "2", "--amount", "2"], "--amount"),
    ("reconstruct", ["A.mid", "--track", "-1"], "--track"),
    ("info", ["A.mid", "--first-bars", "0"], "--first-bars"),
]


@pytest.mark.parametrize("command, extra, arg", BAD_VALUES,
                         ids=[f"{c}{' '.join(e)}" for c, e, _ in BAD_VALUES])
def test_bad_argument_values(command: str, extra: list[str], arg: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [command, *extra]
    if command in ("sample", "decode", "interpolate", "resample-bar", "reconstruct"):
        argv += ["-o", "never-written.mid"]
    code, err = run(argv, capsys)
    assert code == 2
    assert f"argument {arg}" in one_error_line(err, command)
    assert not Path("never-written.mid").exists()


# --- files: special files, damaged files, output targets -------------------------------------
def test_info_on_hostile_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tempo0 = tmp_path / "tempo0.mid"
    tempo0.write_bytes(smf([b"\x00\xff\x51\x03\x00\x00\x00" + note() + END]))
    assert run(["info", str(tempo0)], capsys)[0] == 0  # was a ZeroDivisionError traceback
    long = tmp_path / "long.mid"
    long.write_bytes(smf([b"".join(note(length=0x0FFFFFFF) for _ in range(10)) + END]))
    code, err = run(["info", str(long)], capsys)
    assert code == 2 and "1,398,102 bars long" in one_error_line(err, "info")
    assert run(["info", str(long), "--first-bars", "4"], capsys)[0] == 0
    vlq = tmp_path / "vlq.mid"
    vlq.write_bytes(smf([b"\x00\x90\x3c\x40" + b"\xff" * 300_000 + b"\x7f\x80\x3c\x00" + END]))
    code, err = run(["info", str(vlq)], capsys)
    assert code == 2 and "delta time longer than 4 bytes" in one_error_line(err, "info")
    specials = ["/dev/zero"] if os.path.exists("/dev/zero") else []
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.mid")
        specials.append(str(tmp_path / "fifo.mid"))
    for path in specials:
        code, err = run(["info", path], capsys)
        assert code == 2 and "not a MIDI file" in one_error_line(err, "info")


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.helpers_models import make_tiny_model

    root = tmp_path_factory.mktemp("models")
    make_tiny_model(root / "tiny", "tiny_2bar")
    return root


@pytest.fixture
def with_model(tiny_models: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LATENTCOMPOSER_MODELS_DIR", str(tiny_models))
    return "tiny"


def _npy(path: Path, array: object) -> str:
    np.save(path, array, allow_pickle=True)
    return str(path)


def test_decode_refuses_bad_latent_files(with_model: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from latentcomposer.model.config import get_config

    z_dim = get_config("tiny_2bar").model.z_dim
    good = np.zeros((2, z_dim), np.float32)
    truncated = tmp_path / "cut.npy"
    truncated.write_bytes(Path(_npy(tmp_path / "full.npy", good)).read_bytes()[:-10])
    huge = tmp_path / "huge.npy"  # a header declaring 10**12 rows over a few bytes of data
    huge.write_bytes(Path(_npy(tmp_path / "h.npy", good)).read_bytes().replace(b"(2, ", b"(1000000000000, "))
    cases = {
        "empty": _npy(tmp_path / "empty.npy", np.zeros((0, z_dim), np.float32)),
        "text": _npy(tmp_path / "text.npy", np.array(["a", "b"])),
        "object": _npy(tmp_path / "object.npy", np.array([{"x": 1}], dtype=object)),
        "nan": _npy(tmp_path / "nan.npy", np.full((1, z_dim), np.nan, np.float32)),
        "huge values": _npy(tmp_path / "big.npy", np.full((1, z_dim), 1e30, np.float64)),
        "3-D": _npy(tmp_path / "3d.npy", np.zeros((1, 2, z_dim))),
        "wrong width": _npy(tmp_path / "wide.npy", np.zeros((1, z_dim + 1))),
        "too many chunks": _npy(tmp_path / "many.npy", np.zeros((100_000, z_dim), np.float32)),
        "truncated": str(truncated),
        "declared huge": str(huge),
        "not npy": str(Path(__file__)),
        "missing": str(tmp_path / "missing.npy"),
    }
    for what, path in cases.items():
        code, err = run(["decode", path, "--model", with_model, "-o", str(tmp_path / "out.mid")], capsys)
        assert code == 2, what
        assert path in one_error_line(err, "decode"), what
    assert not (tmp_path / "out.mid").exists()
    assert run(["decode", _npy(tmp_path / "ok.npy", good), "--model", with_model,
                "-o", str(tmp_path / "out.mid")], capsys)[0] == 0


def test_attribute_shift_amounts(with_model: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    melody = str(write_midi(tmp_path / "m.mid", [example_clip("twinkle")]))
    for shift in ("density=1e12", "density=nan", "density=1000000", "density"):
        code, err = run(["attribute", melody, "--model", with_model, "--shift", shift,
                         "-o", str(tmp_path / "o.mid")], capsys)
        assert code == 2 and "bad --shift" in one_error_line(err, "attribute"), shift


def test_outputs_refuse_devices_and_pipes(with_model: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    melody = str(write_midi(tmp_path / "m.mid", [example_clip("twinkle")]))
    targets = [str(tmp_path)]
    if os.path.exists("/dev/full"):
        targets.append("/dev/full")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.npy")
        targets.append(str(tmp_path / "pipe.npy"))
    for target in targets:
        mode = os.stat(target).st_mode
        for command in (["reconstruct", melody, "--model", with_model, "--decoding", "greedy"],
                        ["encode", melody, "--model", with_model]):
            code, err = run([*command, "-o", target], capsys)
            assert code == 2 and "is a" in one_error_line(err, command[0]), (target, command)
        assert os.stat(target).st_mode == mode  # still a device / folder / pipe


def test_models_lists_the_good_and_reports_the_bad(with_model: str, tiny_models: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    broken = tiny_models / "broken"
    broken.mkdir(exist_ok=True)
    (broken / "config.json").write_text('{"model": {"z_dim": "sixteen"}}')
    (broken / "model.safetensors").write_bytes(b"not weights")
    try:
        code = main(["models"])
        out, err = capsys.readouterr()
    finally:
        for p in broken.iterdir():
            p.unlink()
        broken.rmdir()
    assert code == 0 and "Traceback" not in err
    assert any(line.startswith("tiny ") for line in out.splitlines())
    assert "broken" in err and "cannot be used" in err
