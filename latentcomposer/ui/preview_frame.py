"""Frame a preview in the piano roll: scroll (and zoom) so its notes are in view.

A preview that lands outside the view reads as "nothing happened" (issue 27, defect 3): a density
shift of -2.5 moved the notes above the visible keys; a 16-bar Bars result was shown zoomed to 3 bars;
a fresh Sample ran off the top. :class:`PreviewFramer` moves the roll's view to the preview when it
arrives, unless the user is editing there (a gesture in progress on the note grid, or a press on it
within :data:`EDITING_GRACE_S`): then the view stays where the user put it.

Rules, horizontally: a preview of at most :data:`FIT_MAX_BARS` bars that does not fit the visible span
is shown whole (zoom out); one that fits but is scrolled out is scrolled in. Longer previews only make
sure their first notes are visible. Vertically (pitch view): the preview's pitch range is centred when
any of it is off screen, and the rows shrink (down to the roll's minimum) when the range is taller than
the view. The drum lane view shows all lanes already and is not moved vertically.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject

from latentcomposer.core import Clip

from .piano_roll.view import MAX_KEY_H, MAX_PX_PER_BEAT, MIN_KEY_H, MIN_PX_PER_BEAT

if TYPE_CHECKING:
    from .piano_roll import PianoRoll

EDITING_GRACE_S = 2.0  # after a press on the note grid, previews leave the view alone this long
FIT_MAX_BARS = 64  # longer previews are not zoomed out to fit (the notes would be specks)
MARGIN_ROWS = 2  # free rows kept above and below the preview's pitch range


class PreviewFramer(QObject):
    """Watches the roll's note grid for editing; :meth:`frame` moves the view to a preview."""

    def __init__(self, roll: PianoRoll) -> None:
        super().__init__(roll)
        self.roll = roll
        self.last_press = float("-inf")
        self.framed = 0  # how many times the view was moved (tests, benchmarks)
        roll.canvas.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            self.last_press = time.monotonic()
        return False

    def user_editing(self) -> bool:
        """A gesture on the note grid is under way or has just been made."""
        return self.roll.canvas.drag is not None or time.monotonic() - self.last_press < EDITING_GRACE_S

    def frame(self, clip: Clip) -> bool:
        """Move the view so ``clip``'s notes are visible; False when nothing moved (already in view,
        no notes, or the user is editing)."""
        if not clip.notes or self.user_editing():
            return False
        v = self.roll.view
        before = (v.px_per_beat, v.key_height, v.scroll_x, v.scroll_y)
        self._frame_x(clip)
        if v.lanes is None:
            self._frame_y(clip)
        moved = before != (v.px_per_beat, v.key_height, v.scroll_x, v.scroll_y)
        if moved:
            self.framed += 1
            v.changed.emit()
        return moved

    def _frame_x(self, clip: Clip) -> None:
        v = self.roll.view
        scale = v.ppq / clip.ppq
        first = min(n.start for n in clip.notes) * scale
        last = max(n.end for n in clip.notes) * scale
        end = max(last, clip.end_tick * scale)
        t0, t1 = v.visible_ticks()
        if first >= t0 - 1 and last <= t1 + 1:
            return
        bars = end / max(1, clip.bar_ticks * scale)
        if bars <= FIT_MAX_BARS and end > t1 - t0:
            v.px_per_beat = min(MAX_PX_PER_BEAT, max(MIN_PX_PER_BEAT, v.viewport_w * 0.95 * v.ppq / end))
            v.set_scroll(x=0.0)
        elif end <= t1 - t0:
            v.set_scroll(x=0.0)
        elif not (t0 <= first <= t1):
            v.set_scroll(x=first * v.px_per_tick - v.viewport_w * 0.05)

    def _frame_y(self, clip: Clip) -> None:
        v = self.roll.view
        lo = min(n.pitch for n in clip.notes)
        hi = max(n.pitch for n in clip.notes)
        top, bottom = v.pitch_to_y(hi), v.pitch_to_y(lo) + v.row_height
        if top >= 0 and bottom <= v.viewport_h:
            return
        rows = hi - lo + 1 + 2 * MARGIN_ROWS
        if rows * v.key_height > v.viewport_h:
            v.key_height = min(MAX_KEY_H, max(MIN_KEY_H, v.viewport_h / rows))
        mid = (lo + hi + 1) / 2
        v.set_scroll(y=(127.5 - mid) * v.key_height - v.viewport_h / 2)
