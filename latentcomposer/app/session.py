"""`Session`: everything the user is working on, without Qt.

A session holds an ordered list of :class:`ClipItem` (each an immutable clip with a stable uid), the
current clip, the note selection in it, an undo stack of commands that swap clips, the latent-model
state and playback choices. The GUI listens (:meth:`Session.listen`) and calls the methods here; every
edit of music is an undoable command.

Change kinds sent to listeners (a set per event): ``"clips"`` (list, names or order changed),
``"clip"`` (the current clip's notes/fields changed), ``"current"`` (another clip became current),
``"selection"``, ``"latent"``, ``"playback"``, ``"undo"``, ``"modified"``, ``"path"``, ``"reset"``,
``"chords"`` (a clip's chord lane or set key changed; see :meth:`Session.set_chords`).

Interpolation slots (``latent.interpolation.slot_a`` / ``slot_b``) never name a clip that is not in the
session:

* removing a clip (Delete in the clip list, or undoing the step that added it) empties every slot
  holding it, as part of the same undoable command;
* bringing it back (undoing the delete, redoing the addition) puts it back into those slots, unless
  the user has filled a slot with another clip in the meantime (that later choice wins);
* :meth:`Session.reset` (New, Open Project, Recover) empties slots whose uid names no clip of the new
  session, so an old or hand-edited project file with a stale uid just shows an empty slot.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from latentcomposer.core import Clip, Note
from latentcomposer.core.chords import ChordTrack
from latentcomposer.core.harmony import Key

from . import editing
from .drum_lanes import DrumLanes, move_hits
from .state import ClipItem, LatentState, PlaybackChoice, new_uid
from .undo import Command, InsertClip, Macro, RemoveClip, ReplaceClip, Selection, SetHarmony, UndoStack

log = logging.getLogger(__name__)

Listener = Callable[[frozenset[str]], None]
DEFAULT_BARS = 4
SLOTS = ("a", "b")  # interpolation endpoints
CONTENT_KINDS = frozenset({"clips", "clip", "latent", "playback", "reset", "chords"})


def empty_clip(name: str = "Clip 1", bars: int = DEFAULT_BARS, tempo: float = 120.0) -> Clip:
    clip = Clip(name=name, tempo=tempo)
    return clip.copy(length=bars * clip.bar_ticks)


@dataclass
class Clipboard:
    notes: tuple[Note, ...] = ()
    ppq: int = 480
    drums: bool = False  # copied from a drum clip


class Session:
    """Clips + current clip + selection + undo history + latent state + playback choices."""

    def __init__(self, clips: Sequence[Clip] | None = None) -> None:
        self._listeners: list[Listener] = []
        self._pending: set[str] | None = None
        self._items: list[ClipItem] = []
        self._current: str = ""
        self._selection: Selection = frozenset()
        self.latent = LatentState()
        self.playback = PlaybackChoice()
        self.path: Path | None = None
        self.revision = 0  # bumps on every content change (autosave compares it)
        self._dirty = False  # changes outside the undo stack (latent, playback)
        self.clipboard = Clipboard()
        self.undo_stack = UndoStack(self)
        self.reset([ClipItem(new_uid(), c) for c in clips] if clips else None)

    # --- listening -----------------------------------------------------------------------------
    def listen(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback(kinds)`` after every change; returns a function that stops it."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _notify(self, *kinds: str) -> None:
        if self._pending is not None:
            self._pending.update(kinds)
            return
        if CONTENT_KINDS.intersection(kinds):
            self.revision += 1
        event = frozenset(kinds)
        for cb in list(self._listeners):
            cb(event)

    @contextlib.contextmanager
    def _batch(self) -> Iterator[None]:
        """Collect notifications and send them as one event at the end (nesting is fine)."""
        if self._pending is not None:
            yield
            return
        self._pending = set()
        try:
            yield
        finally:
            kinds, self._pending = self._pending, None
            if kinds:
                self._notify(*kinds)

    # --- reading -------------------------------------------------------------------------------
    @property
    def items(self) -> tuple[ClipItem, ...]:
        return tuple(self._items)

    @property
    def clips(self) -> tuple[Clip, ...]:
        return tuple(i.clip for i in self._items)

    @property
    def current_uid(self) -> str:
        return self._current

    @property
    def current(self) -> ClipItem:
        return self.item(self._current)

    @property
    def current_clip(self) -> Clip:
        return self.current.clip

    @property
    def current_index(self) -> int:
        return self.index_of(self._current)

    @property
    def selection(self) -> Selection:
        return self._selection

    @property
    def selected_notes(self) -> list[Note]:
        """The selected notes in time order."""
        return [n for n in self.current_clip.notes if n in self._selection]

    def has(self, uid: str) -> bool:
        return any(i.uid == uid for i in self._items)

    def item(self, uid: str) -> ClipItem:
        for i in self._items:
            if i.uid == uid:
                return i
        raise KeyError(f"no clip with id {uid!r}")

    def index_of(self, uid: str) -> int:
        for k, i in enumerate(self._items):
            if i.uid == uid:
                return k
        raise KeyError(f"no clip with id {uid!r}")

    @property
    def modified(self) -> bool:
        """Anything not yet saved to :attr:`path`."""
        return self._dirty or not self.undo_stack.is_clean

    @property
    def title(self) -> str:
        return self.path.stem if self.path else "Untitled"

    # --- whole-session operations --------------------------------------------------------------
    def reset(self, items: Sequence[ClipItem] | None = None, current: str | None = None,
              latent: LatentState | None = None, playback: PlaybackChoice | None = None,
              path: Path | None = None, modified: bool = False) -> None:
        """Replace everything (New, Open Project, Recover): clears the undo history."""
        with self._batch():
            self._items = list(items) if items else [ClipItem(new_uid(), empty_clip())]
            uids = [i.uid for i in self._items]
            if len(set(uids)) != len(uids):
                raise ValueError("clip ids in a session must be unique")
            self._current = current if current in uids else uids[0]
            self._selection = frozenset()
            self.latent = latent if latent is not None else LatentState()
            st = self.latent.interpolation
            for slot in SLOTS:  # a stale uid (an old project file) leaves the slot empty
                if getattr(st, f"slot_{slot}") not in uids:
                    setattr(st, f"slot_{slot}", None)
            self.playback = playback if playback is not None else PlaybackChoice()
            self.path = path
            self.undo_stack.clear()
            self._dirty = modified
            self._notify("reset", "clips", "clip", "current", "selection", "latent", "playback", "path",
                         "modified", "undo")

    def mark_saved(self, path: Path) -> None:
        self.path = Path(path)
        self._dirty = False
        self.undo_stack.set_clean()
        self._notify("path", "modified")

    def mark_modified(self) -> None:
        self._dirty = True
        self._notify("modified")

    # --- internal mutators (used by commands) --------------------------------------------------
    def _put_clip(self, uid: str, clip: Clip) -> None:
        k = self.index_of(uid)
        old = self._items[k]
        self._items[k] = old.with_clip(clip)
        kinds = ["clip"] if uid == self._current else []
        if old.clip.name != clip.name or uid != self._current:
            kinds.append("clips")
        self._notify(*kinds)

    def _put_harmony(self, uid: str, chords: ChordTrack | None, key: Key | None) -> None:
        k = self.index_of(uid)
        self._items[k] = self._items[k].with_harmony(chords, key)
        self._notify("chords")

    def _insert_item(self, index: int, item: ClipItem) -> None:
        self._items.insert(max(0, min(index, len(self._items))), item)
        self._notify("clips")

    def _remove_item(self, uid: str) -> int:
        """Remove clip ``uid`` (emptying the interpolation slots that hold it); returns its index."""
        k = self.index_of(uid)
        del self._items[k]
        if uid == self._current and self._items:
            self._focus(self._items[min(k, len(self._items) - 1)].uid, frozenset())
        self._clear_slots(uid)
        self._notify("clips")
        return k

    def _slots_holding(self, uid: str) -> tuple[str, ...]:
        st = self.latent.interpolation
        return tuple(slot for slot in SLOTS if getattr(st, f"slot_{slot}") == uid)

    def _clear_slots(self, uid: str) -> tuple[str, ...]:
        """Empty the interpolation slots holding ``uid``; returns which ("a", "b")."""
        slots = self._slots_holding(uid)
        for slot in slots:
            setattr(self.latent.interpolation, f"slot_{slot}", None)
        if slots:
            self._notify("latent")
        return slots

    def _restore_slots(self, uid: str, slots: Iterable[str]) -> None:
        """Put ``uid`` back into ``slots`` that are still empty (a slot filled since keeps its clip)."""
        st, changed = self.latent.interpolation, False
        for slot in slots:
            held = getattr(st, f"slot_{slot}")
            if self.has(uid) and (held is None or not self.has(held)):
                setattr(st, f"slot_{slot}", uid)
                changed = True
        if changed:
            self._notify("latent")

    def _focus(self, uid: str, selection: Selection) -> None:
        if uid != self._current:
            self._current = uid
            self._notify("current", "clip")
        self._set_selection(selection)

    def _set_selection(self, notes: Iterable[Note]) -> None:
        present = set(self.current_clip.notes)
        sel = frozenset(n for n in notes if n in present)
        if sel != self._selection:
            self._selection = sel
            self._notify("selection")

    # --- clip list (undoable) ------------------------------------------------------------------
    def push(self, command: Command) -> None:
        """Apply an undoable command (see :mod:`latentcomposer.app.undo`)."""
        self.undo_stack.push(command)

    def add_clip(self, clip: Clip, *, origin: str = "user", source: str = "", index: int | None = None,
                 label: str = "Add clip") -> ClipItem:
        """Add a clip (it becomes current). Undoable. Returns its item (``.uid`` names it)."""
        item = ClipItem(new_uid(), clip, origin, source)
        self.push(InsertClip(len(self._items) if index is None else index, item, label))
        return item

    def add_clips(self, clips: Sequence[Clip], *, origin: str = "user", source: str = "",
                  label: str = "Add clips", chords: ChordTrack | None = None) -> list[ClipItem]:
        """Several clips in one undo step; the first becomes current. ``chords``: the chord lane of each
        pitched clip (a file's chord track)."""
        items = [ClipItem(new_uid(), c, origin, source, None if c.is_drum else chords or None) for c in clips]
        if not items:
            return []
        n = len(self._items)
        cmds: list[Command] = [InsertClip(n + k, it, label, focus=k == 0) for k, it in enumerate(items)]
        self.push(Macro(label, cmds))
        return items

    def remove_clip(self, uid: str) -> None:
        """Delete a clip. The session always keeps one clip: deleting the last leaves an empty one."""
        self.item(uid)
        if len(self._items) == 1:
            fresh = ClipItem(new_uid(), empty_clip(tempo=self.current_clip.tempo))
            self.push(Macro("Delete clip", [InsertClip(1, fresh), RemoveClip(uid)]))
        else:
            self.push(RemoveClip(uid))

    def rename_clip(self, uid: str, name: str) -> None:
        name = name.strip()
        item = self.item(uid)
        if name and name != item.clip.name:
            sel = self._selection if uid == self._current else frozenset()
            self.push(ReplaceClip(uid, item.clip, item.clip.copy(name=name), "Rename clip", sel, sel))

    def duplicate_clip(self, uid: str) -> ClipItem:
        item = self.item(uid)
        copy = item.clip.copy(name=f"{item.clip.name} copy" if item.clip.name else "copy")
        new = ClipItem(new_uid(), copy, item.origin, item.source, item.chords, item.key)  # with its chords
        self.push(InsertClip(self.index_of(uid) + 1, new, "Duplicate clip"))
        return new

    def set_current(self, uid: str) -> None:
        """Show another clip (not an edit: no undo step)."""
        self.item(uid)
        self._focus(uid, frozenset() if uid != self._current else self._selection)

    # --- editing the current clip (undoable) ---------------------------------------------------
    def replace_clip(self, new: Clip, label: str, *, uid: str | None = None,
                     selection: Collection[Note] | None = None, merge_key: object | None = None) -> None:
        """Replace a clip (default: the current one) by ``new`` as one undoable step.

        ``selection``: the notes selected afterwards (default: none). Steps with the same
        ``merge_key`` in a row fold into one undo step (e.g. wheel velocity changes).
        """
        uid = uid or self._current
        old = self.item(uid).clip
        if new == old:
            return
        before = self._selection if uid == self._current else frozenset()
        self.push(ReplaceClip(uid, old, new, label, before, frozenset(selection or ()), merge_key))

    def edit(self, label: str, fn: Callable[[Clip, Selection], tuple[Clip, Selection]],
             merge_key: object | None = None, *, merge_duplicates: bool = False) -> None:
        """Apply one of :mod:`latentcomposer.app.editing`'s functions to the current clip undoably.

        ``merge_duplicates``: for edits that place notes (draw, move, paste, ...): a note that lands
        exactly on another (same pitch and start) is merged with it
        (:func:`~latentcomposer.app.editing.merge_duplicates`) in the same undo step.
        Raises :class:`~latentcomposer.app.editing.EditError` (nothing changes) when it cannot be done.
        """
        new, sel = fn(self.current_clip, self._selection)
        if merge_duplicates:
            new, sel = editing.merge_duplicates(new, sel)
        self.replace_clip(new, label, selection=sel, merge_key=merge_key)

    def add_notes(self, notes: Sequence[Note], label: str = "Add note") -> None:
        self.edit(label, lambda c, _s: editing.add_notes(c, notes), merge_duplicates=True)

    def delete_notes(self, notes: Collection[Note], label: str = "Delete notes") -> None:
        self.edit(label, lambda c, _s: editing.delete_notes(c, notes))

    def move_notes(self, notes: Collection[Note], dt: int, dp: int, label: str = "Move notes") -> None:
        self.edit(label, lambda c, _s: editing.move_notes(c, notes, dt, dp), merge_duplicates=True)

    def move_hits(self, notes: Collection[Note], ticks: int, rows: int, lanes: DrumLanes,
                  label: str = "Move notes") -> None:
        """Drum lane view: move hits by ``ticks`` and ``rows`` rows of ``lanes``."""
        self.edit(label, lambda c, _s: move_hits(c, notes, ticks, rows, lanes), merge_duplicates=True)

    def resize_notes(self, notes: Collection[Note], d_end: int, label: str = "Resize notes") -> None:
        self.edit(label, lambda c, _s: editing.resize_notes(c, notes, d_end))

    def delete_selection(self) -> None:
        self.edit("Delete notes", editing.delete_notes)

    def transpose_selection(self, semitones: int) -> None:
        """Transpose the selection (or the whole clip). Refused for drum clips (a pitch there is the
        instrument: a kick would become another drum); their hits move between lanes instead."""
        if self.current_clip.is_drum:
            raise editing.EditError(editing.DRUMS_NO_TRANSPOSE)
        notes = self._selection or frozenset(self.current_clip.notes)
        item = self.current
        if not self._selection and (item.chords or item.key is not None):  # the whole clip: its chords move too
            new, sel = editing.transpose_notes(item.clip, notes, semitones)
            new, sel = editing.merge_duplicates(new, sel)
            label = f"Transpose {semitones:+d}"
            harmony = (item.chords.transpose(semitones) if item.chords else None,
                       item.key.transpose(semitones) if item.key is not None else None)
            self.push(Macro(label, [ReplaceClip(item.uid, item.clip, new, label, self._selection, frozenset(sel)),
                                    SetHarmony(item.uid, (item.chords, item.key), harmony, label)]))
            return
        self.edit(f"Transpose {semitones:+d}", lambda c, _s: editing.transpose_notes(c, notes, semitones),
                  merge_duplicates=True)

    def quantize_selection(self, grid: int) -> None:
        notes = self._selection or frozenset(self.current_clip.notes)
        self.edit("Quantize", lambda c, _s: editing.quantize_notes(c, notes, grid), merge_duplicates=True)

    def duplicate_selection(self, grid: int) -> None:
        self.edit("Duplicate notes", lambda c, s: editing.duplicate_notes(c, s, grid), merge_duplicates=True)

    def set_velocity(self, notes: Collection[Note], velocity: int | Callable[[Note], float],
                     label: str = "Set velocity", merge_key: object | None = None) -> None:
        self.edit(label, lambda c, _s: editing.set_velocity(c, notes, velocity), merge_key)

    def set_tempo(self, bpm: float) -> None:
        clip = self.current_clip
        if abs(clip.tempo - bpm) > 1e-9:
            self.replace_clip(clip.copy(tempo=float(bpm)), "Change tempo", selection=self._selection,
                              merge_key=("tempo", self._current))

    # --- chords and key (undoable) -------------------------------------------------------------
    def set_chords(self, chords: ChordTrack | None, label: str = "Change chords", *, uid: str | None = None) -> None:
        """The chord lane of a clip (default: the current one); None or an empty track clears it."""
        item = self.item(uid or self._current)
        new = chords if chords else None
        if new != item.chords:
            self.push(SetHarmony(item.uid, (item.chords, item.key), (new, item.key), label))

    def set_key(self, key: Key | None, *, uid: str | None = None) -> None:
        """The key a clip is in (None: the key detected from its notes)."""
        item = self.item(uid or self._current)
        if key != item.key:
            label = f"Set key to {key}" if key is not None else "Use the detected key"
            self.push(SetHarmony(item.uid, (item.chords, item.key), (item.chords, key), label))

    # --- selection and clipboard (not undoable) ------------------------------------------------
    def select(self, notes: Iterable[Note], add: bool = False) -> None:
        self._set_selection(self._selection | frozenset(notes) if add else notes)

    def toggle_selected(self, note: Note) -> None:
        self._set_selection(self._selection ^ {note})

    def select_all(self) -> None:
        self._set_selection(self.current_clip.notes)

    def clear_selection(self) -> None:
        self._set_selection(())

    def copy_selection(self) -> int:
        if not self._selection:
            raise editing.EditError("no notes selected")
        self.clipboard = Clipboard(editing.relative_notes(self._selection), self.current_clip.ppq,
                                   self.current_clip.is_drum)
        return len(self.clipboard.notes)

    def cut_selection(self) -> int:
        n = self.copy_selection()
        self.edit("Cut notes", editing.delete_notes)
        return n

    def paste(self, at_tick: int) -> str | None:
        """Paste the clipboard at ``at_tick``. Returns a note for the status bar when melodic notes
        went into a drum clip or drum hits into a melodic one (they are kept as they are), else None."""
        cb = self.clipboard
        self.edit("Paste notes", lambda c, _s: editing.paste_notes(c, cb.notes, at_tick, cb.ppq),
                  merge_duplicates=True)
        return editing.paste_kind_note(cb.drums, self.current_clip.is_drum)

    # --- undo ----------------------------------------------------------------------------------
    def undo(self) -> bool:
        return self.undo_stack.undo()

    def redo(self) -> bool:
        return self.undo_stack.redo()

    # --- latent and playback state (saved with the project, not undoable) ----------------------
    def update_latent(self, edit: bool = True, **changes: Any) -> None:
        """Change fields of :attr:`latent` (``model``, ``codes``, ``sliders``, ``interpolation``, ``panel``,
        ``extra``). ``edit=False``: the change follows from something the user did not do to the music
        (a model was loaded, a clip encoded): the project stores it, but the session does not become
        "modified" by it."""
        for key, value in changes.items():
            if not hasattr(self.latent, key):
                raise AttributeError(f"LatentState has no field {key!r}")
            setattr(self.latent, key, value)
        if edit:
            self._dirty = True
            self._notify("latent", "modified")
        else:
            self._notify("latent")

    def set_slot(self, slot: str, uid: str | None) -> None:
        """Put a clip in interpolation slot ``"a"`` or ``"b"`` (None empties it)."""
        if slot not in SLOTS:
            raise ValueError("slot must be 'a' or 'b'")
        if uid is not None:
            self.item(uid)
        setattr(self.latent.interpolation, f"slot_{slot}", uid)
        self._dirty = True
        self._notify("latent", "clips", "modified")

    def slot_clips(self) -> tuple[Clip, Clip] | None:
        """The clips in interpolation slots A and B, or None unless both hold a clip."""
        st = self.latent.interpolation
        if not (st.slot_a and st.slot_b and self.has(st.slot_a) and self.has(st.slot_b)):
            return None
        return self.item(st.slot_a).clip, self.item(st.slot_b).clip

    def update_playback(self, **changes: Any) -> None:
        for key, value in changes.items():
            if not hasattr(self.playback, key):
                raise AttributeError(f"PlaybackChoice has no field {key!r}")
            setattr(self.playback, key, value)
        self._dirty = True
        self._notify("playback", "modified")
