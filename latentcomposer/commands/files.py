"""``info``: what a MIDI file holds, track by track (a quick check before using a file)."""

from __future__ import annotations

import argparse

from latentcomposer.commands import UserError
from latentcomposer.commands import args as valid
from latentcomposer.io.midifile import MidiFileError, read_midi


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("info", help="list the tracks of a MIDI file (notes, channel, program, range)")
    p.add_argument("file", help="a .mid file")
    p.add_argument("--first-bars", type=valid.integer(1, None, "bars"), default=None, metavar="N",
                   help="read only the first N bars (for files longer than the 1,024-bar limit)")
    p.set_defaults(func=cmd_info)


def cmd_info(args: argparse.Namespace) -> int:
    try:
        clips = read_midi(args.file, first_bars=args.first_bars)
    except MidiFileError as exc:
        raise UserError(str(exc)) from None
    first = clips[0]
    print(f"{args.file}: {len(clips)} track(s), ppq {first.ppq}, {first.tempo:.1f} bpm, "
          f"{first.time_signature}, {first.duration_seconds:.1f} s")
    for i, c in enumerate(clips):
        lo_hi = c.pitch_range()
        rng = f"{lo_hi[0]}-{lo_hi[1]}" if lo_hi else "-"
        kind = "drums" if c.is_drum else f"program {c.program}"
        mono = "mono" if c.is_monophonic() else "poly"
        print(f"  [{i}] {c.name:<24} ch {(c.channel or 0) + 1:>2}  {kind:<12} "
              f"{len(c.notes):>5} notes  {c.n_bars:>4} bars  pitch {rng:<7} {mono}")
    return 0
