"""``chords``: the key and the chords of a MIDI file (one per bar, or per beat), and ``--chords`` for the
model verbs (``sample``, ``reconstruct``, ``interpolate`` with a chord-conditioned model such as
mel_2bar_chords).

A progression is written one chord per bar: ``"C Am F G"``; ``|`` separates bars holding several chords
(``"C G | Am F"``: two chords of two beats each); ``N`` is a bar without a chord. ``--chords`` also takes
a text file holding such a progression. A MIDI file with a chord track (a track named "Chords", as
``chords --out`` and the app's MIDI export write) gives its chords to the model verbs when no
``--chords`` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latentcomposer.commands import UserError

if TYPE_CHECKING:
    from latentcomposer.core import Clip
    from latentcomposer.core.chords import ChordTrack
    from latentcomposer.model.engine import Engine

MAX_PROGRESSION_BYTES = 64 * 1024
STEPS_PER_BAR = 16  # the models' 4/4 bar on the 16th grid


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("chords", help="print a MIDI file's key and its chords, one per bar (or beat)")
    p.add_argument("input", help="a .mid file")
    p.add_argument("--per", choices=["bar", "beat"], default="bar", help="one chord per bar or per beat (default bar)")
    p.add_argument("--track", type=int, default=None,
                   help="read only this track (0-based, see `latentcomposer info`; default: every pitched track)")
    p.add_argument("--out", default=None, metavar="CHORDS.mid", help="also write the chords as a chord track")
    p.set_defaults(func=cmd_chords)


def add_chords_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chords", default=None, metavar="PROGRESSION",
                   help='chords for a chord-conditioned model (e.g. mel_2bar_chords), one per bar: "C Am F G" '
                        '("C G | Am F" for two in a bar), or a text file holding them; default: the input\'s '
                        'chord track when it has one')


# --- reading progressions and chord tracks ------------------------------------------------------------
def parse_progression(text: str) -> ChordTrack:
    """``--chords`` text (or a file of it) -> a chord track, one chord per 16-step bar; a bad symbol is a
    UserError naming it and the accepted forms."""
    from latentcomposer.core import CoreError
    from latentcomposer.core.chords import ChordTrack
    from latentcomposer.io.files import FileProblem, read_capped

    source = "--chords"
    path = Path(text)
    if len(text) < 4096 and "\n" not in text and path.suffix.lower() in (".txt", ".chords") and path.is_file():
        try:
            text = read_capped(path, MAX_PROGRESSION_BYTES, "a chord progression").decode("utf-8", "replace")
        except FileProblem as exc:
            raise UserError(f"--chords {path}: {exc.reason}") from None
        source = f"--chords {path.name}"
        text = " | ".join(line.strip() for line in text.splitlines() if line.strip()) if "|" in text else \
            " ".join(text.split())
    if not text.strip():
        raise UserError(f"{source}: no chords given; write one chord per bar, e.g. --chords \"C Am F G\"")
    try:
        return ChordTrack.from_symbols(text, STEPS_PER_BAR)
    except CoreError as exc:
        raise UserError(f"{source}: {exc}") from None


def read_clip_and_chords(path: str, track: int | None, eng: Engine, *, say: bool = True
                         ) -> tuple[Clip, ChordTrack | None]:
    """The clip a model reads from ``path`` (a chord track is never taken for it) and the chords of the
    file's chord track (None without one)."""
    from latentcomposer.app.harmony import take_chord_track

    from .generate import _choose_clip, _read_tracks

    tracks = _read_tracks(path)
    without, found = take_chord_track(tracks)
    if track is None:  # (--track counts the file's tracks as they are)
        tracks = without
    clip = _choose_clip(path, tracks, track, eng)
    if found and say:
        print(f"{path}: chords from its chord track: {progression_text(found)}", file=sys.stderr)
    return clip, found


def needs_conditioned(eng: Engine, given: bool) -> None:
    if given and not eng.condition_dim:
        raise UserError(f"--chords needs a chord-conditioned model such as mel_2bar_chords; {eng.name} does not "
                        "read chords (choose one with --model)")


def condition_for(eng: Engine, chords: ChordTrack | None, n_steps: int, *, fit: bool = False) -> Any:
    """The chords as ``eng``'s condition (None: no chords given, or the model reads none). ``fit``: the
    chords are for a clip of ``n_steps``; a longer progression is cut and a shorter one runs out into "N"
    (no chord), and a warning says so."""
    if chords is None or not eng.condition_dim:
        return None
    if fit:
        chords, note = chords.fitted(n_steps)
        if note:
            print(f"warning: {note}", file=sys.stderr)
    return eng.chords_condition(chords, n_steps)


def progression_text(track: ChordTrack, bar: int = STEPS_PER_BAR) -> str:
    """One bar after another, ``|`` between them (a bar of several chords lists them)."""
    from latentcomposer.core.chords import Chord

    n_bars = max(1, -(-track.end_step // bar))
    bars = []
    for k in range(n_bars):
        inside = track.slice(k * bar, (k + 1) * bar)
        names = [str(e.chord) for e in inside] or [str(Chord.none())]
        bars.append(" ".join(names))
    # one bar of several chords keeps a "|" so that it does not read back as one chord a bar
    return " | ".join(bars) + (" |" if len(bars) == 1 and " " in bars[0] else "")


# --- the verb ------------------------------------------------------------------------------------
def cmd_chords(args: argparse.Namespace) -> int:
    from latentcomposer.app.harmony import (
        bar_steps,
        chord_clip,
        detect_lane,
        read_chord_track,
        split_chord_tracks,
        steps_of,
    )
    from latentcomposer.core.harmony import NotEnoughNotes, detect_key

    from .generate import _read_tracks, _write

    tracks = _read_tracks(args.input)
    rest, chord_tracks = split_chord_tracks(tracks.clips)
    if args.track is not None:
        if not 0 <= args.track < len(tracks.clips):
            raise UserError(f"{args.input}: no track {args.track} (it has {len(tracks.clips)}: 0-"
                            f"{len(tracks.clips) - 1}, see `latentcomposer info`)")
        rest, chord_tracks = [tracks.clips[args.track]], []
    pitched = [c for c in rest if not c.is_drum and c.notes]
    if chord_tracks:
        clip = chord_tracks[0]
        track = read_chord_track(clip, args.per)
        how = f"its chord track '{clip.name}'"
    elif pitched:
        clip = pitched[0]
        for c in pitched[1:]:
            clip = clip.merge(c)
        track = detect_lane(clip, args.per)
        how = f"detected from {len(pitched)} pitched track(s)" if len(pitched) > 1 else "detected from its notes"
    else:
        raise UserError(f"{args.input}: no pitched notes to read chords from (only drums or empty tracks)")
    key_source = clip
    for c in pitched if chord_tracks else []:  # the key of the music and its chords together
        key_source = key_source.merge(c)
    try:
        key = f"{detect_key(key_source)}"
    except NotEnoughNotes as exc:
        key = str(exc)
    bar = bar_steps(clip)
    n_bars = max(1, -(-steps_of(clip) // bar))
    print(f"{args.input}: key {key}; chords {how}, one per {args.per}")
    for k in range(n_bars):
        inside = track.slice(k * bar, (k + 1) * bar)
        names = " ".join(str(e.chord) for e in inside) or "N"
        print(f"bar {k + 1:>4}: {names}")
    print(f"progression: {progression_text(track, bar)}")
    if args.out:
        _write(args.out, [chord_clip(track, clip, program=0)])
    return 0
