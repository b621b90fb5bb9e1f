"""Project files (``.lcproj``): JSON with the clips embedded, and a versioned schema.

Layout (version 1)::

    {"format": "latentcomposer-project", "version": 1, "saved_by": "latentcomposer 0.1.0",
     "saved_at": "2024-05-01T12:00:00+00:00",
     "clips": [{"id": "3f2a...", "origin": "imported", "source": "song.mid, track 2",
                "clip": {"name": ..., "ppq": 480, "tempo": 120.0, "time_signature": [4, 4],
                         "program": 0, "is_drum": false, "channel": null, "length": 7680,
                         "tempo_changes": [[tick, bpm], ...],
                         "time_signature_changes": [[tick, numerator, denominator], ...],
                         "notes": [[start, pitch, end, velocity], ...]},
                "chords": [[start_step, end_step, "Am7"], ...],   # optional: the chord lane (16th steps)
                "key": "A minor"}, ...],                           # optional: the key the composer set
     "current": "3f2a...",
     "latent": {LatentState.to_dict()},
     "playback": {PlaybackChoice.to_dict()},
     "autosave": {...}   # only in autosave files: pid, original path, time}

Saving is atomic (temporary file, fsync, rename), so a crash never leaves half a project. Loading
checks everything and raises :class:`ProjectError` (a message for the user) for any problem: not
JSON, not a project, a newer format version, bad values. Older versions are upgraded by
:data:`MIGRATIONS` (none yet).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from latentcomposer import __version__
from latentcomposer.core import Clip, CoreError, Note, TempoChange, TimeSignature, TimeSignatureChange
from latentcomposer.core.chords import ChordTrack
from latentcomposer.core.clip import MAX_CLIP_NOTES
from latentcomposer.core.errors import UserFacingError
from latentcomposer.core.harmony import Key, parse_key
from latentcomposer.io.atomic import atomic_write_bytes
from latentcomposer.io.files import FileProblem, read_capped

from .state import ORIGINS, ClipItem, LatentState, PlaybackChoice

FORMAT = "latentcomposer-project"
VERSION = 1
SUFFIX = ".lcproj"
# JSON costs ~6x its size in Python objects: 32 MB of project is ~200 MB in memory while loading, and
# holds ~1.3 million notes; the largest real project so far is well under 1 MB.
MAX_BYTES = 32 * 1024 * 1024
MAX_PROJECT_NOTES = 1_000_000

# version -> function upgrading a dict of that version to version + 1
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class ProjectError(UserFacingError):
    """A project could not be read or written; ``str(err)`` is for the user."""

    def __init__(self, path: str | os.PathLike[str] | None, problem: str) -> None:
        self.path = str(path) if path is not None else "<data>"
        self.problem = problem
        super().__init__(f"{Path(self.path).name}: {problem}")


@dataclass
class ProjectData:
    items: list[ClipItem]
    current: str | None = None
    latent: LatentState = field(default_factory=LatentState)
    playback: PlaybackChoice = field(default_factory=PlaybackChoice)
    meta: dict[str, Any] = field(default_factory=dict)  # saved_by, saved_at, autosave info


# --- clips -----------------------------------------------------------------------------------
def clip_to_dict(clip: Clip) -> dict[str, Any]:
    return {
        "name": clip.name, "ppq": clip.ppq, "tempo": clip.tempo,
        "time_signature": [clip.time_signature.numerator, clip.time_signature.denominator],
        "program": clip.program, "is_drum": clip.is_drum, "channel": clip.channel, "length": clip.length,
        "tempo_changes": [[t.tick, t.bpm] for t in clip.tempo_changes],
        "time_signature_changes": [[t.tick, t.time_signature.numerator, t.time_signature.denominator]
                                   for t in clip.time_signature_changes],
        "notes": [[n.start, n.pitch, n.end, n.velocity] for n in clip.notes],
    }


# --- the schema: every value is checked for type and range before anything is built from it ----------
class _Bad(ValueError):
    """A value in a project that does not fit the schema; the message names its JSON path."""


def _int(v: Any, what: str, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _Bad(f"{what} must be a whole number, not {_show(v)}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise _Bad(f"{what} {_show(v)} is out of range: it must be {_range(lo, hi)}")
    return v


def _num(v: Any, what: str, lo: float, hi: float) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:  # NaN fails too
        raise _Bad(f"{what} must be a number {_range(lo, hi)}, not {_show(v)}")
    return float(v)  # in range, so no overflow


def _text(v: Any, what: str) -> str:
    if not isinstance(v, str):
        raise _Bad(f"{what} must be text, not {_show(v)}")
    return v


def _list(v: Any, what: str, length: int | None = None) -> list[Any]:
    if not isinstance(v, list) or (length is not None and len(v) != length):
        shape = f"a list of {length}" if length is not None else "a list"
        raise _Bad(f"{what} must be {shape}, not {_show(v)}")
    return v


def _range(lo: float | None, hi: float | None) -> str:
    if lo is None:
        return f"at most {hi:,}"
    if hi is None:
        return f"{lo:,} or more"
    return f"{lo:,}-{hi:,}"


def _show(v: Any) -> str:
    """A short description of a value for a message (never a 300-digit number or a whole list)."""
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, int):
        return f"{v:,}" if abs(v) < 10**15 else f"a {len(str(abs(v)))}-digit number"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v[:40] + ("..." if len(v) > 40 else ""), ensure_ascii=False)
    if isinstance(v, list):
        return "a list"
    return "an object" if isinstance(v, dict) else type(v).__name__


MAX_DEPTH = 64  # no project value is nested deeper than ~6; JSON bombs are
MAX_INT = 2**63  # no field needs more; larger integers overflow float() and NumPy


def check_json_values(d: Any) -> None:
    """Refuse integers beyond +-2**63, non-finite floats and nesting over :data:`MAX_DEPTH` anywhere
    in the document, so no later conversion (float(), NumPy, Qt) meets them. Iterative: no recursion."""
    stack: list[tuple[Any, int]] = [(d, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, list):
            if depth >= MAX_DEPTH:
                raise _Bad(f"nests values more than {MAX_DEPTH} levels deep")
            stack.extend((x, depth + 1) for x in v if not isinstance(x, str | bool) and x is not None)
        elif isinstance(v, int) and not -MAX_INT <= v <= MAX_INT:
            raise _Bad(f"holds {_show(v)} at {_path_of(d, v)}; numbers in a project are at most 2**63")
        elif isinstance(v, float) and not math.isfinite(v):
            raise _Bad(f"holds {v!r} at {_path_of(d, v)}; numbers in a project must be finite")


def _path_of(d: Any, target: Any) -> str:
    """The JSON path of ``target`` (identity) in ``d``, for a message; only called on failure."""
    stack: list[tuple[Any, str]] = [(d, "")]
    while stack:
        v, path = stack.pop()
        if v is target:
            return path or "the top level"
        if isinstance(v, dict):
            stack.extend((x, f"{path}.{k}" if path else str(k)) for k, x in v.items())
        elif isinstance(v, list):
            stack.extend((x, f"{path}[{i}]") for i, x in enumerate(v))
    return "some value"


def clip_from_dict(d: Any, what: str = "clip") -> Clip:
    """The inverse of :func:`clip_to_dict`; raises ValueError naming the bad field (its JSON path)."""
    if not isinstance(d, dict):
        raise _Bad(f"{what} must be an object, not {_show(d)}")
    try:
        raw_notes = _list(d.get("notes", []), f"{what}.notes")
        if len(raw_notes) > MAX_CLIP_NOTES:
            raise _Bad(f"{what} holds {len(raw_notes):,} notes; a clip holds up to {MAX_CLIP_NOTES:,}")
        notes = []
        for k, n in enumerate(raw_notes):
            at = f"{what}.notes[{k}]"
            start, pitch, end, velocity = _list(n, at, 4)
            notes.append(Note(_int(start, f"{at} start", 0), _int(pitch, f"{at} pitch", 0, 127),
                              _int(end, f"{at} end", 0), _int(velocity, f"{at} velocity", 1, 127)))
        num, den = _list(d.get("time_signature", [4, 4]), f"{what}.time_signature", 2)
        channel = d.get("channel")
        tempo_changes = []
        for k, tc in enumerate(_list(d.get("tempo_changes", []), f"{what}.tempo_changes")):
            at = f"{what}.tempo_changes[{k}]"
            tick, bpm = _list(tc, at, 2)
            tempo_changes.append(TempoChange(_int(tick, f"{at} tick", 0), _num(bpm, f"{at} bpm", 1, 1000)))
        sig_changes = []
        for k, sc in enumerate(_list(d.get("time_signature_changes", []), f"{what}.time_signature_changes")):
            at = f"{what}.time_signature_changes[{k}]"
            tick, n, m = _list(sc, at, 3)
            sig_changes.append(TimeSignatureChange(
                _int(tick, f"{at} tick", 0), TimeSignature(_int(n, f"{at} numerator"), _int(m, f"{at} denominator"))))
        is_drum = d.get("is_drum", False)
        if not isinstance(is_drum, bool):
            raise _Bad(f"{what}.is_drum must be true or false, not {_show(is_drum)}")
        return Clip(
            notes=tuple(notes), ppq=_int(d.get("ppq", 480), f"{what}.ppq", 1, 32767),
            tempo=_num(d.get("tempo", 120.0), f"{what}.tempo", 1, 1000),
            time_signature=TimeSignature(_int(num, f"{what}.time_signature numerator"),
                                         _int(den, f"{what}.time_signature denominator")),
            name=_text(d.get("name", ""), f"{what}.name"),
            program=_int(d.get("program", 0), f"{what}.program", 0, 127), is_drum=is_drum,
            channel=None if channel is None else _int(channel, f"{what}.channel", 0, 15),
            length=_int(d.get("length", 0), f"{what}.length", 0),
            tempo_changes=tuple(tempo_changes), time_signature_changes=tuple(sig_changes),
        )
    except CoreError as exc:
        raise _Bad(f"{what}: {exc}") from None


# --- a clip's chord lane and key (optional keys: projects without them still open) -------------
MAX_CHORDS = 20_000


def harmony_to_dict(item: ClipItem) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.chords:
        out["chords"] = item.chords.to_data()
    if item.key is not None:
        out["key"] = str(item.key)
    return out


def harmony_from_dict(c: dict[str, Any], what: str) -> tuple[ChordTrack | None, Key | None]:
    chords = key = None
    if c.get("chords") is not None:
        raw = _list(c["chords"], f"{what}.chords")
        if len(raw) > MAX_CHORDS:
            raise _Bad(f"{what}.chords holds {len(raw):,} chords; a clip holds up to {MAX_CHORDS:,}")
        for j, e in enumerate(raw):
            e = _list(e, f"{what}.chords[{j}]", 3)
            _int(e[0], f"{what}.chords[{j}][0]", 0, 1 << 30)
            _int(e[1], f"{what}.chords[{j}][1]", 1, 1 << 30)
            _text(e[2], f"{what}.chords[{j}][2]")
        try:
            chords = ChordTrack.from_data(raw) or None
        except CoreError as exc:
            raise _Bad(f"{what}.chords: {exc}") from None
    if c.get("key") is not None:
        try:
            key = parse_key(_text(c["key"], f"{what}.key"))
        except CoreError as exc:
            raise _Bad(f"{what}.key: {exc}") from None
    return chords, key


# --- whole projects --------------------------------------------------------------------------
def project_to_dict(items: list[ClipItem] | tuple[ClipItem, ...], current: str | None,
                    latent: LatentState, playback: PlaybackChoice,
                    extra: dict[str, Any] | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "saved_by": f"latentcomposer {__version__}",
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "clips": [{"id": i.uid, "origin": i.origin, "source": i.source, "clip": clip_to_dict(i.clip),
                   **harmony_to_dict(i)} for i in items],
        "current": current, "latent": latent.to_dict(), "playback": playback.to_dict(),
    }
    if extra:
        d.update(extra)
    return d


def session_to_dict(session: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return project_to_dict(session.items, session.current_uid, session.latent, session.playback, extra)


def project_from_dict(d: Any, path: str | os.PathLike[str] | None = None) -> ProjectData:
    """Check ``d`` against the schema and build the project; raises only :class:`ProjectError`."""
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise ProjectError(path, "is not a latentcomposer project")
    version = d.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ProjectError(path, f"has an invalid format version {_show(version)}")
    if version > VERSION:
        raise ProjectError(path, f"was saved by a newer latentcomposer (project format {version}); "
                                 f"this version reads format {VERSION} and older. Please update.")
    try:
        check_json_values(d)
        while version < VERSION:
            d = MIGRATIONS[version](d)
            version += 1
        return _project(d)
    except ValueError as exc:
        text = str(exc)  # a message quoting a long value is cut: one line for the user
        raise ProjectError(path, f"is damaged: {text if len(text) <= 300 else text[:300] + '...'}") from None
    except (TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as exc:
        # the schema above should leave nothing for these; if it does, still a message, not a crash
        raise ProjectError(path, f"is damaged ({type(exc).__name__}: {str(exc)[:200]})") from None


def _project(d: dict[str, Any]) -> ProjectData:
    raw = _list(d.get("clips"), "clips")
    items, seen = [], set()
    total = 0
    for k, c in enumerate(raw):
        if not isinstance(c, dict):
            raise _Bad(f"clips[{k}] must be an object, not {_show(c)}")
        uid = c.get("id")
        if not isinstance(uid, str) or not uid or len(uid) > 200 or uid in seen:
            raise _Bad(f"clips[{k}].id must be unique, non-empty text (it is {_show(uid)})")
        seen.add(uid)
        origin = c.get("origin", "user")
        source = c.get("source", "")
        clip = clip_from_dict(c.get("clip"), f"clips[{k}].clip")
        total += len(clip.notes)
        if total > MAX_PROJECT_NOTES:
            raise _Bad(f"holds over {MAX_PROJECT_NOTES:,} notes in all; a project holds up to that")
        chords, key = harmony_from_dict(c, f"clips[{k}]")
        items.append(ClipItem(uid, clip, origin if origin in ORIGINS else "user",
                              source if isinstance(source, str) else "", chords, key))
    current = d.get("current")  # a stale or odd value only means "no current clip": not worth refusing
    latent = LatentState.from_dict(d.get("latent", {}))
    playback = PlaybackChoice.from_dict(d.get("playback", {}))
    meta: dict[str, Any] = {k: d[k] for k in ("saved_by", "saved_at", "autosave") if k in d}
    return ProjectData(items, current if isinstance(current, str) and current in seen else None,
                       latent, playback, meta)


def dumps(d: dict[str, Any]) -> str:
    return json.dumps(d, indent=1, allow_nan=False, ensure_ascii=False) + "\n"


def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write text to ``path`` via a temporary file in the same folder, fsync, rename."""
    try:
        return atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        raise ProjectError(path, f"cannot be written ({exc.strerror or exc})") from None


def save_project(path: str | os.PathLike[str], session: Any, extra: dict[str, Any] | None = None) -> Path:
    """Write ``session`` (a :class:`~latentcomposer.app.session.Session`) to ``path`` atomically."""
    try:
        text = dumps(session_to_dict(session, extra))
    except ValueError as exc:  # NaN in latent codes, ...
        raise ProjectError(path, f"cannot be saved: {exc}") from None
    return write_atomic(path, text)


def load_project(path: str | os.PathLike[str]) -> ProjectData:
    """Read a project file; raises only :class:`ProjectError`."""
    try:
        text = read_capped(path, MAX_BYTES, "a project file").decode("utf-8")
    except FileProblem as exc:
        raise ProjectError(path, f"is too large to be a project file ({exc.reason})" if exc.too_large
                           else exc.reason) from None
    except UnicodeDecodeError:
        raise ProjectError(path, "is not a latentcomposer project (not text)") from None
    return loads_project(text, path)


def loads_project(text: str, path: str | os.PathLike[str] | None = None) -> ProjectData:
    """:func:`load_project` for text already in memory; raises only :class:`ProjectError`."""
    try:
        d = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise ProjectError(path, f"is not a latentcomposer project (not valid JSON: {str(exc)[:200]})") from None
    return project_from_dict(d, path)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number a project can hold")


def apply_to_session(session: Any, data: ProjectData, path: Path | None, modified: bool = False) -> None:
    """Load ``data`` into ``session`` (clears its undo history)."""
    session.reset(data.items, data.current, data.latent, data.playback, path, modified=modified)
