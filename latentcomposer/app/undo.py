"""Undoable commands and the undo stack.

Clips are immutable, so a command simply swaps one clip value for another (or inserts/removes a clip
item) and undo swaps it back. Commands act on a :class:`~latentcomposer.app.session.Session` through its
small internal mutators (``_put_clip``, ``_insert_item``, ``_remove_item``, ``_focus``, and
``_slots_holding`` / ``_restore_slots`` for the interpolation slots of a removed clip); the session
batches the change notifications of one command into one event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from latentcomposer.core import Clip, Note
from latentcomposer.core.chords import ChordTrack
from latentcomposer.core.harmony import Key

if TYPE_CHECKING:
    from .session import ClipItem, Session

Selection = frozenset[Note]


class Command:
    """One undoable step. ``label`` names it in the Edit menu ("Undo Move notes")."""

    label: str = ""
    merge_key: object | None = None

    def redo(self, session: Session) -> None:
        raise NotImplementedError

    def undo(self, session: Session) -> None:
        raise NotImplementedError

    def absorb(self, other: Command) -> bool:
        """Fold ``other`` (already applied) into this command; True if it did."""
        return False


class ReplaceClip(Command):
    """Swap the clip of item ``uid`` (``before`` → ``after``), restoring the note selection on undo."""

    def __init__(self, uid: str, before: Clip, after: Clip, label: str,
                 sel_before: Selection = frozenset(), sel_after: Selection = frozenset(),
                 merge_key: object | None = None) -> None:
        self.uid, self.before, self.after = uid, before, after
        self.label = label
        self.sel_before, self.sel_after = sel_before, sel_after
        self.merge_key = merge_key

    def redo(self, session: Session) -> None:
        session._put_clip(self.uid, self.after)
        session._focus(self.uid, self.sel_after)

    def undo(self, session: Session) -> None:
        session._put_clip(self.uid, self.before)
        session._focus(self.uid, self.sel_before)

    def absorb(self, other: Command) -> bool:
        if not isinstance(other, ReplaceClip) or other.uid != self.uid:
            return False
        self.after, self.sel_after = other.after, other.sel_after
        return True


class SetHarmony(Command):
    """Swap the chord lane and the set key of item ``uid`` (``before`` -> ``after``: (chords, key))."""

    def __init__(self, uid: str, before: tuple[ChordTrack | None, Key | None],
                 after: tuple[ChordTrack | None, Key | None], label: str) -> None:
        self.uid, self.before, self.after, self.label = uid, before, after, label

    def redo(self, session: Session) -> None:
        session._put_harmony(self.uid, *self.after)

    def undo(self, session: Session) -> None:
        session._put_harmony(self.uid, *self.before)


class InsertClip(Command):
    """Insert a clip item at ``index`` and (with ``focus``) make it current."""

    def __init__(self, index: int, item: ClipItem, label: str = "Add clip", focus: bool = True) -> None:
        self.index, self.item, self.label, self.focus = index, item, label, focus
        self._previous: str | None = None
        self._slots: tuple[str, ...] = ()  # interpolation slots it held when undone

    def redo(self, session: Session) -> None:
        self._previous = session.current_uid
        session._insert_item(self.index, self.item)
        session._restore_slots(self.item.uid, self._slots)
        if self.focus:
            session._focus(self.item.uid, frozenset())

    def undo(self, session: Session) -> None:
        self._slots = session._slots_holding(self.item.uid)
        session._remove_item(self.item.uid)
        if self.focus and self._previous is not None and session.has(self._previous):
            session._focus(self._previous, frozenset())


class RemoveClip(Command):
    """Remove clip item ``uid``; the neighbour becomes current and the interpolation slots holding it
    empty. Undo puts it back where it was, and back into those slots if they are still empty."""

    def __init__(self, uid: str, label: str = "Delete clip") -> None:
        self.uid, self.label = uid, label
        self._index = -1
        self._item: ClipItem | None = None
        self._was_current = False
        self._slots: tuple[str, ...] = ()

    def redo(self, session: Session) -> None:
        self._was_current = session.current_uid == self.uid
        self._item = session.item(self.uid)
        self._slots = session._slots_holding(self.uid)
        self._index = session._remove_item(self.uid)

    def undo(self, session: Session) -> None:
        assert self._item is not None
        session._insert_item(self._index, self._item)
        session._restore_slots(self.uid, self._slots)
        if self._was_current:
            session._focus(self.uid, frozenset())


class Macro(Command):
    """Several commands as one step (undone in reverse order)."""

    def __init__(self, label: str, commands: Sequence[Command]) -> None:
        self.label, self.commands = label, list(commands)

    def redo(self, session: Session) -> None:
        for cmd in self.commands:
            cmd.redo(session)

    def undo(self, session: Session) -> None:
        for cmd in reversed(self.commands):
            cmd.undo(session)


class UndoStack:
    """A linear history of commands with a "clean" (saved) position.

    ``push`` applies the command. A command whose ``merge_key`` equals the top command's (e.g. several
    mouse-wheel velocity steps) folds into it, unless the top is the saved state.
    """

    def __init__(self, session: Session, limit: int = 1000) -> None:
        self._session = session
        self._commands: list[Command] = []
        self._index = 0  # commands [0, index) are applied
        self._clean: int | None = 0
        self.limit = limit
        self.on_change: Callable[[], None] | None = None

    # --- state -------------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._commands)

    @property
    def undo_label(self) -> str:
        return self._commands[self._index - 1].label if self.can_undo else ""

    @property
    def redo_label(self) -> str:
        return self._commands[self._index].label if self.can_redo else ""

    @property
    def index(self) -> int:
        return self._index

    def __len__(self) -> int:
        return len(self._commands)

    @property
    def is_clean(self) -> bool:
        return self._clean == self._index

    def set_clean(self) -> None:
        self._clean = self._index
        self._changed()

    def labels(self) -> list[str]:
        return [c.label for c in self._commands]

    # --- operations ----------------------------------------------------------------------------
    def push(self, cmd: Command) -> None:
        with self._session._batch():
            self._push(cmd)

    def _push(self, cmd: Command) -> None:
        cmd.redo(self._session)
        del self._commands[self._index:]
        if self._clean is not None and self._clean > self._index:
            self._clean = None  # the saved state was in the discarded redo branch
        top = self._commands[-1] if self._commands else None
        if (top is not None and cmd.merge_key is not None and top.merge_key == cmd.merge_key
                and self._clean != self._index and top.absorb(cmd)):
            self._changed()
            return
        self._commands.append(cmd)
        self._index += 1
        if len(self._commands) > self.limit:
            drop = len(self._commands) - self.limit
            del self._commands[:drop]
            self._index -= drop
            if self._clean is not None:
                self._clean = self._clean - drop if self._clean >= drop else None
        self._changed()

    def undo(self) -> bool:
        if not self.can_undo:
            return False
        self._index -= 1
        with self._session._batch():
            self._commands[self._index].undo(self._session)
            self._changed()
        return True

    def redo(self) -> bool:
        if not self.can_redo:
            return False
        with self._session._batch():
            self._commands[self._index].redo(self._session)
            self._index += 1
            self._changed()
        return True

    def clear(self) -> None:
        self._commands.clear()
        self._index = 0
        self._clean = 0
        self._changed()

    def _changed(self) -> None:
        self._session._notify("undo", "modified")
        if self.on_change:
            self.on_change()
