"""Opening and closing MIDI ports (output backend and MIDI input share io.playback.backends.open_port and
close_port): a failing device becomes PlaybackUnavailable with the hint; closing never raises."""

from __future__ import annotations

import pytest

from latentcomposer.io.playback import PlaybackUnavailable
from latentcomposer.io.playback.backends import close_port, open_port


def test_a_failing_open_says_what_and_what_to_do() -> None:
    def broken() -> object:
        raise OSError("device busy")

    with pytest.raises(PlaybackUnavailable) as info:
        open_port(broken, "cannot open the MIDI input 'Keys'", "connect a keyboard")
    assert "cannot open the MIDI input 'Keys' (device busy)" in str(info.value)
    assert info.value.hint == "connect a keyboard" and info.value.kind == "port"
    with pytest.raises(PlaybackUnavailable):
        open_port(lambda: (_ for _ in ()).throw(ValueError("gone")), "cannot open", "hint", ValueError)
    with pytest.raises(ValueError):  # not a MIDI failure unless named
        open_port(lambda: (_ for _ in ()).throw(ValueError("bug")), "cannot open", "hint")
    assert open_port(lambda: "port", "cannot open", "hint") == "port"


def test_closing_a_vanished_port_does_not_raise() -> None:
    class Vanished:
        closed = False

        def close(self) -> None:
            self.closed = True
            raise OSError("no such device")

    port = Vanished()
    close_port(port)
    close_port(None)
    assert port.closed
