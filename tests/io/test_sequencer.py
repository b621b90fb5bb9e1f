"""The sequencer against the in-memory backend with a fake clock: deterministic, no wall-time asserts."""

from __future__ import annotations

import random
import threading
from collections import Counter
from pathlib import Path

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcomposer.core import Clip, Note, TempoChange
from latentcomposer.io.playback import (
    InMemoryBackend,
    OutputBackend,
    PlaybackUnavailable,
    Sequencer,
    TempoMap,
    build_schedule,
)

PPQ = 480
SEC_PER_TICK = 60.0 / (120.0 * PPQ)  # at 120 bpm


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATENTCOMPOSER_CONFIG_DIR", str(tmp_path / "config"))


class FakeClock:
    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make(clips: list[Clip], **kw: object) -> tuple[Sequencer, InMemoryBackend, FakeClock]:
    clock = FakeClock()
    backend = InMemoryBackend(clock=clock)
    seq = Sequencer(backend, clock=clock, threaded=False, lookahead_s=0.0, **kw)  # type: ignore[arg-type]
    seq.set_clips(clips)
    return seq, backend, clock


def run_until(seq: Sequencer, clock: FakeClock, until: float, jitter: float = 0.0,
              rng: random.Random | None = None) -> None:
    """Event-driven: jump the clock to each wake-up time (plus optional random lateness)."""
    while True:
        wake = seq.process()
        if wake is None or wake > until:
            clock.t = until
            seq.process()
            return
        late = rng.uniform(0.0, jitter) if rng else 0.0
        clock.t = max(clock.t, min(wake + late, until))


def melody() -> Clip:
    # quarter notes C D E F at 120 bpm: one every 0.5 s, each 0.25 s long except the last (0.5 s)
    notes = [Note(0, 60, 240), Note(480, 62, 720), Note(960, 64, 1200), Note(1440, 65, 1920)]
    return Clip(notes=tuple(notes), ppq=PPQ, tempo=120.0, program=5)


def note_events(backend: InMemoryBackend, t0: float) -> list[tuple[float, str, int, int]]:
    return [(round(t - t0, 9), kind, ch, n) for t, kind, ch, n in backend.notes()]


def assert_no_hanging(backend: InMemoryBackend) -> None:
    ons: Counter[tuple[int, int]] = Counter()
    for _, kind, ch, n in backend.notes():
        ons[(ch, n)] += 1 if kind == "on" else -1
        assert ons[(ch, n)] >= 0 or kind == "off"
    assert all(v <= 0 for v in ons.values()), f"hanging notes: {+ons}"


def test_every_note_in_order_at_the_right_time() -> None:
    seq, backend, clock = make([melody()])
    t0 = clock.t
    seq.play()
    assert backend.messages[0].type == "program_change" and backend.messages[0].program == 5
    run_until(seq, clock, t0 + 3.0)
    assert note_events(backend, t0) == [
        (0.0, "on", 0, 60), (0.25, "off", 0, 60), (0.5, "on", 0, 62), (0.75, "off", 0, 62),
        (1.0, "on", 0, 64), (1.25, "off", 0, 64), (1.5, "on", 0, 65), (2.0, "off", 0, 65),
    ]
    assert not seq.is_playing and seq.state == "stopped"  # the song ended by itself
    assert_no_hanging(backend)


def test_channels_programs_and_drums_on_channel_10() -> None:
    bass = Clip(notes=(Note(0, 40, 480),), program=33, channel=9)  # asks for 9 but is not a drum clip
    drums = Clip(notes=(Note(0, 36, 120), Note(240, 38, 360)), is_drum=True, channel=2)
    lead = Clip(notes=(Note(0, 72, 480),), program=80, channel=4)
    seq, backend, clock = make([lead, bass, drums])
    seq.play()
    run_until(seq, clock, clock.t + 2)
    progs = {m.channel: m.program for m in backend.messages if m.type == "program_change"}
    assert progs[4] == 80 and progs[9] == 0 and 33 in progs.values()
    by_note = {m.note: m.channel for m in backend.messages if m.type == "note_on"}
    assert by_note[36] == 9 and by_note[38] == 9  # drums: MIDI channel 10
    assert by_note[72] == 4 and by_note[40] not in (4, 9)


def test_tempo_map_of_the_clip_is_followed() -> None:
    clip = Clip(notes=(Note(0, 60, 480), Note(960, 62, 1440)), tempo=120.0,
                tempo_changes=(TempoChange(480, 60.0),))
    seq, backend, clock = make([clip])
    t0 = clock.t
    seq.play()
    run_until(seq, clock, t0 + 5)
    # 0..480 at 120 bpm (0.5 s), then 60 bpm: tick 960 at 1.5 s, tick 1440 at 2.5 s
    assert note_events(backend, t0) == [(0.0, "on", 0, 60), (0.5, "off", 0, 60),
                                        (1.5, "on", 0, 62), (2.5, "off", 0, 62)]


def test_loop_repeats_exactly_for_five_minutes_without_drift() -> None:
    # one bar (2.0 s at 120 bpm) of two notes; loop it for 5 minutes with a sloppy scheduler thread
    clip = Clip(notes=(Note(0, 60, 480), Note(960, 67, 1680)), length=4 * PPQ)
    seq, backend, clock = make([clip])
    seq.set_loop(0, 4 * PPQ)
    t0 = clock.t
    seq.play()
    run_until(seq, clock, t0 + 300.0, jitter=0.002, rng=random.Random(1))
    events = note_events(backend, t0)
    assert seq.loop_count >= 149
    ideal = [(0.0, "on", 0, 60), (0.5, "off", 0, 60), (1.0, "on", 0, 67), (1.75, "off", 0, 67)]
    assert len(events) >= 4 * 150
    for k in range(150):
        for (t, kind, ch, n), (it, ikind, ich, i_n) in zip(events[4 * k:4 * k + 4], ideal, strict=True):
            assert (kind, ch, n) == (ikind, ich, i_n)
            # each event is late by at most the thread's lateness, never more: errors do not add up
            assert 0.0 <= t - (it + 2.0 * k) <= 0.002 + 1e-9
    seq.stop()
    assert_no_hanging(backend)


def test_loop_without_lateness_is_sample_exact() -> None:
    clip = Clip(notes=(Note(0, 60, 480), Note(960, 67, 1920)), length=4 * PPQ)
    seq, backend, clock = make([clip])
    seq.set_loop(0, 4 * PPQ)
    t0 = clock.t
    seq.play()
    run_until(seq, clock, t0 + 20.0)
    times = [t for t, *_ in note_events(backend, t0)]
    # the note ending exactly at the loop end is released at the wrap, then the loop restarts
    assert times[:8] == [0.0, 0.5, 1.0, 2.0, 2.0, 2.5, 3.0, 4.0]
    assert all(abs(t - round(t * 2) / 2) < 1e-9 for t in times)


def test_stop_mid_note_sends_note_off_and_all_notes_off() -> None:
    seq, backend, clock = make([melody()])
    t0 = clock.t
    seq.play()
    run_until(seq, clock, t0 + 1.1)  # E (64) is sounding
    backend.clear()
    seq.stop()
    msgs = backend.messages
    assert msgs[0].type == "note_off" and msgs[0].note == 64
    ccs = [(m.channel, m.control, m.value) for m in msgs if m.type == "control_change"]
    assert (0, 123, 0) in ccs and (0, 64, 0) in ccs
    assert seq.position_tick == 0 and not seq.is_playing
    run_until(seq, clock, t0 + 5)
    assert not [m for m in backend.messages if m.type == "note_on"]  # nothing after stop


def test_pause_releases_and_resume_continues_from_the_same_tick() -> None:
    seq, backend, clock = make([melody()])
    t0 = clock.t
    seq.play()
    run_until(seq, clock, t0 + 0.6)  # D (62) sounding, tick 576
    seq.pause()
    assert seq.state == "paused" and seq.position_tick == 576
    assert backend.notes()[-1][1:] == ("off", 0, 62)
    clock.t += 10.0  # nothing happens while paused
    assert seq.process() is None
    n_before = len(backend.notes())
    resume = clock.t
    seq.play()
    run_until(seq, clock, resume + 5)
    rest = [(round(t - resume, 9), k, c, n) for t, k, c, n in backend.notes()[n_before:]]
    # D is not restarted; its note-off is not sent twice; E starts (960 - 576) ticks later = 0.4 s
    assert rest == [(0.4, "on", 0, 64), (0.65, "off", 0, 64), (0.9, "on", 0, 65), (1.4, "off", 0, 65)]


def test_tempo_change_rescales_the_remaining_schedule() -> None:
    seq, backend, clock = make([melody()])
    t0 = clock.t
    seq.play()
    run_until(seq, clock, t0 + 1.1)  # tick 1056
    seq.set_tempo(240.0)  # twice as fast from here
    assert seq.tempo == 240.0
    run_until(seq, clock, t0 + 5)
    events = note_events(backend, t0)
    after = [e for e in events if e[0] > 1.1]
    # remaining: off 64 at tick 1200, on 65 at 1440, off 65 at 1920; 1 tick = 1/1920 s now
    assert after == [(round(1.1 + 144 / 1920, 9), "off", 0, 64), (round(1.1 + 384 / 1920, 9), "on", 0, 65),
                     (round(1.1 + 864 / 1920, 9), "off", 0, 65)]
    seq.set_tempo(None)
    assert seq.tempo == 120.0


def test_seek_while_playing_releases_and_continues_there() -> None:
    seq, backend, clock = make([melody()])
    t0 = clock.t
    seq.play()
    run_until(seq, clock, t0 + 0.1)
    seq.seek(1440)
    run_until(seq, clock, t0 + 3)
    events = note_events(backend, t0)
    assert events == [(0.0, "on", 0, 60), (0.1, "off", 0, 60), (0.1, "on", 0, 65), (0.6, "off", 0, 65)]


def test_position_callback_at_least_30_hz_and_correct() -> None:
    seq, backend, clock = make([melody()], position_hz=30.0)
    reports: list[tuple[float, int]] = []
    seq.on_position = lambda tick: reports.append((clock.t, tick))
    t0 = clock.t
    seq.play()
    run_until(seq, clock, t0 + 1.9)
    times = [t for t, _ in reports]
    assert len(reports) >= 30 * 1.9
    assert max(b - a for a, b in zip(times, times[1:], strict=False)) <= 1 / 30 + 1e-9
    for t, tick in reports:
        assert tick == int((t - t0) / SEC_PER_TICK + 1e-6)
    assert [tick for _, tick in reports] == sorted(tick for _, tick in reports)


def test_end_of_song_reports_finished_and_rewinds() -> None:
    seq, backend, clock = make([melody()])
    finished: list[bool] = []
    positions: list[int] = []
    seq.on_finished = lambda: finished.append(True)
    seq.on_position = positions.append
    seq.play()
    run_until(seq, clock, clock.t + 3)
    assert finished == [True] and positions[-1] == 0 and seq.position_tick == 0
    assert_no_hanging(backend)
    seq.play()  # plays again from the start
    assert seq.is_playing


def test_loop_set_behind_the_playhead_does_not_jump_back() -> None:
    seq, backend, clock = make([melody()])
    t0 = clock.t
    seq.play()
    run_until(seq, clock, t0 + 1.1)
    seq.set_loop(0, 480)
    run_until(seq, clock, t0 + 3)
    assert [n for _, k, _, n in backend.notes() if k == "on"] == [60, 62, 64, 65]
    with pytest.raises(ValueError):
        seq.set_loop(480, 480)
    with pytest.raises(ValueError):
        seq.set_loop(0, None)


def test_set_clips_while_playing_swaps_the_music() -> None:
    seq, backend, clock = make([melody()])
    t0 = clock.t
    seq.play()
    run_until(seq, clock, t0 + 0.6)
    seq.set_clips([Clip(notes=(Note(960, 79, 1200),), program=40)])
    run_until(seq, clock, t0 + 3)
    events = note_events(backend, t0)
    assert (0.6, "off", 0, 62) in events and (1.0, "on", 0, 79) in events
    assert not any(n in (64, 65) for *_, n in events)
    assert any(m.type == "program_change" and m.program == 40 for m in backend.messages)


def test_set_backend_while_playing_moves_playback() -> None:
    seq, first, clock = make([melody()])
    second = InMemoryBackend(clock=clock)
    t0 = clock.t
    seq.play()
    run_until(seq, clock, t0 + 0.6)
    old = seq.set_backend(second)
    assert old is first and second.is_open
    assert first.notes()[-1][1:] == ("off", 0, 62)
    run_until(seq, clock, t0 + 3)
    assert [n for _, k, _, n in second.notes() if k == "on"] == [64, 65]
    assert second.messages[0].type == "program_change"


class FailingBackend(InMemoryBackend):
    """Works for ``ok`` messages, then behaves like an unplugged device."""

    def __init__(self, clock: FakeClock, ok: int) -> None:
        super().__init__(clock=clock)
        self.ok = ok

    def _send(self, msg: mido.Message) -> None:
        if len(self.events) >= self.ok:
            raise PlaybackUnavailable("MIDI port 'X' stopped working", "reconnect it", "device-lost")
        super()._send(msg)


def test_device_lost_mid_playback_stops_cleanly_with_a_message() -> None:
    clock = FakeClock()
    backend = FailingBackend(clock, ok=3)
    seq = Sequencer(backend, clock=clock, threaded=False, lookahead_s=0.0)
    seq.set_clips([melody()])
    errors: list[str] = []
    seq.on_error = errors.append
    seq.play()
    run_until(seq, clock, clock.t + 3)
    assert not seq.is_playing
    assert errors and "stopped working" in errors[0] and seq.last_error == errors[0]


def test_device_check_failure_stops_playback() -> None:
    class Vanishing(InMemoryBackend):
        gone = False

        def check(self) -> None:
            if self.gone:
                raise PlaybackUnavailable("MIDI port 'Y' has disappeared", "reconnect", "device-lost")

    backend = Vanishing()
    seq = Sequencer(backend, check_interval_s=0.0)
    done = threading.Event()
    errors: list[str] = []
    seq.on_error = lambda m: (errors.append(m), done.set())
    seq.set_clips([Clip(notes=(Note(0, 60, 480 * 60),))])  # a 30 s note
    seq.play()
    backend.gone = True
    assert done.wait(5.0)
    seq.close()
    assert "disappeared" in errors[0] and not seq.is_playing
    assert_no_hanging(backend)


def test_threaded_playback_real_clock_plays_everything_and_close_mid_note_silences() -> None:
    short = Clip(notes=tuple(Note(i * 24, 60 + i, i * 24 + 20) for i in range(8)), tempo=600.0)
    backend = InMemoryBackend()
    seq = Sequencer(backend)
    done = threading.Event()
    seq.on_finished = done.set
    seq.set_clips([short])
    seq.play()
    assert done.wait(10.0)
    ons = [n for _, k, _, n in backend.notes() if k == "on"]
    assert ons == list(range(60, 68))
    times = [t for t, *_ in backend.events]
    assert times == sorted(times)
    assert_no_hanging(backend)

    # a long note; close the sequencer while it sounds
    backend.clear()
    started = threading.Event()
    seq.set_clips([Clip(notes=(Note(0, 50, 480 * 100),))])
    seq.on_position = lambda tick: started.set() if backend.notes() else None
    seq.play()
    assert started.wait(10.0)
    seq.close()
    assert not backend.is_open
    kinds = [(k, n) for _, k, _, n in backend.notes()]
    assert kinds == [("on", 50), ("off", 50)]
    assert backend.messages[-1].type == "control_change" and backend.messages[-1].control == 123


def test_play_raises_playback_unavailable_when_backend_cannot_open() -> None:
    class NoDevice(OutputBackend):
        def _open(self) -> None:
            raise PlaybackUnavailable("no device", "plug one in", "port")

    seq = Sequencer(NoDevice(), threaded=False)
    seq.set_clips([melody()])
    with pytest.raises(PlaybackUnavailable, match="no device"):
        seq.play()
    assert not seq.is_playing


def test_tempo_map_round_trips_and_schedule_ppq() -> None:
    tm = TempoMap(480, ((0, 120.0), (960, 60.0), (1920, 240.0)))
    for tick in (0, 100, 960, 1000, 1920, 5000):
        assert tm.tick_at(tm.seconds_at(tick)) == pytest.approx(tick)
    assert tm.seconds_at(1920) == pytest.approx(1.0 + 2.0)
    # clips at other ppqs are rescaled to the first clip's ppq
    s = build_schedule([Clip(notes=(Note(0, 60, 480),), ppq=480), Clip(notes=(Note(96, 62, 192),), ppq=96)])
    assert [(e.tick, e.message.note) for e in s.events if e.message.type == "note_on"] == [(0, 60), (480, 62)]
    assert s.end_tick == 960


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["play", "pause", "stop", "seek", "tempo", "loop", "unloop",
                                           "clips", "wait"]),
                          st.integers(0, 3000), st.floats(0.0, 1.5)), max_size=25))
def test_no_hanging_notes_whatever_the_commands(ops: list[tuple[str, int, float]]) -> None:
    chords = Clip(notes=tuple(Note(i * 240, 48 + (i * 7) % 30, i * 240 + 600) for i in range(12)),
                  length=3000)
    seq, backend, clock = make([chords])
    for op, tick, dt in ops:
        if op == "play":
            seq.play()
        elif op == "pause":
            seq.pause()
        elif op == "stop":
            seq.stop()
        elif op == "seek":
            seq.seek(tick)
        elif op == "tempo":
            seq.set_tempo(40 + tick / 10)
        elif op == "loop":
            seq.set_loop(tick // 2, tick // 2 + 200)
        elif op == "unloop":
            seq.set_loop(None, None)
        elif op == "clips":
            seq.set_clips([chords.transpose(tick % 5)])
        run_until(seq, clock, clock.t + dt)
        times = [t for t, _ in backend.events]
        assert times == sorted(times)
    seq.stop()
    assert_no_hanging(backend)
