"""Attribute sliders labelled in musical units (issue 26): with a model's slider_units.json the label
says what the position means ("Density · 5.0 notes a bar"), the ends carry the calibrated values, the
slider travels over the data's range only, and it changes as the slider moves; without one (or with
one measured on other weights) the slider stays in abstract amounts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from latentcomposer.app.latent.units import FILE, file_digests
from tests.helpers_models import make_tiny_models

from .latent_rig import Rig

AMOUNTS = [float(a) for a in np.linspace(-3, 3, 7)]


def calibration(folder: Path) -> dict[str, Any]:
    """A hand-made calibration of tiny_2bar: density 2 -> 8 notes a bar, range a 3rd -> an octave and
    a 3rd (flat in the middle: not monotonic), register C4 -> C5."""
    def entry(kind: str, medians: list[float], p5: float, p95: float, travel: list[float], mono: bool,
              noun: str = "", per: str = "") -> dict[str, Any]:
        return {"unit": {"kind": kind, "noun": noun, "per": per}, "medians": medians, "data_p5": p5,
                "data_p95": p95, "monotonic": mono, "travel": travel}

    return {"format": 1, "model": "tiny_2bar", "fingerprint": file_digests(folder), "amounts": AMOUNTS,
            "windows": 64,
            "attributes": {
                "density": entry("rate", [2, 3, 4, 5, 6, 7, 8], 3.0, 7.5, [-2.0, 2.5], True, "notes", "bar"),
                "range": entry("span", [4, 9, 7, 7, 7, 12, 16], 4.0, 16.0, [-3.0, 3.0], False),
                "register": entry("pitch", [60, 62, 64, 66, 68, 70, 72], 58.0, 74.0, [-3.0, 3.0], True)}}


@pytest.fixture
def calibrated_root(tmp_path: Path) -> Path:
    root = make_tiny_models(tmp_path / "models", ("tiny_2bar",))
    folder = root / "tiny_2bar"
    (folder / FILE).write_text(json.dumps(calibration(folder)), encoding="utf-8")
    return root


def test_a_calibrated_slider_shows_musical_units_and_follows_the_slider(qtbot: Any, calibrated_root: Path) -> None:
    rig = Rig(qtbot, calibrated_root)
    try:
        rig.load("tiny_2bar")
        row = rig.panel.rows["density"]
        assert row.label.text() == "Density · 5.0 notes a bar"
        assert row.ends is not None and (row.ends[0].text(), row.ends[1].text()) == ("3.0", "7.5")
        assert (row.slider.minimum(), row.slider.maximum()) == (-200, 250)  # the data's range only
        assert "5th-95th percentile" in row.slider.toolTip()
        row.slider.setValue(150)  # 1.5 units: halfway from 6 to 7 notes
        assert row.label.text() == "Density · 6.5 notes a bar"
        qtbot.waitUntil(lambda: rig.tools.ctl.sliders["density"] == 1.5)
        rig.idle()
        row.slider.setValue(-100)
        assert row.label.text() == "Density · 4.0 notes a bar"
        row.reset.click()
        assert row.label.text() == "Density · 5.0 notes a bar"

        rng = rig.panel.rows["range"]  # not monotonic: the label says it is approximate
        assert rng.label.text() == "Range · a 5th (approximate)"
        assert rng.ends is not None and (rng.ends[0].text(), rng.ends[1].text()) == ("3rd", "octave+3rd")
        rng.slider.setValue(300)
        assert rng.label.text() == "Range · an octave and a 3rd (approximate)"
        reg = rig.panel.rows["register"]
        assert reg.label.text() == "Register · around F#4"
        reg.slider.setValue(300)
        assert reg.label.text() == "Register · around C5"

        # attributes without a calibration and the principal directions stay in amounts
        for key in ("interval", "dim1"):
            other = rig.panel.rows[key]
            assert other.ends is None and other.label.text() in ("Interval", "Dim 1")
            other.slider.setValue(120)
            assert other.value.text() == "+1.20"
            assert (other.slider.minimum(), other.slider.maximum()) == (-300, 300)
        rig.idle()
    finally:
        rig.close()


def test_a_calibration_of_other_weights_is_ignored(qtbot: Any, calibrated_root: Path) -> None:
    folder = calibrated_root / "tiny_2bar"
    doc = json.loads((folder / FILE).read_text())
    doc["fingerprint"]["model.safetensors"] = "0" * 64
    (folder / FILE).write_text(json.dumps(doc), encoding="utf-8")
    rig = Rig(qtbot, calibrated_root)
    try:
        rig.load("tiny_2bar")
        row = rig.panel.rows["density"]
        assert row.label.text() == "Density" and row.ends is None
        row.slider.setValue(250)
        assert row.value.text() == "+2.50"
        rig.idle()
    finally:
        rig.close()
