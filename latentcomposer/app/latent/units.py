"""Attribute sliders in musical units: a model's ``slider_units.json`` (written by
``scripts/slider_units.py``; the measurement is :mod:`latentcomposer.model.slider_units`), read without
torch, and the words a slider shows at each position ("Density · 5.2 notes a bar").

A calibration belongs to the weights and attribute vectors it was measured with: the file records
their SHA-256, and one measured with other files is ignored (the sliders then stay in abstract amounts).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from latentcomposer.core.music_words import Unit, describe
from latentcomposer.model.digest import file_digest

FILE = "slider_units.json"
FORMAT = 1
FINGERPRINTED = ("model.safetensors", "attributes.safetensors")


def file_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of the files a calibration depends on (those that exist in ``folder``). Remembered per
    file size and time, so the model loader thread can compute them before the UI asks
    (:func:`prefetch`)."""
    return {name: file_digest(Path(folder) / name) for name in FINGERPRINTED if (Path(folder) / name).exists()}


def prefetch(folder: Path | None) -> None:
    """Hash a calibrated model's files now (call on a loader thread): reading its calibration later
    on the UI thread is then a small JSON read."""
    if folder is not None and (Path(folder) / FILE).exists():
        with contextlib.suppress(OSError):  # then the UI thread tries (and ignores the file) itself
            file_digests(Path(folder))


@dataclass(frozen=True)
class SliderUnits:
    """One attribute slider's calibration: the median attribute value at each amount, the data's
    5th-95th percentile, whether the curve is monotonic, and the travel that stays inside the data."""

    unit: Unit
    amounts: tuple[float, ...]
    medians: tuple[float, ...]
    data_p5: float
    data_p95: float
    monotonic: bool
    travel: tuple[float, float]
    windows: int = 0  # how many held-out windows the medians are over

    def value_at(self, amount: float) -> float:
        """The median attribute value at ``amount`` (linear between calibrated amounts, the end
        values beyond them)."""
        return float(np.interp(amount, self.amounts, self.medians))

    def words(self, amount: float, short: bool = False) -> str:
        text = describe(self.value_at(amount), self.unit, short)
        return text if self.monotonic or short else f"{text} (approximate)"

    def ends(self) -> tuple[str, str]:
        """The short words at the slider's two ends (its travel)."""
        return self.words(self.travel[0], short=True), self.words(self.travel[1], short=True)

    def tooltip(self) -> str:
        lo = describe(self.data_p5, self.unit, short=True)
        hi = describe(self.data_p95, self.unit, short=self.unit.kind == "pitch")  # "2.5 … 11.0 notes a bar"
        first, last = (self.words(a, short=True) for a in (self.amounts[0], self.amounts[-1]))
        limited = self.travel[0] > self.amounts[0] or self.travel[1] < self.amounts[-1]
        text = (f"Measured on {self.windows or 'some'} held-out windows: the median of their decodes at each "
                f"slider position. The training music spans {lo} … {hi} (5th-95th percentile)")
        text += (f"; the slider stops where the median leaves that span (the whole way would give {first} … "
                 f"{last})." if limited else f"; the slider's whole way gives {first} … {last}.")
        if not self.monotonic:
            text += " The slider does not move this attribute steadily, so its value is approximate."
        return text

    @classmethod
    def from_dict(cls, amounts: list[float], d: dict[str, Any], windows: int = 0) -> SliderUnits:
        medians = tuple(float(v) for v in d["medians"])
        if len(medians) != len(amounts) or len(amounts) < 2:
            raise ValueError("medians do not match the amounts")
        lo, hi = (float(v) for v in d.get("travel", (amounts[0], amounts[-1])))
        return cls(Unit.from_dict(d["unit"]), tuple(float(a) for a in amounts), medians, float(d["data_p5"]),
                   float(d["data_p95"]), bool(d.get("monotonic", False)), (min(lo, 0.0), max(hi, 0.0)),
                   int(windows))


def read_slider_units(folder: Path | None, names: list[str] | None = None,
                      check: bool = True) -> dict[str, SliderUnits]:
    """{attribute: calibration} from ``folder/slider_units.json``; {} when there is none, it is
    unreadable, or (``check``) it was measured with other weights or attribute vectors. ``names``: keep
    only these attributes."""
    if folder is None or not (Path(folder) / FILE).exists():
        return {}
    try:
        doc = json.loads((Path(folder) / FILE).read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            return {}
        if check and doc.get("fingerprint") != file_digests(Path(folder)):
            return {}
        amounts = [float(a) for a in doc["amounts"]]
        windows = int(doc.get("windows", 0))
        out = {str(k): SliderUnits.from_dict(amounts, v, windows) for k, v in doc["attributes"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {k: v for k, v in out.items() if names is None or k in names}
