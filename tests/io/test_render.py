"""Offline rendering through real FluidSynth with the installed GM SoundFont, and the WAV writer."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from latentcomposer.core import Clip, Note, TempoChange
from latentcomposer.io.audio import read_wav, write_wav
from latentcomposer.io.playback import (
    FluidSynthBackend,
    PlaybackUnavailable,
    build_schedule,
    default_soundfont,
    render,
    render_frames,
    render_to_wav,
)

SR = 44100


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATENTCOMPOSER_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture(scope="module")
def soundfont() -> str:
    sf = default_soundfont()
    if sf is None:
        pytest.skip("no General MIDI SoundFont installed (make setup installs timgm6mb-soundfont)")
    try:
        FluidSynthBackend(sf, audio=False).open()
    except PlaybackUnavailable as exc:
        pytest.skip(f"FluidSynth unavailable: {exc}")
    return sf


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def peak_hz(x: np.ndarray) -> float:
    n = 1 << 18
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=n))
    return float(np.fft.rfftfreq(n, 1 / SR)[int(spectrum.argmax())])


def test_a4_is_440_hz_during_the_note_and_silent_after_release(soundfont: str) -> None:
    clip = Clip(notes=(Note(0, 69, 480, 100),), tempo=120.0)  # 0.5 s
    audio = render([clip], soundfont)
    assert audio.dtype == np.float32 and audio.shape == (round(0.5 * SR) + 2 * SR, 2)
    mono = audio.mean(axis=1)
    during = mono[int(0.05 * SR):int(0.45 * SR)]
    assert rms(during) > 1e-3
    assert peak_hz(during) == pytest.approx(440.0, rel=0.02)
    after = mono[int(1.5 * SR):]  # 1 s after the release (reverb included)
    assert rms(after) < rms(during) * 1e-3
    before_release = mono[int(0.40 * SR):int(0.5 * SR)]
    assert rms(before_release) > 100 * rms(after)


def test_scale_onsets_land_within_5_ms_of_the_schedule(soundfont: str) -> None:
    # legato C-major scale at an awkward tempo and ppq so that ticks do not fall on whole samples
    ppq, bpm = 96, 97.0
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    clip = Clip(notes=tuple(Note(i * ppq, p, i * ppq + ppq - 4, 90) for i, p in enumerate(scale)),
                ppq=ppq, tempo=bpm)
    audio = render([clip], soundfont, effects=False).mean(axis=1)
    for i, pitch in enumerate(scale):
        # the same note rendered alone at time 0 is the template; find where it sits in the scale
        ref = render([Clip(notes=(Note(0, pitch, ppq - 4, 90),), ppq=ppq, tempo=bpm)], soundfont,
                     effects=False, tail_s=0.0).mean(axis=1)[: int(0.08 * SR)]
        scheduled = i * 60.0 / bpm
        lo = int((scheduled - 0.03) * SR) if i else 0
        window = audio[lo: int((scheduled + 0.03) * SR) + len(ref)]
        corr = np.correlate(window, ref, mode="valid")
        found = (lo + int(np.argmax(corr))) / SR
        assert abs(found - scheduled) <= 0.005, f"note {i} at {found:.4f} s, scheduled {scheduled:.4f} s"


def test_drums_render_on_channel_10(soundfont: str) -> None:
    snare = Note(0, 38, 240, 110)
    drums = Clip(notes=(snare,), is_drum=True, channel=3)  # a drum clip plays on MIDI channel 10 regardless
    assert build_schedule([drums]).channels == (9,)
    drum = render([drums], soundfont, effects=False).mean(axis=1)[: SR // 4]
    piano = render([Clip(notes=(snare,))], soundfont, effects=False).mean(axis=1)[: SR // 4]

    def hf_share(x: np.ndarray) -> float:  # a snare is noise: much energy above 2 kHz; a low piano D is not
        power = np.abs(np.fft.rfft(x)) ** 2
        return float(power[np.fft.rfftfreq(len(x), 1 / SR) > 2000].sum() / power.sum())

    assert rms(drum) > 1e-3
    assert hf_share(drum) > 5 * hf_share(piano)


def test_tempo_changes_and_tempo_override_set_the_length(soundfont: str) -> None:
    clip = Clip(notes=(Note(0, 60, 960),), tempo=120.0, tempo_changes=(TempoChange(480, 60.0),))
    assert render_frames([clip], SR, tail_s=0) == round(1.5 * SR)
    assert render_frames([clip], SR, tail_s=0, tempo=240.0) == round(0.75 * SR)
    assert len(render([clip], soundfont, tail_s=0.0, tempo=240.0)) == round(0.75 * SR)


def test_progress_and_sample_rate(soundfont: str) -> None:
    calls: list[tuple[int, int]] = []
    clip = Clip(notes=tuple(Note(i * 240, 60 + i % 12, i * 240 + 200) for i in range(40)))
    audio = render([clip], soundfont, sample_rate=22050, progress=lambda d, t: calls.append((d, t)))
    assert len(audio) == calls[-1][1] == calls[-1][0] == render_frames([clip], 22050)
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(calls) > 5


def test_render_raises_playback_unavailable_without_soundfont(tmp_path: Path) -> None:
    with pytest.raises(PlaybackUnavailable, match="does not exist"):
        render([Clip(notes=(Note(0, 60, 480),))], str(tmp_path / "missing.sf2"))


def test_write_wav_round_trip(tmp_path: Path) -> None:
    t = np.arange(SR // 10) / SR
    stereo = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 1.5 * np.ones_like(t)], axis=1).astype(np.float32)
    path = write_wav(tmp_path / "sub" / "a.wav", stereo, SR)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (2, 2, SR, len(t))
    back, rate = read_wav(path)
    assert rate == SR and back.shape == stereo.shape
    assert np.allclose(back[:, 0], stereo[:, 0], atol=1e-4)
    assert np.allclose(back[:, 1], 1.0, atol=1e-4)  # clipped, not wrapped
    mono = write_wav(tmp_path / "m.wav", np.zeros(10, np.float32), 8000)
    assert read_wav(mono)[0].shape == (10, 1)
    assert not list(tmp_path.rglob(".tmp-*"))


def test_render_to_wav_streams_the_same_audio(tmp_path: Path, soundfont: str) -> None:
    clip = Clip(notes=(Note(0, 64, 480), Note(480, 67, 960)))
    path = render_to_wav([clip], tmp_path / "out.wav", soundfont)
    back, rate = read_wav(path)
    ref = render([clip], soundfont)
    assert rate == SR and back.shape == ref.shape
    assert np.allclose(back, np.clip(ref, -1, 1), atol=2e-4)
