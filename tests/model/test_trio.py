"""The trio model (issue 24) with a tiny random model: the registry and the engine load it, sections go
through encode / decode / sample / interpolate / keep, the CLI writes 3-track MIDI, and the trainer
trains on real POP909 windows, checkpoints, resumes and exports a model the engine loads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.cli import main
from latentcomposer.core import Clip, Note
from latentcomposer.data import melody
from latentcomposer.data.section_midi import write_section
from latentcomposer.data.trio import STEP_ROWS, build_trio_corpus
from latentcomposer.data.trio_codec import TRIO
from latentcomposer.io.midifile import read_midi
from latentcomposer.model.engine import Engine, EngineError
from latentcomposer.model.registry import read_entry
from latentcomposer.model.sections import SectionEngine
from latentcomposer.model.trio_config import TrioConfig, TrioConfigError, get_trio_config
from latentcomposer.model.trio_train import TrioTrainer
from tests.helpers_models import make_tiny_trio_model


def section(bars: int = 4, shift: int = 0) -> dict[str, Clip | None]:
    mel = tuple(Note(i * 480, 72 + shift + (i % 5), i * 480 + 400, 96) for i in range(4 * bars))
    bass = tuple(Note(i * 1920, 36 + shift + i % 3, i * 1920 + 1800, 80) for i in range(bars))
    acc = tuple(Note(i * 960, p + shift, i * 960 + 900, 64) for i in range(2 * bars) for p in (60, 64, 67))
    return {"melody": Clip(notes=mel, tempo=96.0), "bass": Clip(notes=bass, tempo=96.0),
            "accompaniment": Clip(notes=acc, tempo=96.0)}


@pytest.fixture(scope="module")
def trio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_trio_model(tmp_path_factory.mktemp("models"))


def test_config_checks_and_registry(trio_dir: Path) -> None:
    with pytest.raises(TrioConfigError, match="z_dim"):
        TrioConfig(name="bad", z_dim=100)
    entry = read_entry(trio_dir)
    assert isinstance(entry.cfg, TrioConfig) and entry.cfg.representation == "trio"
    assert entry.label == "Trio · 4 bars"


def test_engine_encodes_and_decodes_sections(trio_dir: Path) -> None:
    eng = Engine.load(trio_dir, device="cpu")
    assert eng.token_shape == (STEP_ROWS, 3) and not eng.supports_search
    sections = SectionEngine(eng)
    sec = section(bars=6)  # longer than the 4-bar window: two windows, trimmed back to 6 bars
    code = sections.encode(sec)
    assert code.mu.shape == (2, 16) and code.chunks == [2]
    out = sections.decode(code.mu, n_steps=96)
    assert set(out) == {"melody", "bass", "accompaniment"}
    assert [(out[s].program, out[s].channel) for s in TRIO.streams] == [(73, 0), (33, 1), (0, 2)]
    assert all(c.n_bars <= 6 for c in out.values())
    rec = sections.reconstruct(sec)
    assert rec.sections[0]["melody"].tempo == 96.0 and any("padded" in w for w in rec.warnings)
    a = sections.sample(3, temperature=1.0, seed=5)
    b = sections.sample(3, temperature=1.0, seed=5)
    assert len(a.sections) == 3
    for x, y in zip(a.sections, b.sections, strict=True):  # seeded
        assert all(x[s].notes == y[s].notes for s in TRIO.streams)
    steps = sections.interpolate(section(4), section(4, shift=5), steps=3)
    assert len(steps.sections) == 3 and steps.z is not None and steps.z.shape == (3, 1, 16)
    # a single clip through the plain engine: read as accompaniment + bass
    acc = sec["accompaniment"]
    assert acc is not None
    gen = eng.reconstruct(acc)
    assert gen.clips and any("accompaniment" in w for w in gen.warnings)


def test_keep_melody_regenerates_the_rest(trio_dir: Path) -> None:
    sections = SectionEngine(Engine.load(trio_dir, device="cpu"))
    sec = section(4)
    mel = sec["melody"]
    assert mel is not None
    sec["bass"] = sec["accompaniment"] = None  # a melody alone: arrange it
    res = sections.regenerate(sec, keep=["melody"], seed=1, iterations=5)
    out = res.sections[0]
    assert out["melody"].notes == mel.notes  # kept verbatim
    other = sections.regenerate(sec, keep=["melody"], seed=2, iterations=5)
    assert res.z is not None and other.z is not None and not np.allclose(res.z, other.z)
    with pytest.raises(EngineError, match="keep"):
        sections.regenerate(sec, keep=["drums"])
    with pytest.raises(EngineError, match="nothing to regenerate"):
        sections.regenerate(sec, keep=list(TRIO.streams))


def test_sections_refuse_one_stream_models(tiny_model_dir: Path) -> None:
    with pytest.raises(EngineError, match="multi-stream"):
        SectionEngine(Engine.load(tiny_model_dir, device="cpu"))


def test_cli_sample_reconstruct_interpolate_write_three_tracks(trio_dir: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "--model", str(trio_dir), "--device", "cpu", "-n", "2", "--seed", "3",
                 "-o", str(tmp_path / "s.mid")]) == 0
    clips = read_midi(tmp_path / "s.mid")
    assert {c.name for c in clips} <= {"Melody", "Bass", "Accompaniment"} and clips
    src = write_section(tmp_path / "in.mid", TRIO, section(4))
    assert main(["reconstruct", "--model", str(trio_dir), "--device", "cpu", str(src),
                 "-o", str(tmp_path / "r.mid")]) == 0
    err = capsys.readouterr().err
    assert "melody: 'Melody'" in err
    got = read_midi(tmp_path / "r.mid")
    assert {(c.name, c.program, c.channel) for c in got} <= {("Melody", 73, 0), ("Bass", 33, 1),
                                                             ("Accompaniment", 0, 2)}
    assert main(["reconstruct", "--model", str(trio_dir), "--device", "cpu", str(src), "--keep", "melody",
                 "-o", str(tmp_path / "k.mid")]) == 0
    b = write_section(tmp_path / "b.mid", TRIO, section(4, shift=5))
    assert main(["interpolate", "--model", str(trio_dir), "--device", "cpu", str(src), str(b), "--steps", "3",
                 "-o", str(tmp_path / "i.mid"), "--out-dir", str(tmp_path / "steps")]) == 0
    assert len(list((tmp_path / "steps").glob("step_*.mid"))) == 3
    assert {c.name for c in read_midi(tmp_path / "i.mid")} <= {"Melody", "Bass", "Accompaniment"}
    kept = {c.name: c for c in read_midi(tmp_path / "k.mid")}
    mel = section(4)["melody"]
    assert mel is not None
    assert [(n.start, n.pitch) for n in kept["Melody"].notes] == [(n.start, n.pitch) for n in mel.notes]


def test_trainer_checkpoints_resumes_and_exports(shared_data: Path, tmp_path: Path) -> None:
    corpus = build_trio_corpus(shared_data, max_songs=12)
    named = get_trio_config("tiny_trio")
    tr = TrioTrainer(named, out_dir=tmp_path / "out", work_dir=tmp_path / "work", log=lambda *_: None)
    tr.set_corpus(corpus)
    x = tr.batch()
    assert x.shape == (4, 64, STEP_ROWS, 3)
    tr.train(max_steps=3)
    assert tr.state.step == 3 and (tmp_path / "work" / "last.pt").exists()
    assert (tmp_path / "out" / "model.safetensors").exists()  # the first validation is the best so far
    metrics = (tmp_path / "work" / "metrics.csv").read_text()
    for k in ("valid_melody_tf_acc", "valid_melody_sampled_acc", "valid_bass_sampled_acc", "valid_accompaniment_f1"):
        assert k in metrics
    tr2 = TrioTrainer(named, out_dir=tmp_path / "out", work_dir=tmp_path / "work", log=lambda *_: None)
    tr2.set_corpus(corpus)
    assert tr2.load_checkpoint() and tr2.state.step == 3
    for k, v in tr.model.state_dict().items():
        assert torch.equal(v, tr2.model.state_dict()[k])
    tr2.train(max_steps=5)
    assert tr2.state.step == 5
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text()
    assert card.startswith("# tiny_trio") and "| bass |" in card
    eng = Engine.load(tmp_path / "out", device="cpu")
    res = eng.model.evaluate(corpus.windows(corpus.window_starts("train", 4)[0][:4], 64))
    assert 0.0 <= res.figures["accompaniment_f1"] <= 1.0 and len(res.lines()) == 4
    # a fresh run started from the exported weights (a GPU run from the shipped model): same tensors
    tr3 = TrioTrainer(named, out_dir=tmp_path / "out3", work_dir=tmp_path / "work3", log=lambda *_: None)
    copied = tr3.init_from(tmp_path / "out")
    assert len(copied) == len(tr3.model.state_dict()) and tr3.state.step == 0
    exported = eng.model.state_dict()
    for k, v in tr3.model.state_dict().items():
        assert torch.allclose(v, exported[k].float())


def test_cli_train_dispatches_to_the_trio_trainer(shared_data: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import latentcomposer.model.trio_train as trio_train

    corpus = build_trio_corpus(shared_data, max_songs=12)
    monkeypatch.setattr(trio_train, "trio_corpus", lambda: corpus)
    assert main(["train", "--config", "tiny_trio", "--device", "cpu", "--max-steps", "2", "--threads", "1",
                 "--out", str(tmp_path / "o"), "--work-dir", str(tmp_path / "w")]) == 0
    assert "stopped at step 2" in capsys.readouterr().out
    assert (tmp_path / "o" / "config.json").exists()


def test_cli_eval_reports_every_stream(trio_dir: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    src = write_section(tmp_path / "in.mid", TRIO, section(8))
    assert main(["eval", "--model", str(trio_dir), "--device", "cpu", "--data", str(src), "--beam", "0",
                 "--prior-samples", "4", "--json", str(tmp_path / "e.json")]) == 0
    out = capsys.readouterr().out
    assert "melody" in out and "bass" in out and "accompaniment  note F1" in out
    assert "accompaniment density" in out  # the prior check measures every stream's attributes


def test_packed_silence_is_silent() -> None:
    silent = TRIO.silent_token
    assert silent.shape == (STEP_ROWS, 3)
    parts = TRIO.split(silent[None])
    assert parts["melody"][0] == melody.NO_EVENT and parts["bass"][0] == melody.NO_EVENT
    assert (parts["accompaniment"][..., 0] == 128).all()
