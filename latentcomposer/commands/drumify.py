"""``latentcomposer drumify IN.mid -o OUT.mid``: a drum part that follows the input's rhythm.

Reads every track of the input (melody, piano or drums) merged -- or ``--track N`` -- and writes the
drum part alone (channel 10), at the input's tempo, 2-bar window by 2-bar window (model/drumify.py).
"""

from __future__ import annotations

import argparse
import sys

from latentcomposer.commands import UserError
from latentcomposer.commands import args as valid


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("drumify", help="a drum part that follows a MIDI file's rhythm (melody, piano or drums)")
    p.add_argument("input")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--model", default="drumify_2bar", help="Drumify model name or folder (default drumify_2bar; "
                   "it names the drum model it decodes with)")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda (default auto)")
    p.add_argument("--seed", type=valid.seed, default=0, help="random seed, 0-4294967295 (default 0)")
    p.add_argument("--temperature", type=valid.temperature, default=0.0,
                   help="0 = the most likely drum part for the rhythm; higher = more varied (default 0)")
    p.add_argument("--decoding", choices=["search", "greedy"], default="search",
                   help="the drum model's decoding at temperature 0 (default search)")
    p.add_argument("--bars", type=valid.bar, default=None, help="only the first N bars (default: all)")
    p.add_argument("--track", type=valid.track, default=None,
                   help="follow only this track (0-based, as `latentcomposer info` lists them; default: all merged)")
    p.set_defaults(func=cmd_drumify)


def cmd_drumify(args: argparse.Namespace) -> int:
    from latentcomposer.app.midi_import import ImportProblem, read_tracks
    from latentcomposer.core import CoreError
    from latentcomposer.io.midifile import MidiFileError, write_midi
    from latentcomposer.model.drumify import Drumify
    from latentcomposer.model.engine import EngineError
    from latentcomposer.model.registry import CheckpointError

    try:
        tracks = read_tracks(args.input)
        chosen = tracks.choose(None if args.track is None else [args.track], merge=True).clips[0]
    except (MidiFileError, ImportProblem) as exc:
        raise UserError(str(exc)) from None
    try:
        drumify = Drumify.load(args.model, device=args.device)
        drumify.engine.set_decoding(args.decoding)
        res = drumify.drumify(chosen, temperature=args.temperature, seed=args.seed, bars=args.bars)
    except (CheckpointError, EngineError, CoreError) as exc:
        raise UserError(str(exc)) from None
    for w in res.warnings:
        print(f"warning: {w}", file=sys.stderr)
    try:
        write_midi(args.output, res.clips)
    except MidiFileError as exc:
        raise UserError(str(exc)) from None
    out = res.clips[0]
    print(f"wrote {args.output} ({len(out.notes)} drum hits over {out.n_bars} bars)")
    return 0
