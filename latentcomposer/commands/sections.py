"""The headless verbs for multi-stream models (the trio): ``sample``, ``reconstruct`` and ``interpolate`` read and write
multi-track MIDI, one track per stream (data/section_midi.py); ``reconstruct --keep melody`` keeps the
named streams and regenerates the others (model/sections.py's ``regenerate``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latentcomposer.commands import UserError

if TYPE_CHECKING:
    from latentcomposer.model.engine import Engine
    from latentcomposer.model.sections import SectionEngine


def section_engine(eng: Engine) -> SectionEngine | None:
    """The section verbs of a multi-stream model's engine (None for one-stream models)."""
    from latentcomposer.data.trio_codec import MultiStreamCodec
    from latentcomposer.model.sections import SectionEngine

    return SectionEngine(eng) if isinstance(eng.codec, MultiStreamCodec) else None


def _write(path: str | Path, sections: SectionEngine, section: dict[str, Any],
           markers: list[tuple[int, str]] | None = None) -> None:
    from latentcomposer.data.section_midi import write_section
    from latentcomposer.io.midifile import MidiFileError

    try:
        write_section(path, sections.codec, section, markers or [])
    except MidiFileError as exc:
        raise UserError(str(exc)) from None
    print(f"wrote {path} ({len(section)} tracks: {', '.join(section)})")


def _call(fn: Any, *a: Any, **kw: Any) -> Any:
    from latentcomposer.core import CoreError
    from latentcomposer.model.engine import EngineError

    try:
        return fn(*a, **kw)
    except (EngineError, CoreError) as exc:
        raise UserError(str(exc)) from None


def _concat(sections: list[dict[str, Any]]) -> dict[str, Any]:
    """Sections one after another (each stream's clips concatenated)."""
    return _concat_marked(sections, [""] * len(sections))[0]


def _concat_marked(sections: list[dict[str, Any]], labels: list[str]) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """Sections one after another, and a marker at the start of each (ticks of the first's ppq)."""
    out = dict(sections[0])
    markers = [(0, labels[0])]
    for s, label in zip(sections[1:], labels[1:], strict=True):
        first = next(iter(out.values()))
        markers.append((max(c.n_bars for c in out.values()) * first.bar_ticks, label))
        for k, clip in s.items():
            out[k] = out[k].copy(length=markers[-1][0]).concatenate(clip)
    return out, markers


def sample(args: argparse.Namespace, sections: SectionEngine) -> int:
    prior = "fitted" if args.prior == "kernel" else args.prior  # no kernel prior for multi-track models yet
    res = _call(sections.sample, args.n, temperature=args.temperature, seed=args.seed, tempo=args.tempo,
                prior=prior)
    out = Path(args.output)
    if out.suffix.lower() in (".mid", ".midi"):
        _write(out, sections, _concat(res.sections))
    else:
        for i, s in enumerate(res.sections):
            _write(out / f"sample_{i + 1:03d}.mid", sections, s)
    return 0


def reconstruct(args: argparse.Namespace, sections: SectionEngine) -> int:
    section = _read(args.input, sections)
    keep = [k.strip() for spec in (getattr(args, "keep", None) or []) for k in spec.split(",") if k.strip()]
    if keep:
        res = _call(sections.regenerate, section, keep, temperature=args.temperature, seed=args.seed)
    else:
        res = _call(sections.reconstruct, section, temperature=args.temperature, seed=args.seed)
    for w in res.warnings:
        print(f"warning: {w}", file=sys.stderr)
    _write(args.output, sections, res.sections[0])
    return 0


def _read(path: str, sections: SectionEngine) -> dict[str, Any]:
    from latentcomposer.data.section_midi import read_section
    from latentcomposer.io.midifile import MidiFileError

    try:
        read = read_section(path, sections.codec)
    except MidiFileError as exc:
        raise UserError(str(exc)) from None
    print(f"{path}: {read.mapping.describe(read.clips)}", file=sys.stderr)
    return read.section


def interpolate(args: argparse.Namespace, sections: SectionEngine) -> int:
    a, b = _read(args.a, sections), _read(args.b, sections)
    res = _call(sections.interpolate, a, b, steps=args.steps, method=args.method, temperature=args.temperature,
                seed=args.seed)
    for w in res.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.output:
        joined, markers = _concat_marked(res.sections, [f"step {i + 1}/{len(res.sections)}"
                                                        for i in range(len(res.sections))])
        _write(args.output, sections, joined, markers)
    if args.out_dir:
        for i, s in enumerate(res.sections):
            _write(Path(args.out_dir) / f"step_{i + 1:02d}.mid", sections, s)
    return 0
