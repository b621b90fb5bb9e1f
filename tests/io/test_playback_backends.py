"""Backends and their failures: every missing piece is a PlaybackUnavailable that says how to fix it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import mido
import pytest

from latentcomposer.io.playback import (
    FluidSynthBackend,
    InMemoryBackend,
    MidiPortBackend,
    PlaybackUnavailable,
    config_dir,
    default_soundfont,
    installed_soundfonts,
    list_output_ports,
    remember_soundfont,
    remembered_soundfont,
    settings_path,
)
from latentcomposer.io.playback import backends as backends_mod
from latentcomposer.io.playback import fluid as fluid_mod
from latentcomposer.io.playback.backends import match_port


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "config"
    monkeypatch.setenv("LATENTCOMPOSER_CONFIG_DIR", str(cfg))
    return cfg


@pytest.fixture
def soundfont() -> str:
    sf = default_soundfont()
    if sf is None:
        pytest.skip("no General MIDI SoundFont installed (make setup installs timgm6mb-soundfont)")
    try:
        FluidSynthBackend(sf, audio=False).open()
    except PlaybackUnavailable as exc:
        pytest.skip(f"FluidSynth unavailable: {exc}")
    return sf


# --- settings ---------------------------------------------------------------------------------
def test_config_dir_follows_the_env_var(_config: Path) -> None:
    assert config_dir() == _config and settings_path().parent == _config
    assert remembered_soundfont() is None


def test_remembering_a_soundfont(soundfont: str, tmp_path: Path) -> None:
    copy = tmp_path / "My Font.sf2"
    copy.write_bytes(Path(soundfont).read_bytes())
    assert remember_soundfont(copy) == str(copy.resolve())
    assert json.loads(settings_path().read_text())["soundfont"] == str(copy.resolve())
    assert default_soundfont() == str(copy.resolve())
    copy.unlink()  # a remembered file that has gone is ignored
    assert remembered_soundfont() is None and default_soundfont() in installed_soundfonts()
    remember_soundfont(None)
    assert "soundfont" not in json.loads(settings_path().read_text())


def test_remembering_a_file_that_is_not_a_soundfont_fails(tmp_path: Path) -> None:
    bad = tmp_path / "notes.sf2"
    bad.write_text("hello")
    with pytest.raises(PlaybackUnavailable, match="not a SoundFont 2 file") as err:
        remember_soundfont(bad)
    assert err.value.kind == "soundfont"
    assert not settings_path().exists()


def test_damaged_settings_file_reads_as_empty(_config: Path) -> None:
    _config.mkdir(parents=True)
    settings_path().write_text("{not json")
    assert remembered_soundfont() is None
    remember_soundfont(None)  # rewrites it cleanly
    assert json.loads(settings_path().read_text()) == {}


# --- FluidSynth failures ----------------------------------------------------------------------
def test_missing_soundfont_file(tmp_path: Path) -> None:
    with pytest.raises(PlaybackUnavailable) as err:
        FluidSynthBackend(str(tmp_path / "nope.sf2"), audio=False).open()
    assert "does not exist" in str(err.value) and ".sf2" in err.value.hint
    assert err.value.kind == "soundfont"


def test_no_soundfont_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fluid_mod, "default_soundfont", lambda: None)
    with pytest.raises(PlaybackUnavailable, match="no SoundFont") as err:
        FluidSynthBackend(audio=False).open()
    assert "apt-get install" in err.value.hint or ".sf2" in err.value.hint


def test_corrupt_soundfont(tmp_path: Path, soundfont: str) -> None:
    bad = tmp_path / "broken.sf2"
    bad.write_bytes(Path(soundfont).read_bytes()[:5000])  # a real header, then cut off
    with pytest.raises(PlaybackUnavailable, match="could not be loaded") as err:
        FluidSynthBackend(str(bad), audio=False).open()
    assert "choose another .sf2" in err.value.hint


def test_missing_libfluidsynth(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kw: object) -> object:
        if name == "fluidsynth":
            raise ImportError("Couldn't find the FluidSynth library.")
        return real_import(name, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.delitem(sys.modules, "fluidsynth", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(PlaybackUnavailable) as err:
        FluidSynthBackend(audio=False).open()
    assert "libfluidsynth" in str(err.value) and "install" in err.value.hint
    assert err.value.kind == "fluidsynth"


def test_unavailable_audio_driver(soundfont: str) -> None:
    with pytest.raises(PlaybackUnavailable) as err:
        FluidSynthBackend(soundfont, driver="no-such-driver").open()
    assert "no audio output" in str(err.value) and "no-such-driver" in str(err.value)
    assert "render" in err.value.hint and err.value.kind == "audio"


def test_no_working_audio_driver_tries_each_in_order(soundfont: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fluid_mod, "audio_drivers", lambda: ("no-such-a", "no-such-b"))
    backend = FluidSynthBackend(soundfont)
    with pytest.raises(PlaybackUnavailable, match=r"tried no-such-a.*no-such-b"):
        backend.open()
    assert not backend.is_open


def test_offline_fluidsynth_backend_plays_messages(soundfont: str) -> None:
    import numpy as np

    with FluidSynthBackend(soundfont, audio=False) as fs:
        assert fs.is_open and fs.soundfont == soundfont
        assert float(np.abs(fs.render(4410)).max()) < 1e-6  # silent (tiny anti-denormal noise)
        fs.send(mido.Message("program_change", channel=0, program=0))
        fs.send(mido.Message("note_on", channel=0, note=60, velocity=100))
        loud = fs.render(4410)
        assert float(np.abs(loud).max()) > 1e-3
        fs.set_volume(0.5)
        fs.panic([0])
        fs.render(44100 * 2)
        assert float(np.abs(fs.render(4410)).max()) < 1e-4  # released by the panic
    assert not fs.is_open


# --- MIDI ports -------------------------------------------------------------------------------
def _no_midi_system(monkeypatch: pytest.MonkeyPatch) -> None:
    import rtmidi

    def boom(*a: object, **k: object) -> None:
        raise rtmidi.SystemError("MidiOutAlsa::initialize: error creating ALSA sequencer client object.")

    monkeypatch.setattr(mido, "get_output_names", boom)
    monkeypatch.setattr(mido, "open_output", boom)


def test_no_midi_system(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_midi_system(monkeypatch)
    assert list_output_ports() == []
    with pytest.raises(PlaybackUnavailable, match="MIDI system is not available") as err:
        list_output_ports(strict=True)
    assert "FluidSynth" in err.value.hint
    with pytest.raises(PlaybackUnavailable, match="ALSA sequencer"):
        MidiPortBackend("Any").open()
    with pytest.raises(PlaybackUnavailable, match="virtual MIDI port 'latentcomposer'") as err:
        MidiPortBackend(virtual=True).open()
    assert "loopMIDI" in err.value.hint


def test_missing_port_names_the_ones_there_are(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mido, "get_output_names", lambda: ["Synth A 128:0", "USB Keys 20:0"])
    with pytest.raises(PlaybackUnavailable, match="no MIDI output port named 'Piano'") as err:
        MidiPortBackend("Piano").open()
    assert "Synth A 128:0" in err.value.hint and "USB Keys 20:0" in err.value.hint
    monkeypatch.setattr(mido, "get_output_names", lambda: [])
    with pytest.raises(PlaybackUnavailable, match="there are no MIDI output ports"):
        MidiPortBackend().open()


def test_real_missing_port_on_this_machine() -> None:
    # whatever this machine has (no ALSA sequencer, or some ports), this name is not among them
    with pytest.raises(PlaybackUnavailable) as err:
        MidiPortBackend("latentcomposer-test-no-such-port").open()
    assert err.value.hint


def test_port_name_matching() -> None:
    names = ["Midi Through:Midi Through Port-0 14:0", "FLUID Synth (123):Synth input port (123:0) 128:0"]
    assert match_port("FLUID", names) == names[1]
    assert match_port("synth input", names) == names[1]
    assert match_port(names[0], names) == names[0]
    assert match_port("port", names) is None  # ambiguous
    assert match_port("nothing", names) is None


class FakePort:
    def __init__(self) -> None:
        self.sent: list[mido.Message] = []
        self.unplugged = False
        self.closed = False

    def send(self, msg: mido.Message) -> None:
        if self.unplugged:
            raise OSError("device unplugged")
        self.sent.append(msg)

    def close(self) -> None:
        self.closed = True


def test_midi_port_sends_channel_messages_and_reports_a_vanished_device(monkeypatch: pytest.MonkeyPatch) -> None:
    port = FakePort()
    names = ["Synth A 128:0"]
    monkeypatch.setattr(mido, "get_output_names", lambda: list(names))
    monkeypatch.setattr(mido, "open_output", lambda name, **kw: port)
    backend = MidiPortBackend("Synth A")
    backend.open()
    assert backend.name == "MIDI port 'Synth A 128:0'"
    backend.send(mido.Message("note_on", channel=9, note=36, velocity=90))
    assert port.sent[0].channel == 9 and port.sent[0].note == 36
    backend.panic([3])
    assert [(m.control, m.channel) for m in port.sent[1:]] == [(64, 3), (123, 3)]
    backend.check()
    names.clear()
    backend._last_check = -1e9
    with pytest.raises(PlaybackUnavailable, match="has disappeared") as err:
        backend.check()
    assert err.value.kind == "device-lost"
    port.unplugged = True
    with pytest.raises(PlaybackUnavailable, match="stopped working"):
        backend.send(mido.Message("note_off", channel=0, note=60))
    backend.close()
    assert port.closed and not backend.is_open


def test_virtual_port_on_this_machine_opens_or_says_why() -> None:
    backend = MidiPortBackend(virtual=True)
    try:
        backend.open()
    except PlaybackUnavailable as exc:
        assert "virtual MIDI port" in str(exc) and exc.hint
    else:
        backend.send(mido.Message("note_on", note=60))
        backend.close()


def test_in_memory_backend_records_and_requires_open() -> None:
    clock = iter([1.0, 2.0])
    b = InMemoryBackend(clock=lambda: next(clock))
    with pytest.raises(PlaybackUnavailable, match="not open"):
        b.send(mido.Message("note_on", note=60))
    with b:
        b.send(mido.Message("note_on", note=60, velocity=0))
        b.send(mido.Message("note_on", note=61))
    assert b.notes() == [(1.0, "off", 0, 60), (2.0, "on", 0, 61)]
    assert not b.is_open and repr(b).endswith("closed>")


def test_error_message_and_hint() -> None:
    err = PlaybackUnavailable("no MIDI output port named 'X'", "choose one of: A", "port")
    assert str(err) == "no MIDI output port named 'X'. Choose one of: A"
    assert err.hint == "choose one of: A" and err.problem.startswith("no MIDI")
    assert isinstance(backends_mod.list_output_ports(), list)


def test_live_fluidsynth_on_this_machine_opens_or_says_why(soundfont: str) -> None:
    backend = FluidSynthBackend(soundfont)  # the platform's drivers, in order
    try:
        backend.open()
    except PlaybackUnavailable as exc:
        assert exc.kind == "audio" and "no audio output" in str(exc) and exc.hint
    else:
        assert backend.driver_name in fluid_mod.audio_drivers()
        backend.close()


def test_sequencer_into_real_fluidsynth_leaves_no_sounding_voice(soundfont: str) -> None:
    import numpy as np

    from latentcomposer.core import Clip, Note
    from latentcomposer.io.playback import Sequencer

    t = [0.0]
    fs = FluidSynthBackend(soundfont, audio=False, effects=False)
    seq = Sequencer(fs, clock=lambda: t[0], threaded=False, lookahead_s=0.0)
    chord = Clip(notes=(Note(0, 60, 4800), Note(0, 64, 4800), Note(0, 67, 4800)))
    drums = Clip(notes=(Note(0, 49, 4800),), is_drum=True)  # a crash cymbal rings on by itself
    seq.set_clips([chord, drums])
    seq.play()
    seq.process()
    fs.render(4410)
    assert fs._synth.get_active_voice_count() > 0  # type: ignore[union-attr]
    assert float(np.abs(fs.render(4410)).max()) > 1e-3
    t[0] = 0.5  # stop mid-note
    seq.stop()
    fs.render(44100 * 8)  # release, and the cymbal's natural decay (about 7 s)
    assert fs._synth.get_active_voice_count() == 0  # type: ignore[union-attr]
    assert float(np.abs(fs.render(4410)).max()) < 1e-5
    seq.close()
    assert not fs.is_open
