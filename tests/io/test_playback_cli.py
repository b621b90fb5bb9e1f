"""``latentcomposer play`` / ``render`` / ``soundfont``: work where they can, one-line errors where not."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from latentcomposer.cli import main
from latentcomposer.core import Clip, Note
from latentcomposer.io.audio import read_wav
from latentcomposer.io.midifile import write_midi
from latentcomposer.io.playback import FluidSynthBackend, PlaybackUnavailable, default_soundfont
from latentcomposer.io.playback import fluid as fluid_mod


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATENTCOMPOSER_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def soundfont() -> str:
    sf = default_soundfont()
    if sf is None:
        pytest.skip("no General MIDI SoundFont installed")
    try:
        FluidSynthBackend(sf, audio=False).open()
    except PlaybackUnavailable as exc:
        pytest.skip(f"FluidSynth unavailable: {exc}")
    return sf


@pytest.fixture
def song(tmp_path: Path) -> Path:
    melody = Clip(notes=tuple(Note(i * 120, 60 + i, i * 120 + 100) for i in range(6)), tempo=480.0,
                  name="Melody", program=0)
    drums = Clip(notes=(Note(0, 36, 60), Note(240, 38, 300)), tempo=480.0, name="Drums", is_drum=True)
    return write_midi(tmp_path / "song.mid", [melody, drums])


def one_line_error(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err


def test_render_writes_a_wav(song: Path, tmp_path: Path, soundfont: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "song.wav"
    assert main(["render", str(song), "-o", str(out), "--sample-rate", "22050"]) == 0
    audio, rate = read_wav(out)
    assert rate == 22050 and audio.shape[1] == 2 and abs(audio).max() > 0.01
    assert "wrote" in capsys.readouterr().out
    assert main(["render", str(song)]) == 0  # default: next to the input
    assert song.with_suffix(".wav").is_file()


def test_render_errors_are_one_line(song: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(song), "-o", str(tmp_path / "a.wav"), "--soundfont",
                 str(tmp_path / "none.sf2")]) == 2
    err = capsys.readouterr().err
    one_line_error(err)
    assert "none.sf2 does not exist" in err
    assert main(["render", str(tmp_path / "missing.mid")]) == 2
    one_line_error(capsys.readouterr().err)
    assert main(["render", str(song), "--sample-rate", "1000"]) == 2
    assert "sample rate" in capsys.readouterr().err
    assert main(["render", str(song), "-o", str(song)]) == 2
    assert "overwrite" in capsys.readouterr().err


def test_play_without_an_audio_driver_says_so(song: Path, soundfont: str, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(fluid_mod, "audio_drivers", lambda: ("no-such-driver",))
    assert main(["play", str(song)]) == 2
    err = capsys.readouterr().err
    one_line_error(err)
    assert "no audio output" in err and "latentcomposer render" in err


def test_play_to_a_missing_port(song: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(mido, "get_output_names", lambda: ["Synth A 128:0"])
    assert main(["play", str(song), "--port", "Nope"]) == 2
    err = capsys.readouterr().err
    one_line_error(err)
    assert "no MIDI output port named 'Nope'" in err and "Synth A 128:0" in err


def test_list_ports(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(mido, "get_output_names", lambda: ["Synth A 128:0", "Keys 20:0"])
    assert main(["play", "--list-ports"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Synth A 128:0", "Keys 20:0"]
    monkeypatch.setattr(mido, "get_output_names", lambda: [])
    assert main(["play", "--list-ports"]) == 0
    assert "no MIDI output ports" in capsys.readouterr().out
    assert main(["play"]) == 2


def test_play_through_a_port_sends_everything(song: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[mido.Message] = []

    class Port:
        def send(self, msg: mido.Message) -> None:
            sent.append(msg)

        def close(self) -> None:
            pass

    monkeypatch.setattr(mido, "get_output_names", lambda: ["Synth A 128:0"])
    monkeypatch.setattr(mido, "open_output", lambda name, **kw: Port())
    assert main(["play", str(song), "--port", "synth a"]) == 0  # about 0.6 s of music
    ons = [(m.channel, m.note) for m in sent if m.type == "note_on"]
    assert sorted(ons) == sorted([(0, 60 + i) for i in range(6)] + [(9, 36), (9, 38)])
    offs = [(m.channel, m.note) for m in sent if m.type == "note_off"]
    assert sorted(offs) == sorted(ons)


def test_soundfont_command(soundfont: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["soundfont"]) == 0
    assert "(installed)" in capsys.readouterr().out
    copy = tmp_path / "mine.sf2"
    copy.write_bytes(Path(soundfont).read_bytes())
    assert main(["soundfont", str(copy)]) == 0
    assert main(["soundfont"]) == 0
    assert f"{copy.resolve()} (chosen)" in capsys.readouterr().out
    bad = tmp_path / "bad.sf2"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00sfbk" + b"\x00" * 100)
    assert main(["soundfont", str(bad)]) == 2
    assert "could not be loaded" in capsys.readouterr().err
    assert main(["soundfont", "--forget"]) == 0
    assert "(installed)" in capsys.readouterr().out
