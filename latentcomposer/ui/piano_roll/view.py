"""`RollView`: the state the piano roll's parts share — zoom, scroll, tool, snap, playhead, loop.

Coordinates: x = tick * px_per_tick - scroll_x; y = row * row_height - scroll_y, where rows count
from the top and a row map turns pitches into rows and back. In the normal (pitch) view the map is
the keyboard: row = 127 - pitch, ``row_height`` = ``key_height``. In the drum lane view (``lanes``
set, see :mod:`latentcomposer.app.drum_lanes`) the rows are the drum lanes, ``row_height`` =
``lane_height``. Every part (keyboard or lane header, ruler, note grid, velocity lane) paints and
hit-tests through :meth:`pitch_to_y` / :meth:`y_to_pitch` / :meth:`note_span`, so they always line
up and share one code path in both views.
"""

from __future__ import annotations

import bisect
import math

from PySide6.QtCore import QObject, Signal

from latentcomposer.app.drum_lanes import DrumLanes
from latentcomposer.app.editing import SNAP_DIVISIONS, grid_ticks
from latentcomposer.core import Clip, Note

TOOLS = ("select", "draw", "erase")
MIN_PX_PER_BEAT, MAX_PX_PER_BEAT = 4.0, 1200.0
MIN_KEY_H, MAX_KEY_H = 4.0, 40.0
MIN_LANE_H, MAX_LANE_H = 10.0, 40.0
FIT_LANE_H = (16.0, 36.0)  # the row height a drum clip is shown at first: fills the view within this
N_PITCHES = 128


class RollView(QObject):
    """Zoom/scroll plus tool, snap, playhead and loop; ``changed`` fires on any of them."""

    changed = Signal()
    playheadMoved = Signal(int, int)  # old tick, new tick

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ppq = 480
        self.px_per_beat = 64.0
        self.key_height = 12.0
        self.lane_height = 24.0
        self.lanes: DrumLanes | None = None  # the drum lane view when set
        self.scroll_x = 0.0
        self.scroll_y = 0.0
        self.viewport_w = 800
        self.viewport_h = 600
        self.content_ticks = 480 * 16
        self.tool = "draw"
        self.snap = "1/16"
        self.draw_velocity = 100
        self.playhead = 0
        self.loop: tuple[int, int] | None = None
        self.loop_enabled = False

    # --- mapping -----------------------------------------------------------------------------
    @property
    def px_per_tick(self) -> float:
        return self.px_per_beat / self.ppq

    def tick_to_x(self, tick: float) -> float:
        return tick * self.px_per_tick - self.scroll_x

    def x_to_tick(self, x: float) -> float:
        return (x + self.scroll_x) / self.px_per_tick

    @property
    def row_height(self) -> float:
        return self.key_height if self.lanes is None else self.lane_height

    @property
    def n_rows(self) -> int:
        return N_PITCHES if self.lanes is None else len(self.lanes)

    def row_of(self, pitch: int) -> int:
        """The row (from the top) showing ``pitch``; -1 if the lane view has no row for it."""
        if self.lanes is None:
            return 127 - pitch
        row = self.lanes.row_of(pitch)
        return -1 if row is None else row

    def pitch_of_row(self, row: int) -> int:
        row = max(0, min(self.n_rows - 1, row))
        return 127 - row if self.lanes is None else self.lanes.pitch_of(row)

    def row_to_y(self, row: int) -> float:
        """Top edge of ``row``."""
        return row * self.row_height - self.scroll_y

    def y_to_row(self, y: float) -> int:
        """The row at ``y`` (clamped to the rows there are)."""
        return max(0, min(self.n_rows - 1, math.floor((y + self.scroll_y) / self.row_height)))

    def in_rows(self, y: float) -> bool:
        """Whether ``y`` is on a row (the lane view's few rows may not fill the viewport)."""
        return 0 <= y + self.scroll_y < self.content_height

    def pitch_to_y(self, pitch: int) -> float:
        """Top edge of ``pitch``'s row."""
        return self.row_to_y(self.row_of(pitch))

    def y_to_pitch(self, y: float) -> int:
        return self.pitch_of_row(self.y_to_row(y))

    def rows_pitches(self, y0: float, y1: float) -> list[int]:
        """The pitches of the rows from ``y0`` to ``y1`` (either order), top row first; none if the
        span misses every row."""
        y0, y1 = sorted((y0, y1))
        if y1 + self.scroll_y < 0 or y0 + self.scroll_y >= self.content_height:
            return []
        a, b = self.y_to_row(y0), self.y_to_row(y1)
        return [self.pitch_of_row(r) for r in range(a, b + 1)]

    @property
    def cell_ticks(self) -> int:
        """Width of a drum hit's cell: one grid cell, at most a 16th note (hits are not longer)."""
        return min(self.draw_length, max(1, self.ppq // 4))

    def note_span(self, note: Note) -> tuple[int, int]:
        """The ticks a note is drawn over: start to end, or one cell from its start in the lane view."""
        if self.lanes is None:
            return note.start, note.end
        return note.start, note.start + self.cell_ticks

    @property
    def content_width(self) -> float:
        return self.content_ticks * self.px_per_tick

    @property
    def content_height(self) -> float:
        return self.n_rows * self.row_height

    @property
    def grid(self) -> int:
        """Snap grid in ticks (1 when snap is off)."""
        return grid_ticks(self.ppq, SNAP_DIVISIONS.get(self.snap, 16))

    @property
    def draw_length(self) -> int:
        """Length of a drawn note: the grid, or a 16th note when snap is off."""
        return self.grid if self.snap != "off" else max(1, self.ppq // 4)

    def visible_ticks(self) -> tuple[float, float]:
        return self.x_to_tick(0), self.x_to_tick(self.viewport_w)

    # --- changing ----------------------------------------------------------------------------
    def set_scroll(self, x: float | None = None, y: float | None = None) -> None:
        max_x = max(0.0, self.content_width - self.viewport_w)
        max_y = max(0.0, self.content_height - self.viewport_h)
        nx = self.scroll_x if x is None else min(max(0.0, x), max_x)
        ny = self.scroll_y if y is None else min(max(0.0, y), max_y)
        if (nx, ny) != (self.scroll_x, self.scroll_y):
            self.scroll_x, self.scroll_y = nx, ny
            self.changed.emit()

    def zoom_x(self, factor: float, anchor_x: float | None = None) -> None:
        """Horizontal zoom by ``factor`` keeping the tick under ``anchor_x`` in place."""
        anchor_x = self.viewport_w / 2 if anchor_x is None else anchor_x
        tick = self.x_to_tick(anchor_x)
        self.px_per_beat = min(MAX_PX_PER_BEAT, max(MIN_PX_PER_BEAT, self.px_per_beat * factor))
        self.set_scroll(x=tick * self.px_per_tick - anchor_x)
        self.changed.emit()

    def zoom_y(self, factor: float, anchor_y: float | None = None) -> None:
        """Row height by ``factor`` (key height, or lane height in the lane view)."""
        anchor_y = self.viewport_h / 2 if anchor_y is None else anchor_y
        row = (anchor_y + self.scroll_y) / self.row_height
        if self.lanes is None:
            self.key_height = min(MAX_KEY_H, max(MIN_KEY_H, self.key_height * factor))
        else:
            self.lane_height = min(MAX_LANE_H, max(MIN_LANE_H, self.lane_height * factor))
        self.set_scroll(y=row * self.row_height - anchor_y)
        self.changed.emit()

    def fit(self, clip: Clip) -> None:
        """Show the whole clip horizontally and centre its pitch range."""
        ticks = max(clip.end_tick, clip.bar_ticks)
        self.px_per_beat = min(MAX_PX_PER_BEAT, max(MIN_PX_PER_BEAT, self.viewport_w * 0.95 * self.ppq / ticks))
        self.scroll_x = 0.0
        self.center_pitches(clip)
        self.changed.emit()

    def center_pitches(self, clip: Clip) -> None:
        """Centre the clip's pitch range; in the lane view fit the rows to the viewport (top first)."""
        if self.lanes is not None:
            lo, hi = FIT_LANE_H
            self.lane_height = float(min(hi, max(lo, math.floor(self.viewport_h / max(1, self.n_rows)))))
            self.set_scroll(y=0.0)
            self.changed.emit()
            return
        lo_hi = clip.pitch_range() or (60, 72)
        mid = (lo_hi[0] + lo_hi[1] + 1) / 2
        self.set_scroll(y=(127.5 - mid) * self.key_height - self.viewport_h / 2)

    def set_lanes(self, lanes: DrumLanes | None) -> None:
        """Switch to the drum lane view with these rows (None: the pitch view)."""
        if lanes != self.lanes:
            self.lanes = lanes
            self.set_scroll(self.scroll_x, self.scroll_y)  # re-clamp to the new content height
            self.changed.emit()

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        if tool != self.tool:
            self.tool = tool
            self.changed.emit()

    def set_snap(self, snap: str) -> None:
        if snap not in SNAP_DIVISIONS:
            raise ValueError(f"unknown snap {snap!r}")
        if snap != self.snap:
            self.snap = snap
            self.changed.emit()

    def set_playhead(self, tick: int) -> None:
        if tick != self.playhead:
            old, self.playhead = self.playhead, tick
            self.playheadMoved.emit(old, tick)

    def set_loop(self, loop: tuple[int, int] | None, enabled: bool) -> None:
        if (loop, enabled) != (self.loop, self.loop_enabled):
            self.loop, self.loop_enabled = loop, enabled
            self.changed.emit()


class NoteIndex:
    """Finds the notes overlapping a tick range fast (for painting and hit tests with 10,000 notes)."""

    def __init__(self, clip: Clip) -> None:
        self.clip = clip
        self.notes = clip.notes  # sorted by start
        self.starts = [n.start for n in self.notes]
        self.max_duration = max((n.duration for n in self.notes), default=0)

    def overlapping(self, t0: float, t1: float) -> list[Note]:
        lo = bisect.bisect_left(self.starts, t0 - self.max_duration)
        hi = bisect.bisect_right(self.starts, t1)
        return [n for n in self.notes[lo:hi] if n.end > t0]
