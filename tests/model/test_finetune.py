"""Personalizing a model on real MIDI files (tiny random models, seeded, a few seconds each)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from latentcomposer.data.codecs import codec_for
from latentcomposer.data.style_files import StyleDataError, scan_folder, split_files
from latentcomposer.model.checkpoint import installed_models
from latentcomposer.model.engine import Engine
from latentcomposer.model.finetune import FinetuneOptions, PersonalizeError, Progress, personalize
from tests.helpers_models import make_tiny_model

FAST = dict(source_data="replay", max_steps=40, eval_every=10, patience=10, batch_size=16, learning_rate=3e-3,
            eval_windows=48, prior_samples=48, device="cpu")


@pytest.fixture(scope="module")
def tiny_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("source") / "tiny_2bar")


@pytest.fixture()
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_source: Path) -> dict[str, Path]:
    out = {k: tmp_path / k for k in ("models", "data")}
    for d in out.values():
        d.mkdir()
    monkeypatch.setenv("LATENTCOMPOSER_MODELS_DIR", str(out["models"]))
    monkeypatch.setenv("LATENTCOMPOSER_DATA_DIR", str(out["data"]))
    shutil.copytree(tiny_source, out["models"] / "tiny_2bar")
    return out


@pytest.fixture()
def melody_folder(tmp_path: Path, pop909_files: list[Path]) -> Path:
    folder = tmp_path / "my_songs"
    folder.mkdir()
    for p in pop909_files[:4]:
        shutil.copy(p, folder / p.name)
    return folder


def _scan(folder: Path, n_bars: int = 2):
    return scan_folder(folder, codec_for("melody"), n_bars)


def test_split_is_by_file_and_seeded() -> None:
    s = split_files(10, 0.2, seed=3)
    assert len(s.held_out) == 2 and not set(s.train) & set(s.held_out)
    assert s == split_files(10, 0.2, seed=3)
    assert split_files(1).held_out == ()
    assert len(split_files(2).held_out) == 1


def test_finetune_lowers_held_out_loss_and_the_model_is_listed(dirs: dict[str, Path], melody_folder: Path) -> None:
    scan = _scan(melody_folder)
    assert len(scan.used) == 4 and scan.windows > 50
    seen: list[Progress] = []
    res = personalize("tiny_2bar", scan, "my_style", FinetuneOptions(part="full", **FAST), progress=seen.append)
    before, after = res.info["before"]["held_out"], res.info["after"]["held_out"]
    assert res.level == "finetune" and res.info["training"]["steps"] > 0
    assert after["nll"] < before["nll"]
    assert res.folder == dirs["data"] / "models" / "my_style"
    assert "my_style" in installed_models()
    eng = Engine.load("my_style", device="cpu", warmup=False)
    assert eng.attributes is not None and eng.fitted_prior is not None
    assert len(eng.sample(2, seed=0).clips) == 2
    card = (res.folder / "MODEL_CARD.md").read_text()
    assert "Before and after" in card and "tiny_2bar" in card and "Held out" in card
    assert any(p.phase == "training" and p.curve for p in seen) and seen[-1].phase == "done"
    assert not [p for p in res.folder.parent.iterdir() if p.name.startswith(".")]  # no temporary left
    with pytest.raises(PersonalizeError, match="exists already"):
        personalize("tiny_2bar", scan, "my_style", FinetuneOptions(level="prior", **FAST))
    with pytest.raises(PersonalizeError, match="shipped model"):
        personalize("tiny_2bar", scan, "tiny_2bar", FinetuneOptions(level="prior", **FAST))


def test_style_prior_moves_samples_toward_the_files(dirs: dict[str, Path], melody_folder: Path) -> None:
    res = personalize("tiny_2bar", _scan(melody_folder), "prior_only", FinetuneOptions(level="prior", **FAST))
    assert res.level == "prior" and res.info["training"] is None
    assert res.info["after"]["prior"]["distance"] < res.info["before"]["prior"]["distance"]
    # the weights are the source's: reconstruction figures do not move
    assert res.info["after"]["held_out"]["greedy"] == pytest.approx(res.info["before"]["held_out"]["greedy"])


def test_cancel_keeps_a_loadable_model(dirs: dict[str, Path], melody_folder: Path) -> None:
    cancel = threading.Event()

    def progress(p: Progress) -> None:
        if p.phase == "training" and p.step >= 5:
            cancel.set()

    opts = FinetuneOptions(**{**FAST, "max_steps": 10_000, "eval_every": 5})
    res = personalize("tiny_2bar", _scan(melody_folder), "cancelled", opts, progress=progress, cancel=cancel)
    assert res.cancelled and "cancel" in res.info["training"]["stopped_by"]
    assert res.info["training"]["steps"] < 100
    Engine.load(res.folder, device="cpu", warmup=False)


def test_one_file_is_the_style_prior_only_and_says_so(dirs: dict[str, Path], pop909_files: list[Path],
                                                      tmp_path: Path) -> None:
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(pop909_files[0], one / "song.mid")
    res = personalize("tiny_2bar", _scan(one), "one_file", FinetuneOptions(**FAST))
    assert res.level == "prior" and "one file" in res.notes[0] and "style prior only" in res.notes[0]


def test_bad_folders_say_what_was_found(dirs: dict[str, Path], tmp_path: Path, groove_files: list[Path]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not music")
    with pytest.raises(StyleDataError, match="no MIDI files found"):
        _scan(empty).check_usable("tiny_2bar")
    drums = tmp_path / "drums"
    drums.mkdir()
    for p in groove_files[:3]:
        shutil.copy(p, drums / p.name)
    with pytest.raises(StyleDataError, match="hold only drums.*melody model"):
        personalize("tiny_2bar", _scan(drums), "x", FinetuneOptions(**FAST))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.mid").write_bytes(b"MThd\x00\x00garbage")
    scan = _scan(broken)
    assert scan.files[0].skipped == "unreadable"
    with pytest.raises(StyleDataError, match="unreadable: 1"):
        scan.check_usable("tiny_2bar")
    with pytest.raises(StyleDataError, match="no such folder"):
        _scan(tmp_path / "missing")


def test_cli_finetune_then_models_lists_it(dirs: dict[str, Path], melody_folder: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from latentcomposer.cli import main

    assert main(["finetune", "--model", "tiny_2bar", str(melody_folder), "--name", "cli_style", "--level",
                 "prior", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "4 files: 4 used" in out and "wrote" in out and "--model cli_style" in out
    assert main(["models"]) == 0
    assert "cli_style" in capsys.readouterr().out
    assert main(["finetune", "--model", "tiny_2bar", str(melody_folder), "--name", "cli_style"]) == 2
    assert "exists already" in capsys.readouterr().err
    empty = tmp_path / "nothing"
    empty.mkdir()
    assert main(["finetune", "--model", "tiny_2bar", str(empty), "--name", "other", "--device", "cpu"]) == 2
    assert "no MIDI files found" in capsys.readouterr().err


def test_the_projects_clips_scan_like_files() -> None:
    from latentcomposer.core.examples import NAMES, example_clip, example_drums
    from latentcomposer.data.style_files import scan_clips

    clips = [example_clip(n) for n in NAMES[:3]] + [example_drums(4)]
    scan = scan_clips(clips, codec_for("melody"), 2)
    assert len(scan.files) == 4 and len(scan.used) == 3
    assert [f.skipped for f in scan.files if not f.used] == ["no melody (only drums)"]
    drums = scan_clips(clips, codec_for("drums"), 2)
    assert len(drums.used) == 1 and drums.used[0].how
