"""``latentcomposer drumify`` end to end on real MIDI files, with a tiny Drumify model and its drum model."""

from __future__ import annotations

from pathlib import Path

import pytest

from latentcomposer.cli import main
from latentcomposer.core import DRUM_CHANNEL
from latentcomposer.core.examples import example_clip, example_drums
from latentcomposer.io.midifile import read_midi, write_midi
from tests.helpers_drumify import make_tiny_drumify_root


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_drumify_root(tmp_path_factory.mktemp("drumify-cli"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.mark.parametrize("part", ["melody", "piano", "drums"])
def test_drumify_writes_a_drum_part_for_melody_piano_and_drums(root: Path, tmp_path: Path, part: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    if part == "melody":
        clips = [example_clip("ode_to_joy", tempo=96.0)]
    elif part == "piano":  # a melody and its chords on two tracks: followed merged
        mel = example_clip("twinkle", tempo=96.0)
        chords = mel.transpose(-12).copy(name="left hand")
        clips = [mel, chords]
    else:
        clips = [example_drums(4).copy(tempo=96.0)]
    src = write_midi(tmp_path / f"{part}.mid", clips)
    out = tmp_path / "out.mid"
    code, stdout, err = run(capsys, "drumify", str(src), "-o", str(out), "--model", str(root / "drumify_2bar"),
                            "--device", "cpu", "--seed", "3")
    assert code == 0, err
    assert "wrote" in stdout and "drum hits" in stdout
    got = read_midi(out)
    assert len(got) == 1 and got[0].is_drum and got[0].channel == DRUM_CHANNEL
    assert got[0].tempo == pytest.approx(96.0)
    longest = max(c.n_bars for c in clips)
    assert 0 < got[0].n_bars <= longest


def test_bars_temperature_and_seed(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_midi(tmp_path / "in.mid", [example_clip("ode_to_joy")])
    model = str(root / "drumify_2bar")
    outs = []
    for seed in ("1", "1", "2"):
        out = tmp_path / f"o{len(outs)}.mid"
        code, _, err = run(capsys, "drumify", str(src), "-o", str(out), "--model", model, "--bars", "2",
                           "--temperature", "1.5", "--seed", seed)
        assert code == 0, err
        outs.append(read_midi(out)[0])
    assert outs[0].notes == outs[1].notes
    assert all(n.start < 2 * outs[0].bar_ticks for o in outs for n in o.notes)


def test_missing_model_and_bad_file_are_one_line_errors(root: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    src = write_midi(tmp_path / "in.mid", [example_clip("twinkle")])
    code, _, err = run(capsys, "drumify", str(src), "-o", str(tmp_path / "o.mid"), "--model", "no_such_drumify")
    assert code == 2 and "no Drumify model named 'no_such_drumify'" in err and "Traceback" not in err
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not midi")
    code, _, err = run(capsys, "drumify", str(bad), "-o", str(tmp_path / "o.mid"), "--model", str(root / "drumify_2bar"))
    assert code == 2 and "Traceback" not in err and err.strip()
