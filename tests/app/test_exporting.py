"""MIDI export, drag files, WAV rendering (with a fake renderer, and the real one where available)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import latentcomposer.io.playback as pb
from latentcomposer.app import exporting
from latentcomposer.core.examples import example_clip
from latentcomposer.io.audio import read_wav
from latentcomposer.io.midifile import read_midi


def test_safe_filename() -> None:
    assert exporting.safe_filename("My tune: v2/3") == "My_tune_v23"
    assert exporting.safe_filename("///") == "clip"


def test_drag_file_and_midi_export(tmp_path: Path) -> None:
    clip = example_clip("mary")
    path = exporting.temp_midi_for_drag(clip, tmp_path / "drag")
    assert path.name == "Mary.mid" and read_midi(path)[0].notes == clip.notes
    both = exporting.export_midi(tmp_path / "both.mid", [clip, example_clip("twinkle")])
    assert [c.name for c in read_midi(both)] == ["Mary", "Twinkle"]


def fake_renderer(monkeypatch: pytest.MonkeyPatch, calls: list[float]) -> None:
    """Stands in for io.playback.render_to_wav: progress(done, total) in ten steps, then a file."""

    def render_to_wav(clips, path, soundfont=None, sample_rate=44100, progress=None):
        for k in range(1, 11):
            calls.append(k / 10)
            if progress:
                progress(k * 100, 1000)
        Path(path).write_bytes(b"RIFF" + bytes(40))
        return Path(path)

    monkeypatch.setattr(pb, "render_to_wav", render_to_wav)


def test_render_wav_with_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float] = []
    seen: list[float] = []
    fake_renderer(monkeypatch, calls)
    out = exporting.render_wav(tmp_path / "x.wav", [example_clip("mary")], progress=seen.append)
    assert out.read_bytes().startswith(b"RIFF") and seen == calls


def test_render_wav_cancel_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float] = []
    fake_renderer(monkeypatch, calls)
    with pytest.raises(exporting.ExportCancelled):
        exporting.render_wav(tmp_path / "x.wav", [example_clip("mary")], cancelled=lambda: len(calls) >= 3)
    assert not (tmp_path / "x.wav").exists() and len(calls) == 3


def test_real_renderer(tmp_path: Path) -> None:
    """Through FluidSynth where it and a SoundFont are installed; else a clear ExportError."""
    seen: list[float] = []
    try:
        out = exporting.render_wav(tmp_path / "x.wav", [example_clip("mary").slice_bars(0, 1)],
                                   progress=seen.append)
    except exporting.ExportError as exc:
        assert str(exc)
        return
    samples, rate = read_wav(out)
    assert rate == 44100 and samples.shape[1] == 2 and np.abs(samples).max() > 0.01
    assert seen and seen[-1] == 1.0


def test_real_renderer_cancel(tmp_path: Path) -> None:
    try:
        with pytest.raises(exporting.ExportCancelled):
            exporting.render_wav(tmp_path / "x.wav", [example_clip("mary")], cancelled=lambda: True)
    except exporting.ExportError:
        pytest.skip("no FluidSynth/SoundFont here")
    assert list(tmp_path.glob("*.wav")) == [] and [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")] == []
