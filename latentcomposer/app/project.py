"""Project files (``.lcproj``): JSON with the clips embedded, and a versioned schema.

Layout (version 1)::

    {"format": "latentcomposer-project", "version": 1, "saved_by": "latentcomposer 0.1.0",
     "saved_at": "2024-05-01T12:00:00+00:00",
     "clips": [{"id": "3f2a...", "origin": "imported", "source": "song.mid, track 2",
                "clip": {"name": ..., "ppq": 480, "tempo": 120.0, "time_signature": [4, 4],
                         "program": 0, "is_drum": false, "channel": null, "length": 7680,
                         "tempo_changes": [[tick, bpm], ...],
                         "time_signature_changes": [[tick, numerator, denominator], ...],
                         "notes": [[start, pitch, end, velocity], ...]}}, ...],
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
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from latentcomposer import __version__
from latentcomposer.core import Clip, CoreError, Note, TempoChange, TimeSignature, TimeSignatureChange
from latentcomposer.io.atomic import atomic_write_bytes
from latentcomposer.io.files import FileProblem, read_capped

from .state import ORIGINS, ClipItem, LatentState, PlaybackChoice

FORMAT = "latentcomposer-project"
VERSION = 1
SUFFIX = ".lcproj"
MAX_BYTES = 256 * 1024 * 1024

# version -> function upgrading a dict of that version to version + 1
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class ProjectError(Exception):
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


def _int(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{what} must be an integer, not {v!r}")
    return v


def clip_from_dict(d: Any, what: str = "clip") -> Clip:
    """The inverse of :func:`clip_to_dict`; raises ValueError naming the bad field."""
    if not isinstance(d, dict):
        raise ValueError(f"{what} must be an object")
    try:
        ts = d.get("time_signature", [4, 4])
        notes = d.get("notes", [])
        if not isinstance(notes, list):
            raise ValueError(f"{what}.notes must be a list")
        out = []
        for k, n in enumerate(notes):
            if not isinstance(n, list) or len(n) != 4:
                raise ValueError(f"{what}.notes[{k}] must be [start, pitch, end, velocity]")
            out.append(Note(*(_int(v, f"{what}.notes[{k}]") for v in n)))
        name = d.get("name", "")
        if not isinstance(name, str):
            raise ValueError(f"{what}.name must be text")
        tempo = d.get("tempo", 120.0)
        if isinstance(tempo, bool) or not isinstance(tempo, int | float):
            raise ValueError(f"{what}.tempo must be a number")
        channel = d.get("channel")
        return Clip(
            notes=tuple(out), ppq=_int(d.get("ppq", 480), f"{what}.ppq"), tempo=float(tempo),
            time_signature=TimeSignature(_int(ts[0], f"{what}.time_signature"),
                                         _int(ts[1], f"{what}.time_signature")),
            name=name, program=_int(d.get("program", 0), f"{what}.program"),
            is_drum=bool(d.get("is_drum", False)),
            channel=None if channel is None else _int(channel, f"{what}.channel"),
            length=_int(d.get("length", 0), f"{what}.length"),
            tempo_changes=tuple(TempoChange(_int(t, f"{what}.tempo_changes"), float(b))
                                for t, b in d.get("tempo_changes", [])),
            time_signature_changes=tuple(
                TimeSignatureChange(_int(t, f"{what}.time_signature_changes"), TimeSignature(n, m))
                for t, n, m in d.get("time_signature_changes", [])),
        )
    except CoreError as exc:
        raise ValueError(f"{what}: {exc}") from None
    except (TypeError, IndexError) as exc:
        raise ValueError(f"{what} is malformed ({exc})") from None


# --- whole projects --------------------------------------------------------------------------
def project_to_dict(items: list[ClipItem] | tuple[ClipItem, ...], current: str | None,
                    latent: LatentState, playback: PlaybackChoice,
                    extra: dict[str, Any] | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "saved_by": f"latentcomposer {__version__}",
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "clips": [{"id": i.uid, "origin": i.origin, "source": i.source, "clip": clip_to_dict(i.clip)}
                  for i in items],
        "current": current, "latent": latent.to_dict(), "playback": playback.to_dict(),
    }
    if extra:
        d.update(extra)
    return d


def session_to_dict(session: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return project_to_dict(session.items, session.current_uid, session.latent, session.playback, extra)


def project_from_dict(d: Any, path: str | os.PathLike[str] | None = None) -> ProjectData:
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise ProjectError(path, "is not a latentcomposer project")
    version = d.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ProjectError(path, f"has an invalid format version {version!r}")
    if version > VERSION:
        raise ProjectError(path, f"was saved by a newer latentcomposer (project format {version}); "
                                 f"this version reads format {VERSION} and older. Please update.")
    while version < VERSION:
        d = MIGRATIONS[version](d)
        version += 1
    try:
        raw = d.get("clips")
        if not isinstance(raw, list):
            raise ValueError("clips must be a list")
        items, seen = [], set()
        for k, c in enumerate(raw):
            if not isinstance(c, dict):
                raise ValueError(f"clips[{k}] must be an object")
            uid = c.get("id")
            if not isinstance(uid, str) or not uid or uid in seen:
                raise ValueError(f"clips[{k}].id must be unique text")
            seen.add(uid)
            origin = c.get("origin", "user")
            if origin not in ORIGINS:
                origin = "user"
            source = c.get("source", "")
            items.append(ClipItem(uid, clip_from_dict(c.get("clip"), f"clips[{k}].clip"), origin,
                                  source if isinstance(source, str) else ""))
        current = d.get("current")
        latent = LatentState.from_dict(d.get("latent", {}))
        playback = PlaybackChoice.from_dict(d.get("playback", {}))
    except ValueError as exc:
        raise ProjectError(path, f"is damaged: {exc}") from None
    meta = {k: d[k] for k in ("saved_by", "saved_at", "autosave") if k in d}
    return ProjectData(items, current if current in seen else None, latent, playback, meta)


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
        raise ProjectError(path, "is too large to be a project file" if exc.too_large else exc.reason) from None
    except UnicodeDecodeError:
        raise ProjectError(path, "is not a latentcomposer project (not text)") from None
    try:
        d = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProjectError(path, f"is not a latentcomposer project (not valid JSON: {exc})") from None
    return project_from_dict(d, path)


def apply_to_session(session: Any, data: ProjectData, path: Path | None, modified: bool = False) -> None:
    """Load ``data`` into ``session`` (clears its undo history)."""
    session.reset(data.items, data.current, data.latent, data.playback, path, modified=modified)
