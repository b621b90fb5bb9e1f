"""The app's player over an in-memory output with a fake clock."""

from __future__ import annotations

import time

import pytest

from latentcomposer.app.playback_service import (
    InMemoryBackend,
    NullBackend,
    PlaybackService,
    list_ports,
    metronome_clip,
    open_output,
)
from latentcomposer.core import DRUM_CHANNEL, Clip, Note, TimeSignature
from latentcomposer.core.examples import example_clip


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def rig() -> tuple[PlaybackService, InMemoryBackend, Clock]:
    clock = Clock()
    backend = InMemoryBackend(clock=clock)
    service = PlaybackService(backend, threaded=False, clock=clock)
    yield service, backend, clock
    service.close()


def ons(backend: InMemoryBackend) -> list[tuple[int, int]]:
    return [(ch, note) for _t, kind, ch, note in backend.notes() if kind == "on"]


def test_plays_the_clip_and_reports_position(rig) -> None:
    service, backend, clock = rig
    positions: list[int] = []
    service.on_position = positions.append
    service.set_clip(Clip((Note(0, 60, 480), Note(480, 62, 960)), tempo=120.0))
    service.play()
    service.sequencer.process(clock.t)
    clock.t += 0.6  # past the second note's start at 0.5 s
    service.sequencer.process(clock.t)
    assert [n for _c, n in ons(backend)] == [60, 62]
    assert positions and positions[-1] > 480
    service.pause()
    assert not service.is_playing


def test_metronome_adds_clicks(rig) -> None:
    service, backend, clock = rig
    service.set_clip(Clip((Note(0, 60, 1920),), tempo=120.0, length=1920))
    service.set_metronome(True)
    service.play()
    for _ in range(10):
        service.sequencer.process(clock.t)
        clock.t += 0.26
    drums = [n for ch, n in ons(backend) if ch == DRUM_CHANNEL]
    assert drums[:4] == [76, 77, 77, 77]


def test_metronome_clip_follows_the_metre() -> None:
    m = metronome_clip(Clip((Note(0, 60, 10),), time_signature=TimeSignature(6, 8), length=1440 * 2))
    assert m.is_drum and len(m.notes) == 12
    assert [n.pitch for n in m.notes[:7]] == [76, 77, 77, 77, 77, 77, 76]


def test_audition_sends_on_then_off() -> None:
    backend = InMemoryBackend()
    service = PlaybackService(backend)
    try:
        assert service.audition(64, 90, program=40, duration=0.05)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not any(k == "off" for _t, k, _c, _n in backend.notes()):
            time.sleep(0.01)
        kinds = [(k, n) for _t, k, _c, n in backend.notes()]
        assert kinds == [("on", 64), ("off", 64)]
        assert backend.messages[0].type == "program_change" and backend.messages[0].program == 40
        assert not service.audition(200)
    finally:
        service.close()


def test_outputs_never_raise() -> None:
    none = open_output("none")
    assert none.ok and isinstance(none.backend, NullBackend)
    for kind in ("fluidsynth", "midi", "bogus"):
        result = open_output(kind)
        assert result.ok or (result.problem and isinstance(result.backend, NullBackend))
        result.backend.close()
    ports, problem = list_ports()
    assert isinstance(ports, list) and (ports or problem is None or isinstance(problem, str))


def test_set_output_switches_backend(rig) -> None:
    service, _backend, _clock = rig
    result = service.set_output("none")
    assert result.ok and service.sequencer.backend is result.backend
    service.set_clip(example_clip("twinkle"))
    service.play()
    assert service.is_playing
    service.stop()


def test_audition_while_playing_uses_its_own_channel(rig) -> None:
    service, backend, clock = rig
    service.set_clip(Clip((Note(0, 60, 480), Note(480, 62, 960)), tempo=120.0))
    service.play()
    service.sequencer.process(clock.t)
    assert service.audition(72, 80, duration=0.01)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not any(k == "off" and n == 72 for _t, k, _c, n in backend.notes()):
        time.sleep(0.01)
    clock.t += 0.6
    service.sequencer.process(clock.t)
    notes = [(k, c, n) for _t, k, c, n in backend.notes()]
    audition = [(k, c) for k, c, n in notes if n == 72]
    assert [k for k, _c in audition] == ["on", "off"]
    assert {c for _k, c in audition} != {0}  # not on the clip's channel
    assert service.is_playing
    assert [n for _c, n in ons(backend) if n != 72] == [60, 62]  # the clip played on, in order
