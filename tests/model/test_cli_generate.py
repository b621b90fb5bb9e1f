"""The headless verbs end to end on real MIDI files, with a tiny random model."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest

from latentcomposer.cli import main
from latentcomposer.core.examples import example_clip
from latentcomposer.io.midifile import read_midi, write_midi
from tests.conftest import TEST_DATA


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("midi")
    out = {}
    for name in ("twinkle", "ode_to_joy", "mary"):
        out[name] = write_midi(d / f"{name}.mid", [example_clip(name, tempo=96.0)])
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_sample_to_file_and_dir(tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sample", "--model", str(tiny_model_dir), "-n", "3", "--seed", "1",
                       "--tempo", "100", "-o", str(tmp_path / "s.mid"))
    assert code == 0 and "wrote" in out
    mid = mido.MidiFile(tmp_path / "s.mid")
    assert sum(1 for m in mid.tracks[0] if m.type == "marker") == 3
    assert read_midi(tmp_path / "s.mid")[0].tempo == pytest.approx(100.0)
    code, _, _ = run(capsys, "sample", "--model", str(tiny_model_dir), "-n", "2", "-o", str(tmp_path / "dir"))
    assert code == 0 and len(list((tmp_path / "dir").glob("*.mid"))) == 2


def test_reconstruct_keeps_tempo_and_velocity(tiny_model_dir: Path, files: dict[str, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.mid"
    code, _, _ = run(capsys, "reconstruct", str(files["twinkle"]), "--model", str(tiny_model_dir), "-o", str(out))
    assert code == 0
    clip = read_midi(out)[0]
    assert clip.tempo == pytest.approx(96.0) and clip.n_bars <= 8
    assert all(n.velocity == 90 for n in clip.notes)  # the input's velocity
    code, _, _ = run(capsys, "reconstruct", str(files["twinkle"]), "--model", str(tiny_model_dir),
                     "--velocity", "55", "-o", str(out))
    assert code == 0 and all(n.velocity == 55 for n in read_midi(out)[0].notes)


def test_encode_decode_round_trip(tiny_model_dir: Path, files: dict[str, Path], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    z = tmp_path / "z.npy"
    code, _, _ = run(capsys, "encode", str(files["mary"]), "--model", str(tiny_model_dir), "-o", str(z))
    assert code == 0 and np.load(z).shape == (4, 8)  # 8 bars = 4 chunks of the 2-bar tiny model
    code, _, _ = run(capsys, "decode", str(z), "--model", str(tiny_model_dir), "-o", str(tmp_path / "d.mid"))
    assert code == 0
    code, _, _ = run(capsys, "reconstruct", str(files["mary"]), "--model", str(tiny_model_dir),
                     "-o", str(tmp_path / "r.mid"))
    # decoding the encoded means gives the reconstruction (same notes; tempo/velocity differ)
    key = [(n.start, n.pitch, n.end) for n in read_midi(tmp_path / "d.mid")[0].notes]
    assert key == [(n.start, n.pitch, n.end) for n in read_midi(tmp_path / "r.mid")[0].notes]


def test_interpolate_outputs(tiny_model_dir: Path, files: dict[str, Path], tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "interpolate", str(files["twinkle"]), str(files["ode_to_joy"]), "--steps", "4",
                     "--model", str(tiny_model_dir), "-o", str(tmp_path / "i.mid"), "--out-dir", str(tmp_path / "st"))
    assert code == 0
    markers = [m.text for m in mido.MidiFile(tmp_path / "i.mid").tracks[0] if m.type == "marker"]
    assert markers == [f"step {i}/4" for i in range(1, 5)]
    assert sorted(p.name for p in (tmp_path / "st").iterdir()) == [f"step_{i:02d}.mid" for i in range(1, 5)]


def test_attribute_shift(tiny_model_dir: Path, files: dict[str, Path], tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "attribute", str(files["twinkle"]), "--model", str(tiny_model_dir),
                     "--shift", "density=+1.5", "--shift", "range=-0.5", "-o", str(tmp_path / "a.mid"))
    assert code == 0 and read_midi(tmp_path / "a.mid")


@pytest.mark.parametrize("argv,needle", [
    (["reconstruct", "missing.mid"], "no such file"),
    (["reconstruct", str(TEST_DATA / "corrupt" / "text_file.mid")], "not a MIDI file"),
    (["reconstruct", str(TEST_DATA / "corrupt" / "no_notes.mid")], "no notes"),
    (["attribute", "{twinkle}", "--shift", "loudness=+1"], "unknown attribute"),
    (["attribute", "{twinkle}", "--shift", "density+1"], "bad --shift"),
    (["reconstruct", "{twinkle}", "--device", "cuda"], "CUDA"),
])
def test_errors_are_one_line(argv: list[str], needle: str, tiny_model_dir: Path, files: dict[str, Path],
                             tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if "cuda" in argv and torch.cuda.is_available():
        pytest.skip("a GPU is present")
    argv = [a.format(**{k: str(v) for k, v in files.items()}) for a in argv]
    code, _, err = run(capsys, *argv, "--model", str(tiny_model_dir), "-o", str(tmp_path / "x.mid"))
    assert code == 2
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_unknown_model_is_one_line(capsys: pytest.CaptureFixture[str], files: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = run(capsys, "reconstruct", str(files["mary"]), "--model", "nope", "-o", str(tmp_path / "x.mid"))
    assert code == 2 and "no model named 'nope'" in err


def test_models_lists_installed(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LATENTCOMPOSER_MODELS_DIR", str(tiny_model_dir.parent))
    code, out, _ = run(capsys, "models")
    assert code == 0 and "tiny_2bar" in out and "attributes" in out


def test_eval_on_midi_files_writes_the_figures(tiny_model_dir: Path, files: dict[str, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import json

    out_json = tmp_path / "eval.json"
    code, out, _ = run(capsys, "eval", "--model", str(tiny_model_dir), "--data", str(files["twinkle"]),
                       str(files["ode_to_joy"]), "--prior-samples", "4", "--json", str(out_json))
    assert code == 0 and "teacher-forced accuracy" in out and "prior samples (4 per temperature)" in out
    figures = json.loads(out_json.read_text())
    assert figures["windows"] >= 2
    for key in ("teacher_forced_accuracy", "sampled_accuracy"):
        assert 0.0 <= figures[key] <= 1.0
    assert figures["kl"] >= 0.0 and isinstance(figures["skipped"], dict)
    assert set(figures["prior"]["prior"]) == {"0.5", "1", "fitted 0.5", "fitted 1"}  # the model ships a fitted prior
    assert figures["prior"]["data"]["share silent"] == 0.0  # the tunes have notes in every window
    code, _, err = run(capsys, "eval", "--model", str(tiny_model_dir), "--data", str(tmp_path / "missing.mid"))
    assert code != 0 and "no such file or folder" in err and "Traceback" not in err


def test_decoding_choice_and_bad_beam(tiny_model_dir: Path, files: dict[str, Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from latentcomposer.model.engine import Engine

    z = tmp_path / "z.npy"
    assert run(capsys, "encode", str(files["ode_to_joy"]), "--model", str(tiny_model_dir), "-o", str(z))[0] == 0
    outs = {}
    for mode in ("greedy", "search"):
        out = tmp_path / f"{mode}.mid"
        code, _, _ = run(capsys, "decode", str(z), "--model", str(tiny_model_dir), "--decoding", mode,
                         "--beam", "4", "-o", str(out))
        assert code == 0
        outs[mode] = [(n.start, n.pitch) for n in read_midi(out)[0].notes]
    eng = Engine.load(tiny_model_dir, device="cpu", decoding="greedy")
    greedy = eng.decode(np.load(z), join=True)[0]
    assert outs["greedy"] == [(n.start, n.pitch) for n in greedy.notes]
    eng.set_decoding("search", 4)
    assert outs["search"] == [(n.start, n.pitch) for n in eng.decode(np.load(z), join=True)[0].notes]
    code, _, err = run(capsys, "decode", str(z), "--model", str(tiny_model_dir), "--beam", "0",
                       "-o", str(tmp_path / "x.mid"))
    assert code != 0 and "beam must be at least 1" in err and "Traceback" not in err
