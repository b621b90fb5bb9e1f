"""The torch-free model registry and config.json formats 1 (flat, the shipped models) and 2 (sections)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from latentcomposer.model.config import CONFIGS, SECTIONS, TOP_FIELDS, model_from_doc
from latentcomposer.model.registry import (
    CheckpointError,
    config_doc,
    read_config,
    read_entry,
    scan_entries,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_format_2_round_trips_every_named_config(name: str) -> None:
    named = CONFIGS[name]
    doc = json.loads(json.dumps(config_doc(named.model, {"x": 1}, named.train)))
    assert doc["format"] == 2 and set(doc["model"]) == set(TOP_FIELDS) | set(SECTIONS)
    assert model_from_doc(doc["model"], 2) == named.model
    assert model_from_doc(named.model.to_dict(), 1) == named.model  # format 1 is the flat dict


def test_every_shipped_format_1_config_still_reads() -> None:
    for folder in sorted((REPO / "models").iterdir()):
        if not (folder / "model.safetensors").is_file():
            continue  # a companion folder (models/drumify_2bar: a tap encoder, model/drumify_config.py)
        doc = json.loads((folder / "config.json").read_text())
        cfg, meta = read_config(folder)
        assert cfg.name == folder.name or cfg.name in folder.name
        if doc["format"] == 1:
            assert cfg.to_dict() == {**cfg.to_dict(), **doc["model"]}
            assert read_entry(folder).training is not None  # from the old meta's train_config


def test_format_2_file_written_and_read(tmp_path: Path) -> None:
    named = CONFIGS["tiny_drums"]
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text(json.dumps(config_doc(named.model, {}, named.train)))
    (tmp_path / "m" / "model.safetensors").write_bytes(b"")
    entry = read_entry(tmp_path / "m")
    assert entry.cfg == named.model and entry.training == named.train and entry.label == "Drums · 2 bars"


@pytest.mark.parametrize("doc, match", [
    ({"format": 9, "model": {}}, "expected one of"),
    ({"format": 2, "model": {"name": "x", "decoder": {"wings": 2}}}, "unknown keys"),
    ({"format": 2, "model": {"name": "x", "architecture": "quantum"}}, "unknown architecture"),
    ({"format": 2, "model": {"name": "x", "representation": "bagpipes"}}, "unknown representation"),
    ({"format": 2, "model": {"name": "x", "decoder": []}}, "not an object"),
    ([1, 2], "not a latentcomposer model config"),
])
def test_bad_configs_are_clear_errors(tmp_path: Path, doc: object, match: str) -> None:
    (tmp_path / "config.json").write_text(json.dumps(doc))
    with pytest.raises(CheckpointError, match=match):
        read_config(tmp_path)


def test_scan_reports_unreadable_models_without_failing(tmp_path: Path) -> None:
    for name, text in (("good", json.dumps(config_doc(CONFIGS["tiny_2bar"].model))), ("bad", "{nope")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(text)
        (tmp_path / name / "model.safetensors").write_bytes(b"")
    entries, problems = scan_entries(tmp_path)
    assert [e.name for e in entries] == ["good"] and "unreadable" in problems["bad"]


def test_registry_imports_no_torch() -> None:
    code = ("import sys; import latentcomposer.model.registry as r; r.scan_entries(); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
