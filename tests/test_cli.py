from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from latentcomposer import __version__
from latentcomposer.cli import build_parser, main
from latentcomposer.io.midifile import read_midi

REPO = Path(__file__).resolve().parents[1]


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for verb in ("gui", "run", "demo", "info", "train", "eval", "sample", "reconstruct", "interpolate",
                 "attribute", "encode", "decode", "models"):
        assert verb in out


def test_every_subcommand_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():  # type: ignore[union-attr]
        assert p.format_help().startswith("usage:"), name


def test_run_without_display_runs_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("LATENTCOMPOSER_MODELS_DIR", str(tmp_path / "no-models"))
    assert main(["run", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("No display found")
    files = sorted(p.name for p in (tmp_path / "demo").glob("*.mid"))
    assert "twinkle.mid" in files
    assert read_midi(tmp_path / "demo" / "twinkle.mid")[0].n_bars == 8


def test_info_and_bad_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(REPO / "tests" / "data" / "midi" / "type0_running_status.mid")]) == 0
    assert "drums" in capsys.readouterr().out
    assert main(["info", str(REPO / "tests" / "data" / "corrupt" / "random_bytes.mid")]) == 2
    err = capsys.readouterr().err
    assert "not a MIDI file" in err and "Traceback" not in err


def test_console_script_entry_point_runs() -> None:
    exe = Path(sys.executable).parent / "latentcomposer"
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    res = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and __version__ in res.stdout


def test_demo_with_models_writes_melodies_beats_and_a_transfer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers_models import make_tiny_model

    root = tmp_path / "models"
    for name, config in (("mel_2bar", "tiny_2bar"), ("drums_2bar", "tiny_drums"), ("tvae_16bar", "tiny_tvae")):
        make_tiny_model(root / name, config)
    monkeypatch.setenv("LATENTCOMPOSER_MODELS_DIR", str(root))
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "skipping" not in out
    demo = tmp_path / "demo"
    beats = read_midi(demo / "beats.mid")[0]
    assert beats.is_drum and beats.n_bars == 4
    played, quantized = read_midi(demo / "rock_beat_humanized.mid")[0], read_midi(demo / "rock_beat.mid")[0]
    assert played.is_drum and len(played.notes) == len(quantized.notes)  # the hits are kept
    transfer = read_midi(demo / "mary_in_jingle_bells.mid")[0]
    assert not transfer.is_drum and transfer.n_bars == 8
