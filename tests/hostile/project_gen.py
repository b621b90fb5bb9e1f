"""Seeded generators of hostile projects: every JSON path of a valid project, given wrong types and
extreme values. Used by the test suite and by ``benchmarks/hostile_input.py``."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

from latentcomposer.app.project import session_to_dict
from latentcomposer.app.session import Session
from latentcomposer.core import Clip, Note, TempoChange, TimeSignature, TimeSignatureChange
from latentcomposer.core.examples import example_clip

Path = tuple[str | int, ...]


class Raw:
    """JSON text put in place as is (numbers Python's json cannot write: 1e999, NaN, 10**400)."""

    def __init__(self, text: str) -> None:
        self.text = text


HOSTILE: list[Any] = [
    None, True, False, 0, -1, 1.5, -1e308, 1e308, 2**63 + 1, -(2**64), "", "x" * 1000, "\u0000\ud7ff",
    [], [[]], {}, {"a": 1}, [None, None, None, None],
    Raw("1" + "0" * 400), Raw("-" + "9" * 309), Raw("1e999"), Raw("-1e999"), Raw("NaN"), Raw("Infinity"),
    Raw("[" * 200 + "]" * 200),
]


def valid_session() -> Session:
    """A project using every field: clips of each kind, changes, latent codes, sliders, playback."""
    s = Session([example_clip("twinkle")])
    odd = Clip((Note(0, 36, 24, 110), Note(10, 42, 20, 60)), ppq=96, tempo=133.5,
               time_signature=TimeSignature(7, 8), name="Drums", program=0, is_drum=True, channel=9,
               length=96 * 7, tempo_changes=(TempoChange(96, 140.0),),
               time_signature_changes=(TimeSignatureChange(336, TimeSignature(4, 4)),))
    item = s.add_clip(odd, origin="generated", source="model x")
    s.update_latent(model="mel_2bar", codes={item.uid: [0.5, -0.25]}, sliders={"z3": 1.5})
    s.set_slot("a", s.items[0].uid)
    s.set_slot("b", item.uid)
    s.update_playback(output="none", soundfont="/x/y.sf2", metronome=True, loop=(0, 960), loop_enabled=True)
    return s


def valid_project() -> dict[str, Any]:
    d = session_to_dict(valid_session())
    d["latent"]["extra"] = {"map_view": [0, 0, 1]}
    return d


def paths(d: Any, prefix: Path = (), notes_kept: int = 2) -> Iterator[Path]:
    """Every path in ``d`` (containers too), but only the first ``notes_kept`` notes of a clip."""
    yield prefix
    if isinstance(d, dict):
        for k, v in d.items():
            yield from paths(v, (*prefix, k), notes_kept)
    elif isinstance(d, list):
        keep = notes_kept if prefix and prefix[-1] == "notes" else len(d)
        for i, v in enumerate(d[:keep]):
            yield from paths(v, (*prefix, i), notes_kept)


def put(d: Any, path: Path, value: Any) -> Any:
    """A deep copy of ``d`` with ``value`` at ``path`` (``...`` deletes the key)."""
    if not path:
        return value
    out = copy.deepcopy(d)
    parent = out
    for k in path[:-1]:
        parent = parent[k]
    if value is ...:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


def dumps(d: Any) -> str:
    """JSON with :class:`Raw` values spliced in as written."""
    raws: list[str] = []

    def mark(o: Any) -> Any:
        if isinstance(o, Raw):
            raws.append(o.text)
            return f"@@RAW{len(raws) - 1}@@"
        raise TypeError(type(o).__name__)

    text = json.dumps(d, default=mark)
    for i, raw in enumerate(raws):
        text = text.replace(f'"@@RAW{i}@@"', raw)
    return text


def every_path_cases(d: dict[str, Any] | None = None) -> Iterator[tuple[Path, Any, str]]:
    """(path, value, JSON text) for every path and every hostile value, and each key deleted."""
    d = d if d is not None else valid_project()
    for path in paths(d):
        for value in [*HOSTILE, ...]:
            if value is ... and (not path or isinstance(path[-1], int)):
                continue
            yield path, value, dumps(put(d, path, value))


def random_cases(n: int, seed: int = 0) -> Iterator[tuple[list[tuple[Path, Any]], str]]:
    """``n`` projects with 1-4 random paths changed at once (values drawn from HOSTILE and from
    other paths' values, so a clip may meet another field's list)."""
    rng = random.Random(seed)
    base = valid_project()
    all_paths = [p for p in paths(base) if p]
    for _ in range(n):
        d = base
        changes = []
        for _ in range(rng.randint(1, 4)):
            path = rng.choice(all_paths)
            try:
                value = rng.choice(HOSTILE) if rng.random() < 0.7 else copy.deepcopy(_get(base, rng.choice(all_paths)))
                d = put(d, path, value)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier change removed the parent
            changes.append((path, value))
        yield changes, dumps(d)


def _get(d: Any, path: Path) -> Any:
    for k in path:
        d = d[k]
    return d
