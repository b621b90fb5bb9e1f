"""Place text labels next to points so that no two overlap (the latent map's clip names).

Greedy, in pixel coordinates (y down): each label in turn tries the four corners around its point,
then the same corners stepped further out, and takes the first spot that overlaps no label placed
before it (and stays inside ``bounds`` when it can). Good enough for the tens of clips a session has.
"""

from __future__ import annotations

from collections.abc import Sequence

Rect = tuple[float, float, float, float]  # x, y, w, h
GAP = 5.0
MAX_RINGS = 12


def overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(r: Rect, bounds: Rect | None) -> bool:
    if bounds is None:
        return True
    return r[0] >= bounds[0] and r[1] >= bounds[1] and r[0] + r[2] <= bounds[0] + bounds[2] \
        and r[1] + r[3] <= bounds[1] + bounds[3]


def candidates(px: float, py: float, w: float, h: float) -> list[Rect]:
    out = []
    for ring in range(MAX_RINGS):
        dy = ring * (h + 1)
        out += [(px + GAP, py - GAP - h - dy, w, h), (px - GAP - w, py - GAP - h - dy, w, h),
                (px + GAP, py + GAP + dy, w, h), (px - GAP - w, py + GAP + dy, w, h)]
    return out


def place_labels(points: Sequence[tuple[float, float]], sizes: Sequence[tuple[float, float]],
                 bounds: Rect | None = None) -> list[Rect]:
    """One rectangle per label, none overlapping another (as far as :data:`MAX_RINGS` allows)."""
    placed: list[Rect] = []
    for (px, py), (w, h) in zip(points, sizes, strict=True):
        options = candidates(px, py, w, h)
        free = [r for r in options if not any(overlaps(r, p) for p in placed)]
        best = next((r for r in free if inside(r, bounds)), free[0] if free else options[0])
        placed.append(best)
    return placed
