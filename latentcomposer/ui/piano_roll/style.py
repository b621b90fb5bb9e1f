"""Colours and fonts of the piano roll (one dark theme)."""

from __future__ import annotations

from PySide6.QtGui import QColor

BACKGROUND = QColor("#1d2026")
ROW_WHITE = QColor("#2b2f37")
ROW_BLACK = QColor("#23262d")
ROW_C_LINE = QColor("#454b56")
ROW_LINE = QColor("#262930")
BAR_LINE = QColor("#6a717e")
BEAT_LINE = QColor("#3f444e")
GRID_LINE = QColor("#32363e")
PAST_END = QColor(0, 0, 0, 110)
LOOP_FILL = QColor(90, 170, 255, 28)
LOOP_FILL_OFF = QColor(160, 160, 160, 18)
LOOP_EDGE = QColor(90, 170, 255, 150)
PLAYHEAD = QColor("#ffcc33")
RUBBER_FILL = QColor(120, 180, 255, 40)
RUBBER_EDGE = QColor(120, 180, 255, 200)
NOTE_EDGE = QColor(0, 0, 0, 170)
SELECTED_EDGE = QColor("#ffffff")
NOTE_TEXT = QColor(10, 10, 10, 220)
KEY_WHITE = QColor("#e9e9ec")
KEY_BLACK = QColor("#202227")
KEY_EDGE = QColor("#9a9ca3")
KEY_PRESSED = QColor("#7fb2ff")
KEY_LABEL = QColor("#50535a")
RULER_BG = QColor("#262a31")
RULER_TEXT = QColor("#c9ccd3")
RULER_TICK = QColor("#6a717e")
LANE_BG = QColor("#1f2228")
LANE_GUIDE = QColor("#30343c")
# drum lane view
LANE_ROW_A = QColor("#2b2f37")  # class groups alternate A / B
LANE_ROW_B = QColor("#252930")
LANE_ROW_EXTRA = QColor("#21242a")  # rows of non-canonical notes, under their class's row
HEADER_BG = QColor("#262a31")
HEADER_BG_ALT = QColor("#2e333b")
HEADER_EXTRA_BG = QColor("#22252b")
HEADER_TEXT = QColor("#e3e6eb")
HEADER_EXTRA_TEXT = QColor("#aab0ba")
HEADER_EDGE = QColor("#4a505b")

BLACK_KEYS = frozenset({1, 3, 6, 8, 10})

_VELOCITY_COLORS = [
    QColor.fromHsvF(0.60 - 0.60 * (v / 127) ** 0.9, 0.62 + 0.2 * v / 127, 0.72 + 0.26 * v / 127)
    for v in range(128)
]
_SELECTED_COLORS = [c.lighter(150) for c in _VELOCITY_COLORS]


def velocity_color(velocity: int, selected: bool = False) -> QColor:
    """Blue (soft) through green and yellow to red (loud)."""
    v = min(127, max(0, velocity))
    return _SELECTED_COLORS[v] if selected else _VELOCITY_COLORS[v]


# drum hits: one amber hue, dark and dull when soft, bright when loud
_HIT_COLORS = [QColor.fromHsvF(0.085, 0.85 - 0.25 * (v / 127), 0.30 + 0.70 * (v / 127) ** 0.8) for v in range(128)]
_HIT_SELECTED = [QColor.fromHsvF(0.085, 0.35, 0.55 + 0.45 * (v / 127) ** 0.8) for v in range(128)]


def hit_color(velocity: int, selected: bool = False) -> QColor:
    """A drum hit's cell: darker (soft) to brighter (loud); selected hits are paler."""
    v = min(127, max(0, velocity))
    return _HIT_SELECTED[v] if selected else _HIT_COLORS[v]


def lane_row_color(group: int, canonical: bool) -> QColor:
    if not canonical:
        return LANE_ROW_EXTRA
    return LANE_ROW_A if group % 2 == 0 else LANE_ROW_B


def is_black(pitch: int) -> bool:
    return pitch % 12 in BLACK_KEYS


def tinted_color(base: QColor, velocity: int, selected: bool = False) -> QColor:
    """A note of a section track drawn in its track's hue: darker (soft) to brighter (loud)."""
    v = min(127, max(0, velocity)) / 127
    c = QColor.fromHsvF(max(0.0, base.hsvHueF()), base.hsvSaturationF() * (0.55 if selected else 1.0),
                        min(1.0, 0.55 + 0.45 * v ** 0.8 + (0.15 if selected else 0.0)))
    return c


def ghost_color(base: QColor) -> QColor:
    """Another track of the section, dimmed behind the editable one."""
    c = QColor(base)
    c.setAlpha(80)
    return c
