"""Continue, infill and in-style samples on a tiny per-bar model with a fitted bar prior."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.core import Clip, Note
from latentcomposer.core.examples import example_clip
from latentcomposer.model.bar_prior import BarPrior, BarPriorConfig, bar_prior_status, load_bar_prior
from latentcomposer.model.engine import Engine, EngineError
from tests.helpers_models import add_tiny_bar_prior, make_tiny_model


@pytest.fixture(scope="module")
def prior_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = make_tiny_model(tmp_path_factory.mktemp("models") / "tiny_tvae", "tiny_tvae")
    return add_tiny_bar_prior(folder)


@pytest.fixture(scope="module")
def eng(prior_dir: Path) -> Engine:
    return Engine.load(prior_dir, device="cpu")


def _long_note_clip() -> Clip:
    """Six bars with a note held across the bar 2/3 edge and one across the bar 4/5 edge."""
    c = example_clip("twinkle").slice_bars(0, 6)
    bar = c.bar_ticks
    notes = [n for n in c.notes if n.end <= 2 * bar - bar // 2 or n.start >= 5 * bar]
    notes += [Note(2 * bar - bar // 2, 60, 2 * bar + bar // 2, 90), Note(4 * bar - bar // 4, 64, 4 * bar + bar // 4, 80)]
    return c.with_notes(notes)


def test_continue_keeps_the_given_bars_exactly(eng: Engine) -> None:
    clip = example_clip("twinkle").slice_bars(0, 3)
    out = eng.continue_clip(clip, bars=6, temperature=1.0, seed=3).clips[0]
    assert out.n_bars == 9
    assert out.slice_bars(0, 3).notes == clip.slice_bars(0, 3).notes
    assert [n for n in out.notes if n.start < 3 * clip.bar_ticks] == list(clip.notes)  # the very notes
    assert all(n.start >= 3 * clip.bar_ticks for n in out.notes[len(clip.notes):])


def test_continue_is_seeded(eng: Engine) -> None:
    clip = example_clip("mary").slice_bars(0, 2)
    a = eng.continue_clip(clip, bars=3, seed=5).clips[0]
    b = eng.continue_clip(clip, bars=3, seed=5).clips[0]
    assert a.notes == b.notes


def test_infill_keeps_bars_outside_the_selection(eng: Engine) -> None:
    clip = _long_note_clip()
    out = eng.infill(clip, (2, 4), seed=1, candidates=4).clips[0]
    bar = clip.bar_ticks
    assert out.slice_bars(0, 2).notes == clip.slice_bars(0, 2).notes
    assert out.slice_bars(4, 6).notes == clip.slice_bars(4, 6).notes
    assert all(2 * bar <= n.start and n.end <= 4 * bar for n in out.notes
               if n not in clip.notes and n.start >= 2 * bar and n.start < 4 * bar)


def test_infill_scores_candidates_by_the_right_side(eng: Engine) -> None:
    from latentcomposer.model.continuation import infill

    clip = example_clip("twinkle").slice_bars(0, 4)
    _, info = infill(eng, clip, (1, 2), seed=0, candidates=5)
    assert len(info["scores"]) == 5 and info["kept"] == int(np.argmax(info["scores"]))
    assert len(set(np.round(info["scores"], 6))) > 1  # the right side tells the draws apart


def test_errors_say_what_to_do(eng: Engine, tiny_model_dir: Path) -> None:
    clip = example_clip("twinkle").slice_bars(0, 4)
    with pytest.raises(EngineError, match="not all in the clip"):
        eng.infill(clip, (3, 6))
    with pytest.raises(EngineError, match="at most 3 bars"):
        eng.infill(example_clip("twinkle"), (0, 4))
    flat = Engine.load(tiny_model_dir, device="cpu", warmup=False)
    with pytest.raises(EngineError, match="tvae_16bar"):
        flat.continue_clip(clip, bars=2)


def test_bar_prior_is_seeded_and_deterministic(prior_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    shutil.copytree(prior_dir, again)
    add_tiny_bar_prior(again)  # refit from the same seed: the same weights, bit for bit
    a = load_bar_prior(prior_dir, 4, 4)
    b = load_bar_prior(again, 4, 4)
    assert a is not None and b is not None
    for (k, va), (_, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(va, vb), k
    za = a.sample(torch.zeros(3, 0, 4), 4, torch.Generator().manual_seed(9))
    zb = b.sample(torch.zeros(3, 0, 4), 4, torch.Generator().manual_seed(9))
    assert torch.equal(za, zb)
    e = Engine.load(prior_dir, device="cpu", warmup=False)
    assert torch.equal(e.sample_z(2, seed=4, prior="bar"), e.sample_z(2, seed=4, prior="bar"))
    assert not torch.equal(e.sample_z(2, seed=4, prior="bar"), e.sample_z(2, seed=5, prior="bar"))


def test_sample_matches_log_prob() -> None:
    """The sampler draws from the mixture whose density log_prob computes (temperature 1, one
    component with a fixed mean: the draws' mean and spread match)."""
    torch.manual_seed(0)
    p = BarPrior(BarPriorConfig(bar_z_dim=3, n_bars=4, hidden=8, components=1)).eval()
    z = p.sample(torch.zeros(4000, 1, 3), 1, torch.Generator().manual_seed(0))  # after a zero bar
    _, means, log_std = p(torch.cat([torch.zeros(1, 1, 3), z[:1]], 1))
    assert torch.allclose(z[:, 0].mean(0), means[0, 1, 0], atol=0.1)
    assert torch.allclose(z[:, 0].std(0), log_std[0, 1, 0].exp(), rtol=0.1)


def test_stale_prior_is_ignored(prior_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(prior_dir, other)
    assert bar_prior_status(other) == ""  # a copy of the same weights: still theirs
    from safetensors.torch import load_file, save_file

    t = load_file(str(other / "model.safetensors"))
    key = next(iter(t))
    t[key] = t[key] + 1.0
    save_file(t, str(other / "model.safetensors"))
    assert "other weights" in bar_prior_status(other)
    e = Engine.load(other, device="cpu", warmup=False)
    assert e.bar_prior is None
    with pytest.raises(EngineError, match="fit-bar-prior"):
        e.continue_clip(example_clip("mary").slice_bars(0, 2), bars=1)


def test_cli_continue_and_infill(prior_dir: Path, tiny_model_dir: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from latentcomposer.cli import main
    from latentcomposer.io.midifile import read_midi, write_midi

    src = write_midi(tmp_path / "in.mid", [example_clip("twinkle").slice_bars(0, 4)])
    assert main(["continue", str(src), "--bars", "2", "--model", str(prior_dir), "--out", str(tmp_path / "c.mid")]) == 0
    got = read_midi(tmp_path / "c.mid")[0]
    assert got.n_bars == 6
    assert main(["infill", str(src), "--bars", "2-3", "--model", str(prior_dir), "--out", str(tmp_path / "i.mid")]) == 0
    assert read_midi(tmp_path / "i.mid")[0].n_bars == 4
    capsys.readouterr()
    assert main(["infill", str(src), "--bars", "4-7", "--model", str(prior_dir), "--out", str(tmp_path / "x.mid")]) == 2
    assert "bars 4-7 are not all in the clip (it has bars 1-4)" in capsys.readouterr().err
    assert main(["continue", str(src), "--model", str(tiny_model_dir), "--out", str(tmp_path / "x.mid")]) == 2
    assert "use tvae_16bar" in capsys.readouterr().err
    assert main(["infill", str(src), "--bars", "x", "--model", str(prior_dir), "--out", str(tmp_path / "x.mid")]) == 2
    assert "bad bar range" in capsys.readouterr().err


def test_cli_sample_from_the_bar_prior(prior_dir: Path, tiny_model_dir: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from latentcomposer.cli import main
    from latentcomposer.io.midifile import read_midi

    out = tmp_path / "s.mid"
    assert main(["sample", "--model", str(prior_dir), "--prior", "bar", "-n", "2", "--seed", "3", "-o", str(out)]) == 0
    first = read_midi(out)[0].notes
    assert main(["sample", "--model", str(prior_dir), "--prior", "bar", "-n", "2", "--seed", "3", "-o", str(out)]) == 0
    assert read_midi(out)[0].notes == first  # seeded
    capsys.readouterr()
    assert main(["sample", "--model", str(tiny_model_dir), "--prior", "bar", "-o", str(out)]) == 2
    assert "per-bar" in capsys.readouterr().err


def test_cli_fit_bar_prior_refits_in_one_command(prior_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from latentcomposer.cli import main
    from latentcomposer.data.codec_base import WindowSet
    from latentcomposer.data.melody_codec import MelodyCodec
    from tests.helpers_models import _windows

    folder = tmp_path / "m"
    shutil.copytree(prior_dir, folder)
    (folder / "bar_prior.json").unlink()
    windows = _windows(64)
    monkeypatch.setattr(MelodyCodec, "corpus_windows",
                        lambda self, split, n_bars, hop_steps=16: WindowSet({"tokens": windows}, {}, split))
    assert Engine.load(folder, device="cpu", warmup=False).bar_prior is None
    import latentcomposer.model.threads as threads

    monkeypatch.setattr(threads, "limit_cpu_threads", lambda n=1: [])  # keep this test process's threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)
    assert main(["fit-bar-prior", "--model", str(folder), "--steps", "5", "--train-windows", "32"]) == 0
    assert "validation NLL per bar" in capsys.readouterr().out
    assert bar_prior_status(folder) == ""
    assert Engine.load(folder, device="cpu", warmup=False).bar_prior is not None


def test_per_bar_slider_moves_only_its_bar(eng: Engine) -> None:
    assert set(eng.bar_vectors) == {"density", "register"}
    clip = example_clip("twinkle").slice_bars(0, 6)
    out = eng.shift_bar(clip, 2, "density", 2.0).clips[0]
    assert out.slice_bars(0, 2).notes == clip.slice_bars(0, 2).notes
    assert out.slice_bars(3, 6).notes == clip.slice_bars(3, 6).notes
    with pytest.raises(EngineError, match="outside the clip"):
        eng.shift_bar(clip, 6, "density", 1.0)
    with pytest.raises(EngineError, match="no per-bar vector"):
        eng.shift_bar(clip, 1, "loudness", 1.0)


def test_damaged_bar_prior_is_one_line_for_the_user(prior_dir: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from latentcomposer.cli import main
    from latentcomposer.io.midifile import write_midi

    folder = tmp_path / "m"
    shutil.copytree(prior_dir, folder)
    (folder / "bar_prior.safetensors").write_bytes(b"not a safetensors file")
    src = write_midi(tmp_path / "in.mid", [example_clip("twinkle").slice_bars(0, 2)])
    assert main(["continue", str(src), "--model", str(folder), "--out", str(tmp_path / "o.mid")]) == 2
    assert "damaged" in capsys.readouterr().err
