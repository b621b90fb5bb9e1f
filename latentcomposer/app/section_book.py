"""Sections inside a session (issue 24): which clips of the clip list make a section, without Qt.

A section's tracks are ordinary clips of the session (one per stream), so the piano roll edits the
selected track as any clip, with undo, and the clip list shows them. What ties them together is a
:class:`SectionRef` (the section's name and ``{stream: clip uid}``), kept in the session's
``latent.extra["sections"]`` so a project file stores it. A track's GM program and MIDI channel are
its clip's own ``program`` and ``channel``.

Invariants:

* a ref is *live* while every clip it names is in the session; undoing the step that added a
  section's clips leaves its ref dead (not listed), redoing brings it back;
* every change of music is one undoable session command: opening or adding a section
  (:func:`add_section`), replacing its tracks (:func:`replace_tracks`: regenerate, decode), a track's
  instrument or channel (:func:`set_program`, :func:`set_channel`);
* :func:`build` gives the immutable :class:`~.section.Section` the latent tools and export read.

A section may also have a **drum part** (:attr:`SectionRef.drums`, a drum clip of the session on
channel 10, added by :func:`set_drums`): it plays and exports with the section, the roll shows it, but
it is not one of the model's streams, so a section stays live without it and the model tools never
read it. :func:`play_clips` is what playback and the WAV render play.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from latentcomposer.core import DRUM_CHANNEL, Clip
from latentcomposer.data.trio_codec import TRIO, MultiStreamCodec

from .section import Section, SectionTrack
from .session import Session
from .state import ClipItem, new_uid
from .undo import Command, InsertClip, Macro, ReplaceClip

KEY = "sections"  # in session.latent.extra
DRUMS = "drums"  # the drum part's name where a stream's name goes (stream_of, clip_uid, select)


@dataclass(frozen=True)
class SectionRef:
    uid: str
    name: str
    tracks: tuple[tuple[str, str], ...]  # (stream, clip uid), in the codec's stream order
    source: str = ""
    drums: str = ""  # the drum part's clip uid ("": none; not live when the session lacks it)

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(s for s, _ in self.tracks)

    def clip_uid(self, stream: str) -> str:
        for s, uid in self.parts:
            if s == stream:
                return uid
        raise KeyError(f"section '{self.name}' has no {stream} track")

    @property
    def parts(self) -> tuple[tuple[str, str], ...]:
        """The tracks, then ``("drums", uid)`` when the section has a drum part."""
        return self.tracks + (((DRUMS, self.drums),) if self.drums else ())

    def stream_of(self, clip_uid: str) -> str | None:
        return next((s for s, uid in self.parts if uid == clip_uid), None)

    def to_dict(self) -> dict[str, Any]:
        out = {"uid": self.uid, "name": self.name, "tracks": [list(t) for t in self.tracks], "source": self.source}
        return out | ({"drums": self.drums} if self.drums else {})

    @classmethod
    def from_dict(cls, d: Any) -> SectionRef | None:
        """None for anything malformed (a hand-edited project): the clips stay, the grouping goes."""
        try:
            tracks = tuple((str(s), str(u)) for s, u in d["tracks"])
            return cls(str(d["uid"]), str(d["name"]), tracks, str(d.get("source", "")), str(d.get("drums", "")))
        except (KeyError, TypeError, ValueError):
            return None


def _all_refs(session: Session) -> list[SectionRef]:
    raw = session.latent.extra.get(KEY, [])
    refs = [SectionRef.from_dict(d) for d in raw] if isinstance(raw, list) else []
    return [r for r in refs if r is not None]


def refs(session: Session) -> list[SectionRef]:
    """The live sections, in the order they were added."""
    return [r for r in _all_refs(session) if all(session.has(uid) for _, uid in r.tracks)]


def find(session: Session, uid: str) -> SectionRef | None:
    return next((r for r in refs(session) if r.uid == uid), None)


def holding(session: Session, clip_uid: str) -> SectionRef | None:
    """The live section one of whose tracks (or its drum part) is clip ``clip_uid`` (None: a plain clip)."""
    return next((r for r in refs(session) if r.stream_of(clip_uid) is not None), None)


def section_model_part(session: Session, codec: object, clip: Clip) -> bool:
    """Whether ``clip`` is the current clip, a part of a section, and ``codec`` (the loaded model's)
    writes sections: then the clip's own latent tools leave that model loaded (a one-part model would
    take the section tools' model away) and do not encode the part alone (the model reads it only with
    the other parts: the Section panel's Encode)."""
    return (isinstance(codec, MultiStreamCodec) and clip is session.current_clip
            and holding(session, session.current_uid) is not None)


def drums_of(session: Session, ref: SectionRef) -> Clip | None:
    """The section's drum part (None: it has none, or its clip was removed)."""
    return session.item(ref.drums).clip if ref.drums and session.has(ref.drums) else None


def play_clips(session: Session) -> list[Clip]:
    """What playback plays: the current clip first (its ppq and tempo lead), then, when it belongs to
    a section, the section's other parts (drums included), each with its own program and channel."""
    current = session.current_clip
    ref = holding(session, session.current_uid)
    if ref is None:
        return [current]
    others = [uid for _s, uid in ref.parts if uid != session.current_uid and session.has(uid)]
    return [current, *(session.item(uid).clip for uid in others)]


def build(session: Session, ref: SectionRef, codec: MultiStreamCodec = TRIO) -> Section:
    """The section as the latent tools and export read it: each track's clip, program and channel
    from the session; the selected stream is the current clip's when it is one of the tracks."""
    tracks = []
    for spec in codec.specs:
        clip = session.item(ref.clip_uid(spec.name)).clip
        ch = clip.channel
        channel = ch if ch is not None and 0 <= ch <= 15 and ch != 9 else spec.channel
        tracks.append(SectionTrack(spec.name, clip, clip.program, channel))
    tempo = tracks[0].clip.tempo
    selected = ref.stream_of(session.current_uid) or codec.streams[0]
    return Section(ref.uid, ref.name, tuple(tracks), tempo, selected, ref.source, drums_of(session, ref))


def track_label(section_name: str, codec: MultiStreamCodec, stream: str) -> str:
    return f"{section_name} · {codec.spec(stream).label}"


def _items(section: Section, codec: MultiStreamCodec, origin: str) -> list[ClipItem]:
    return [ClipItem(new_uid(), t.playable.copy(name=track_label(section.name, codec, t.stream)), origin,
                     section.source) for t in section.tracks]


def _store(session: Session, all_refs: Sequence[SectionRef], edit: bool = True) -> None:
    extra = dict(session.latent.extra)
    extra[KEY] = [r.to_dict() for r in all_refs]
    session.update_latent(edit=edit, extra=extra)


def add_section(session: Session, section: Section, codec: MultiStreamCodec = TRIO, *, origin: str = "generated",
                label: str = "Add section", replace_session: bool = False) -> SectionRef:
    """The section's tracks as new clips (one undo step; its selected track becomes current) and its
    ref. ``replace_session``: they replace the session's clips (a fresh, untouched session)."""
    items = _items(section, codec, origin)
    ref = SectionRef(new_uid(), section.name, tuple((t.stream, i.uid) for t, i in zip(section.tracks, items,
                                                                                         strict=True)),
                     section.source)
    selected = ref.clip_uid(section.selected) if section.selected in ref.streams else items[0].uid
    if replace_session:
        session.reset(items, current=selected)
        _store(session, [ref], edit=False)
        return ref
    n = len(session.items)
    cmds: list[Command] = [InsertClip(n + k, it, label, focus=it.uid == selected) for k, it in enumerate(items)]
    _store(session, [*_all_refs(session), ref])  # first: when its clips arrive (and one becomes current),
    session.push(Macro(label, cmds))  # listeners already see them as a section
    return ref


class KeepCurrent(Command):
    """Back on the clip the roll showed (a :class:`ReplaceClip` makes the clip it replaces current):
    first and last in a macro, so that redo and undo both end on it."""

    def __init__(self, uid: str, selection: frozenset[Any], label: str) -> None:
        self.uid, self.selection, self.label = uid, selection, label

    def redo(self, session: Session) -> None:
        if session.has(self.uid):
            session._focus(self.uid, self.selection)

    def undo(self, session: Session) -> None:
        self.redo(session)


def replace_tracks(session: Session, ref: SectionRef, clips: Mapping[str, Clip], label: str) -> None:
    """New clips for some of the section's tracks as one undo step; each keeps its clip's name,
    program, channel and time signature (what the section has), the notes and length are the new clip's.
    The roll stays on the part it showed (keep the melody, regenerate the rest: the melody stays in the
    roll), on redo and on undo."""
    cmds: list[Command] = []
    for stream, clip in clips.items():
        uid = ref.clip_uid(stream)
        old = session.item(uid).clip
        new = clip.copy(name=old.name, program=old.program, channel=old.channel, is_drum=False,
                        time_signature=old.time_signature, time_signature_changes=old.time_signature_changes)
        if new != old:
            cmds.append(ReplaceClip(uid, old, new, label))
    if cmds:
        keep = KeepCurrent(session.current_uid, session.selection, label)
        session.push(Macro(label, [keep, *cmds, keep]))


def set_program(session: Session, ref: SectionRef, stream: str, program: int) -> None:
    if not 0 <= program <= 127:
        raise ValueError(f"GM program {program} is outside 0-127")
    _set_part(session, ref, stream, "Change instrument", program=program)


def set_channel(session: Session, ref: SectionRef, stream: str, channel: int) -> None:
    """``channel`` 0-15, not 9 (channel 10 is the drums)."""
    if not 0 <= channel <= 15 or channel == 9:
        raise ValueError(f"channel {channel + 1} must be 1-16 and not 10 (drums)")
    _set_part(session, ref, stream, "Change channel", channel=channel)


def _set_part(session: Session, ref: SectionRef, stream: str, label: str, **change: int) -> None:
    """One undoable change of a part's clip fields (``program`` / ``channel``); nothing when unchanged."""
    uid = ref.clip_uid(stream)
    clip = session.item(uid).clip
    if any(getattr(clip, k) != v for k, v in change.items()):
        session.replace_clip(clip.copy(**change), label, uid=uid,
                             selection=session.selection if uid == session.current_uid else None)


def set_drums(session: Session, ref: SectionRef, clip: Clip, label: str = "Add drums") -> SectionRef:
    """Give the section ``clip`` as its drum part (channel 10), one undo step: a new clip beside its
    tracks, or the existing drum part replaced. Returns the updated ref."""
    drums = clip.copy(name=f"{ref.name} · Drums", is_drum=True, channel=DRUM_CHANNEL)
    if ref.drums and session.has(ref.drums):
        old = session.item(ref.drums).clip
        session.push(Macro(label, [ReplaceClip(ref.drums, old, drums.copy(name=old.name), label)]))
        return ref
    last = max(session.index_of(uid) for _s, uid in ref.tracks if session.has(uid))
    item = ClipItem(new_uid(), drums, "drumify", f"drums for section '{ref.name}'")
    session.push(Macro(label, [InsertClip(last + 1, item, label, focus=False)]))
    new = replace(ref, drums=item.uid)
    _store(session, [new if r.uid == ref.uid else r for r in _all_refs(session)])
    return new


def select(session: Session, ref: SectionRef, stream: str) -> None:
    """Make the stream's track the roll's (current) clip: not an edit, no undo step."""
    session.set_current(ref.clip_uid(stream))
