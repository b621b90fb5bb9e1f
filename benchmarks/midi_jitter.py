"""Sequencer timing jitter in real time (target <= 1 ms), and drift over a long loop.

1. Virtual MIDI port loopback, where the platform allows it: the sequencer plays into the virtual
   output ``latentcomposer`` through python-rtmidi and an input port on the same name timestamps
   each message on arrival. Needs an ALSA sequencer (Linux) or CoreMIDI (macOS).
2. Always: the sequencer's own dispatch timing, timestamping each message as the backend gets it
   (everything but the OS MIDI transport).

For each message: lateness = arrival time - scheduled time (scheduled times come from the one anchor
the sequencer keeps, so a drift would show as growing lateness). Reports mean, median, p99, max of
|lateness| and the median lateness in the first and last tenth of the run.

    .venv/bin/python benchmarks/midi_jitter.py [--seconds 20] [--bpm 120]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time

import mido

from latentcomposer.core import Clip, Note
from latentcomposer.io.playback import MidiPortBackend, OutputBackend, PlaybackUnavailable, Sequencer


class Stamping(OutputBackend):
    """Timestamps each message with time.monotonic() as the sequencer hands it over."""

    name = "timestamping"

    def __init__(self) -> None:
        super().__init__()
        self.got: list[tuple[float, mido.Message]] = []

    def _send(self, msg: mido.Message) -> None:
        self.got.append((time.monotonic(), msg))


def pattern(ppq: int = 480) -> Clip:
    """One 4/4 bar of 16th notes with a chord on each beat: 28 note-ons per bar."""
    notes = [Note(i * ppq // 4, 72 + i % 5, i * ppq // 4 + ppq // 8, 80) for i in range(16)]
    notes += [Note(b * ppq, p, b * ppq + ppq // 2, 70) for b in range(4) for p in (48, 52, 55)]
    return Clip(notes=tuple(notes), ppq=ppq, length=4 * ppq)


def expected_times(t0: float, clip: Clip, loops: int, bpm: float) -> list[float]:
    bar_s = 4 * 60.0 / bpm
    ons = sorted(n.start for n in clip.notes)
    return [t0 + k * bar_s + tick * 60.0 / (bpm * clip.ppq) for k in range(loops) for tick in ons]


def measure(backend: OutputBackend, arrivals: list[tuple[float, mido.Message]], seconds: float, bpm: float,
            label: str, lookahead_s: float) -> None:
    clip = pattern()
    seq = Sequencer(backend, lookahead_s=lookahead_s)
    seq.set_clips([clip])
    seq.set_tempo(bpm)
    seq.set_loop(0, clip.end_tick)
    bar_s = 4 * 60.0 / bpm
    loops = max(1, int(seconds / bar_s))
    seq.play()
    t0 = seq._anchor_time  # the clock time of tick 0 (private, read for measuring only)
    time.sleep(loops * bar_s + 0.05)
    expected = expected_times(t0, clip, loops, bpm)
    seq.close()
    got = [t for t, m in arrivals if m.type == "note_on" and m.velocity > 0][: len(expected)]
    if len(got) < len(expected):
        print(f"{label}: only {len(got)} of {len(expected)} notes arrived")
        return
    late = [(g - e) * 1000 for g, e in zip(got, expected, strict=True)]
    ab = sorted(abs(x) for x in late)
    tenth = max(1, len(late) // 10)
    print(f"{label}: {len(late)} note-ons over {loops * bar_s:.0f} s at {bpm:g} bpm; |lateness| ms: "
          f"mean {statistics.mean(ab):.3f}, median {statistics.median(ab):.3f}, "
          f"p99 {ab[int(0.99 * (len(ab) - 1))]:.3f}, max {ab[-1]:.3f}; median lateness first tenth "
          f"{statistics.median(late[:tenth]):.3f} ms, last tenth {statistics.median(late[-tenth:]):.3f} ms")


def virtual_loopback(seconds: float, bpm: float, lookahead_s: float) -> None:
    backend = MidiPortBackend(virtual=True)
    try:
        backend.open()
        name = next(n for n in mido.get_input_names() if n.startswith(backend.virtual_name))
        arrivals: list[tuple[float, mido.Message]] = []
        lock = threading.Lock()

        def on_msg(msg: mido.Message) -> None:
            with lock:
                arrivals.append((time.monotonic(), msg))

        inport = mido.open_input(name, callback=on_msg)
    except (PlaybackUnavailable, OSError, StopIteration, ImportError) as exc:
        backend.close()
        print(f"virtual port loopback: not possible here ({exc})")
        return
    try:
        measure(backend, arrivals, seconds, bpm, "virtual port loopback", lookahead_s)
    finally:
        inport.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--bpm", type=float, default=120.0)
    ap.add_argument("--lookahead", type=float, default=None, metavar="S",
                    help="the sequencer's lookahead_s (default: its own default)")
    args = ap.parse_args()
    lookahead = Sequencer.DEFAULT_LOOKAHEAD_S if args.lookahead is None else args.lookahead
    print(f"lookahead {lookahead * 1000:g} ms")
    virtual_loopback(args.seconds, args.bpm, lookahead)
    stamp = Stamping()
    measure(stamp, stamp.got, args.seconds, args.bpm, "sequencer dispatch", lookahead)
    return 0


if __name__ == "__main__":
    sys.exit(main())
