"""Issue 27: record from a MIDI keyboard (in-memory input), MIDI clock out and in (in-memory ports,
an injected clock) -- and the app works with no MIDI ports at all (none here: no /dev/snd)."""

from __future__ import annotations

from typing import Any

import mido

from latentcomposer.app.recording import Recorder
from latentcomposer.core import Clip, Note
from latentcomposer.core.examples import example_clip
from latentcomposer.io.midi_input import InMemoryInput, PortInput, list_input_ports
from latentcomposer.io.midi_sync import PPQN, ClockFollower, ClockSender
from latentcomposer.io.playback import PlaybackUnavailable
from latentcomposer.ui.record_ui import RecordPanel, open_record_panel

from .conftest import Dialogs
from .issue27_rig import shot


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _on(p: int, v: int) -> mido.Message:
    return mido.Message("note_on", note=p, velocity=v)


def _off(p: int) -> mido.Message:
    return mido.Message("note_off", note=p, velocity=0)


def test_recorder_keeps_velocities_quantizes_and_punches() -> None:
    rec = Recorder(tempo=120.0, ppq=480, start=10.0)  # a quarter is 0.5 s
    rec.feed(_on(60, 101), 9.5)  # count-in noodling: dropped
    rec.feed(_off(60), 9.6)
    rec.feed(_on(62, 77), 9.95)  # just early: on the downbeat
    rec.feed(_off(62), 10.5)
    rec.feed(_on(64, 40), 10.52)
    rec.feed(_off(64), 10.77)
    rec.feed(_on(65, 90), 11.0)  # held when stopped
    notes = rec.finish(11.25)
    assert [(n.pitch, n.velocity) for n in notes] == [(62, 77), (64, 40), (65, 90)]
    assert notes[0].start == 0 and abs(notes[1].start - 499) <= 1 and notes[2].end == 1200
    q = Recorder(tempo=120.0, ppq=480, start=0.0, quantize=120)
    q.feed(_on(60, 90), 0.27)
    q.feed(_off(60), 0.4)
    assert q.finish(1.0)[0].start == 240  # 259 ticks -> the 16th grid
    clip = Clip(notes=(Note(0, 48, 480, 80), Note(1920, 50, 2400, 80), Note(3840, 52, 4320, 80)))
    punch = Recorder(tempo=120.0, ppq=480, start=0.0, base_tick=1920, punch=(1920, 3840))
    punch.feed(_on(70, 100), 0.0)
    punch.feed(_off(70), 0.25)
    punch.feed(_on(72, 100), 2.0)  # the second pass of the 1-bar loop: wraps to its start
    punch.feed(_off(72), 2.25)
    out = punch.apply(clip)
    assert [(n.start, n.pitch) for n in out.notes] == [(0, 48), (1920, 70), (1920, 72), (3840, 52)]


def test_record_panel_with_an_in_memory_keyboard(window: Any, qtbot: Any) -> None:
    clock = FakeClock()
    s = window.session
    s.replace_clip(example_clip("twinkle"), "Open")
    before = len(s.current_clip.notes)
    panel = RecordPanel(window, clock=clock)
    qtbot.addWidget(panel)
    keyboard = InMemoryInput(clock)
    panel.use_input(keyboard)
    panel.count_in.setValue(0)
    assert panel.start()
    assert panel.recording and keyboard.is_open
    for t, msg in ((0.0, _on(84, 110)), (0.4, _off(84)), (0.5, _on(86, 35)), (0.9, _off(86))):
        clock.t = 100.0 + t
        keyboard.feed(msg)
    qtbot.waitUntil(lambda: panel.recorder is not None and len(panel.recorder.notes) == 2)
    shot(panel, "record_panel")
    clock.t = 101.0
    assert panel.stop() == 2
    added = [n for n in s.current_clip.notes if n.pitch in (84, 86)]
    assert [(n.pitch, n.velocity) for n in added] == [(84, 110), (86, 35)]
    assert len(s.current_clip.notes) == before + 2 and not keyboard.is_open
    s.undo()
    assert len(s.current_clip.notes) == before


def test_app_works_without_midi_ports(window: Any, dialogs: Dialogs) -> None:
    assert list_input_ports() == []  # no MIDI system here; never raises
    try:
        PortInput("Keyboard").open(lambda m, t: None)
    except PlaybackUnavailable as exc:
        assert "keyboard" in str(exc).lower()
    else:  # pragma: no cover - a machine with a MIDI system
        pass
    panel = open_record_panel(window)
    assert panel.port_combo.currentData() is None and "No MIDI keyboard is connected" in panel.status.text()
    assert not panel.record_button.isEnabled()
    window.action_map["followClock"].trigger()  # follow clock: explains, app keeps its own clock
    assert dialogs.errors and "No MIDI input" in dialogs.errors[-1][0]
    assert not window.action_map["followClock"].isChecked()
    window.action_map["sendClock"].trigger()  # the output is not a MIDI port: says so
    assert not window.action_map["sendClock"].isChecked()
    panel.close()


class FakePlayer:
    def __init__(self) -> None:
        self.is_playing = False
        self.position_tick = 0


def test_clock_out_follows_the_players_position() -> None:
    player, sent = FakePlayer(), []

    class Sink:
        def send(self, msg: mido.Message) -> None:
            sent.append(msg.type if msg.type != "songpos" else f"songpos {msg.pos}")

    clock = ClockSender(player, Sink(), lambda: 480)
    clock.process()
    assert sent == []
    player.is_playing = True
    clock.process()
    assert sent == ["start", "clock"]
    player.position_tick = 480  # one quarter later: 24 clocks in all
    clock.process()
    assert sent.count("clock") == PPQN + 1
    player.position_tick = 0  # the loop wrapped: song position, then clocks from there
    clock.process()
    assert sent[-2:] == ["songpos 0", "clock"]
    player.is_playing = False
    clock.process()
    assert sent[-1] == "stop"


def test_clock_in_sets_tempo_start_stop_and_position() -> None:
    events: list[object] = []
    follower = ClockFollower(on_tempo=lambda b: events.append(("tempo", b)), on_start=lambda: events.append("start"),
                             on_stop=lambda: events.append("stop"), on_position=lambda q: events.append(("pos", q)))
    port = InMemoryInput(clock := FakeClock())
    port.open(follower.feed)
    port.feed(mido.Message("songpos", pos=8), mido.Message("start"))
    for _ in range(PPQN * 2):  # 2 quarters at 100 bpm: a clock every 0.025 s
        clock.t += 60.0 / 100 / PPQN
        port.feed(mido.Message("clock"))
    port.feed(mido.Message("stop"))
    assert events[0] == ("pos", 2.0) and events[1] == "start" and events[-1] == "stop"
    tempos = [e[1] for e in events if isinstance(e, tuple) and e[0] == "tempo"]
    assert tempos and abs(tempos[-1] - 100.0) < 0.6


def test_window_follows_an_in_memory_clock(window: Any, qtbot: Any) -> None:
    window.session.replace_clip(example_clip("twinkle"), "Open")
    clock = FakeClock()
    port = InMemoryInput(clock)
    assert window.clock_control.follow(port)
    port.feed(mido.Message("start"))
    for _ in range(PPQN):
        clock.t += 60.0 / 90 / PPQN
        port.feed(mido.Message("clock"))
    service = window.playback_ui.service
    qtbot.waitUntil(lambda: abs(service.sequencer.tempo - 90.0) < 0.6)
    assert service.is_playing
    port.feed(mido.Message("stop"))
    qtbot.waitUntil(lambda: not service.is_playing)
    window.clock_control.follow(None)
    assert not port.is_open
