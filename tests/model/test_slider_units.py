"""Slider calibration in musical units (issue 26): the travel rule, and scripts/slider_units.py on a tiny
model writing a slider_units.json that the app reads (and ignores once the weights change)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from latentcomposer.app.latent.units import FILE, file_digests, read_slider_units
from latentcomposer.core.examples import NAMES, example_clip
from latentcomposer.data.attributes import ATTRIBUTES
from latentcomposer.io.midifile import write_midi
from latentcomposer.model.engine import Engine
from latentcomposer.model.slider_units import travel
from tests.helpers_models import make_tiny_model

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("slider_units_script", REPO / "scripts" / "slider_units.py")
assert _spec is not None and _spec.loader is not None
script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(script)

AMOUNTS = np.linspace(-3, 3, 13)


def test_travel_stops_where_the_median_leaves_the_data_range() -> None:
    medians = 5 + 2 * AMOUNTS  # 2 per unit: leaves [3, 9] at -1 and +2
    assert travel(AMOUNTS, medians, 3.0, 9.0) == (-1.0, 2.0)
    assert travel(AMOUNTS, medians, 4.0, 8.2) == (-0.5, 1.6)  # between calibrated amounts: interpolated
    assert travel(AMOUNTS, medians, -100, 100) == (-3.0, 3.0)


def test_travel_keeps_a_minimum_and_the_whole_range_when_zero_is_outside() -> None:
    medians = 5 + 10 * AMOUNTS
    assert travel(AMOUNTS, medians, 4.0, 6.0) == (-0.5, 0.5)  # the data range is crossed at +-0.1
    assert travel(AMOUNTS, medians, 20.0, 40.0) == (-3.0, 3.0)  # the median at 0 is outside: no limit


@pytest.fixture
def tunes(tmp_path: Path) -> Path:
    folder = tmp_path / "tunes"
    folder.mkdir()
    for name in NAMES:
        write_midi(folder / f"{name}.mid", [example_clip(name)])
    return folder


def test_the_script_writes_a_calibration_the_app_reads(tmp_path: Path, tunes: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_tiny_model(tmp_path / "tiny_2bar")
    rc = script.main(["--model", str(folder), "--midi", str(tunes), "--windows", "12", "--amounts", "7",
                      "--train-windows", "40"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "density" in printed and "wrote" in printed and " s" in printed  # the table and the timing
    doc = json.loads((folder / FILE).read_text())
    assert doc["format"] == 1 and doc["model"] == "tiny_2bar" and doc["windows"] == 12
    assert doc["decoding"] == "greedy" and doc["fingerprint"] == file_digests(folder)
    assert doc["amounts"] == pytest.approx(list(np.linspace(-3, 3, 7)))
    assert set(doc["attributes"]) == set(ATTRIBUTES)  # every melody attribute has a musical unit
    for name, a in doc["attributes"].items():
        assert len(a["medians"]) == 7, name
        assert a["data_p5"] <= a["data_median"] <= a["data_p95"], name
        assert a["travel"][0] <= 0 <= a["travel"][1], name
        assert isinstance(a["monotonic"], bool)
        assert a["monotonic"] == (a["spearman"] is not None and a["spearman"] >= 0.9), name
    assert doc["attributes"]["density"]["unit"] == {"kind": "rate", "noun": "notes", "per": "bar"}
    card = (folder / "MODEL_CARD.md").read_text()  # the card has the table (once, even when rerun)
    assert card.count("## Slider units") == 1 and "| density (notes a bar) |" in card
    assert script.main(["--model", str(folder), "--card-only"]) == 0
    assert (folder / "MODEL_CARD.md").read_text() == card

    # the median at amount 0 is what the engine's greedy decode of the windows' means measures
    eng = Engine.load(folder, device="cpu", warmup=False)
    arrays = np.concatenate([eng.codec.clip_windows([example_clip(n)], 2)[0]["tokens"] for n in NAMES])
    windows = script.pick(arrays, 12, 0)
    mu = eng.encode_tokens(windows)[0].numpy()
    toks = eng.decode_full(mu, 0.0, decoding="greedy")[0]
    fn = ATTRIBUTES["density"][0]
    assert doc["attributes"]["density"]["medians"][3] == pytest.approx(np.median([fn(t) for t in toks]), abs=1e-3)

    units = read_slider_units(folder)
    assert set(units) == set(ATTRIBUTES)
    assert units["density"].value_at(0.0) == pytest.approx(doc["attributes"]["density"]["medians"][3])
    # other weights: the calibration no longer applies, the sliders stay abstract
    (folder / "attributes.safetensors").write_bytes((folder / "attributes.safetensors").read_bytes() + b" ")
    assert read_slider_units(folder) == {}


def test_file_digests_are_remembered_across_runs_and_renewed_when_a_file_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A launch does not hash a model's weights again (issue 30): the digest of an unchanged file comes
    from the user cache; a file with another size or time is hashed anew."""
    import hashlib

    from latentcomposer.app.latent import units
    from latentcomposer.model import digest

    monkeypatch.setattr(digest, "_cache_file", lambda: tmp_path / "cache" / digest.DIGEST_CACHE)
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights")
    first = units.file_digests(folder)
    assert first == {"model.safetensors": hashlib.sha256(b"weights").hexdigest()}
    monkeypatch.setattr(digest, "_SEEN", {})  # a new run: nothing in memory
    reads: list[str] = []
    real_open = open

    def counting_open(path: object, *a: object, **k: object) -> object:
        reads.append(str(path))
        return real_open(path, *a, **k)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", counting_open)
    assert units.file_digests(folder) == first and not any(r.endswith("model.safetensors") for r in reads)
    (folder / "model.safetensors").write_bytes(b"other weights!")
    assert units.file_digests(folder) == {"model.safetensors": hashlib.sha256(b"other weights!").hexdigest()}
