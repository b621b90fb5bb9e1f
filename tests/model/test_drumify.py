"""Drumify (model/drumify.py): tap features, the tap encoder's training and files, the engine API, and
the shipped model following a tap pattern."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.core import DRUM_CHANNEL, Clip, Note
from latentcomposer.core.examples import example_clip, example_drums
from latentcomposer.data.drums import clip_to_drum_steps
from latentcomposer.data.taps import (
    HAS_TIMING,
    HAS_VELOCITY,
    KICK,
    OFFSET,
    ONSET,
    SNARE,
    VELOCITY,
    class_mask,
    clip_taps,
    eighth_grid_taps,
    loudest_taps,
    random_step_taps,
    window_taps,
)
from latentcomposer.model.drumify import Drumify, TapEncoder, load_encoder, rhythm_f1, save_drumify
from latentcomposer.model.drumify_config import DrumifyConfig, find_drumify, is_companion
from latentcomposer.model.drumify_train import FitOptions, augmented_taps, follow_figures, validate
from latentcomposer.model.engine import Engine, EngineError
from latentcomposer.model.registry import CheckpointError, installed_models, scan_entries
from tests.helpers_drumify import drum_windows_of_examples, make_tiny_drumify_root, train_tiny_drumify

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models" / "drumify_2bar"


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_drumify_root(tmp_path_factory.mktemp("drumify"))


def _melody(steps: list[int], bars: int = 2, velocity: int = 80) -> Clip:
    """Quarter-ppq melody with notes on the given 16th steps (120 ticks a step)."""
    return Clip(notes=tuple(Note(s * 120, 60 + s % 12, s * 120 + 100, velocity) for s in steps),
                length=bars * 1920, name="taps")


# --- tap features ---------------------------------------------------------------------------------
def test_melody_taps_are_its_onsets_and_flags_say_what_it_lacks() -> None:
    taps = clip_taps(_melody([0, 3, 8, 12, 22]))
    assert taps.shape == (32, 5)
    assert np.flatnonzero(taps[:, ONSET]).tolist() == [0, 3, 8, 12, 22]
    assert (taps[:, HAS_VELOCITY] == 0).all() and (taps[:, VELOCITY] == 0).all()  # one velocity: no dynamics
    assert (taps[:, HAS_TIMING] == 0).all()  # on the grid


def test_played_part_keeps_velocity_and_microtiming() -> None:
    clip = Clip(notes=(Note(0, 60, 100, 40), Note(120 * 4 + 30, 62, 600, 110)), length=1920)
    taps = clip_taps(clip)
    assert taps[0, HAS_VELOCITY] == 1 and taps[4, VELOCITY] > taps[0, VELOCITY] > 0
    assert taps[0, HAS_TIMING] == 1 and taps[4, OFFSET] == pytest.approx(0.25)


def test_training_taps_match_the_taps_of_the_same_drum_clip() -> None:
    clip = example_drums(2)
    ds = clip_to_drum_steps(clip)
    from_windows = window_taps(ds.tokens[None], ds.velocity[None], ds.offset[None])[0]
    from_clip = clip_taps(clip, len(ds.tokens))
    assert from_clip[:, ONSET].sum() > 4
    np.testing.assert_array_equal(from_windows[:, ONSET], from_clip[:, ONSET])
    if from_clip[0, HAS_VELOCITY]:
        np.testing.assert_allclose(from_windows[:, VELOCITY], from_clip[:, VELOCITY])


def test_sparse_tap_variants_keep_a_subset_of_the_full_taps() -> None:
    w = drum_windows_of_examples()
    full = window_taps(w["tokens"], w["velocity"], w["offset"])
    on = full[..., ONSET] > 0
    n = len(full)
    ks = window_taps(w["tokens"], w["velocity"], w["offset"], class_mask(n, (KICK, SNARE)))[..., ONSET] > 0
    kick = w["tokens"] & 1
    eighth = eighth_grid_taps(full)
    half = random_step_taps(full, 0.5, np.random.default_rng(0))
    loud = loudest_taps(full, 0.3)
    for sub in (ks, eighth[..., ONSET] > 0, half[..., ONSET] > 0, loud[..., ONSET] > 0):
        assert (sub <= on).all() and sub.sum() < on.sum()
    assert ((ks & ~on) == 0).all() and (ks >= (kick > 0)).all()
    assert not (eighth[:, 1::2, ONSET] > 0).any()
    assert 0.35 < half[..., ONSET].sum() / on.sum() < 0.65
    np.testing.assert_array_equal(half[..., HAS_VELOCITY], full[..., HAS_VELOCITY])  # the flags stay
    kept = loud[..., ONSET] > 0  # the loudest steps: none left out is louder than one kept
    for i in range(n):
        if kept[i].any() and (on[i] & ~kept[i]).any():
            assert full[i, on[i] & ~kept[i], VELOCITY].max() <= full[i, kept[i], VELOCITY].min()


def test_sparse_augmentation_taps_sparser_and_never_leaves_a_window_empty() -> None:
    w = drum_windows_of_examples()
    idx = np.arange(len(w["tokens"])).repeat(8)
    dense = augmented_taps(w, idx, np.random.default_rng(0), FitOptions(subset=0.0, drop_dynamics=0.0))
    sparse = augmented_taps(w, idx, np.random.default_rng(0), FitOptions(subset=0.0, drop_dynamics=0.0, sparse=1.0))
    assert sparse[..., ONSET].mean() < 0.75 * dense[..., ONSET].mean()
    assert ((sparse[..., ONSET] > 0) <= (dense[..., ONSET] > 0)).all()
    assert (sparse[..., ONSET] > 0).any(-1).all()


def test_follow_figures_count_taps_hits_and_f1() -> None:
    taps = np.zeros((1, 32), bool)
    taps[0, [0, 8]] = True
    got = np.zeros((1, 32), np.int64)
    got[0, 0] = 0b11  # kick + snare on a tap
    got[0, 4] = 0b1  # a kick off the taps
    truth = np.zeros((1, 32), np.int64)
    truth[0, 0] = 0b1
    f = follow_figures(taps, got, truth)
    assert f["taps_with_a_hit"] == 0.5 and f["hits_on_taps"] == pytest.approx(2 / 3)
    assert f["hit_f1"] == pytest.approx(2 * 1 / (2 + 2 + 0))


# --- training, files, engine ------------------------------------------------------------------------
def test_a_few_training_steps_reduce_the_regression_error(tiny_root: Path) -> None:
    engine = Engine.load(tiny_root / "tiny_drums", device="cpu", warmup=False)
    windows = drum_windows_of_examples()
    from latentcomposer.model.drumify_train import posterior_means

    targets = posterior_means(engine, windows["tokens"])
    torch.manual_seed(0)
    fresh = TapEncoder(DrumifyConfig(pairs_with="tiny_drums", hidden=32, layers=1, z_dim=engine.cfg.z_dim))
    before = validate(fresh, windows, targets)["valid_mse"]
    _, after = train_tiny_drumify(engine, steps=60)
    assert after["valid_mse"] < 0.7 * before


def test_saved_model_round_trips_and_is_a_companion_not_a_model(tiny_root: Path, tmp_path: Path) -> None:
    folder = tiny_root / "drumify_2bar"
    encoder, meta = load_encoder(folder)
    assert meta["note"] == "tiny test model" and encoder.cfg.pairs_with == "tiny_drums"
    assert is_companion(folder) and find_drumify(folder) == folder
    entries, problems = scan_entries(tiny_root)
    assert [e.name for e in entries] == ["tiny_drums"] and problems == {}
    from latentcomposer.app.model_service import scan_models

    assert [m.name for m in scan_models(tiny_root)] == ["tiny_drums"]
    assert "drumify_2bar" not in installed_models()
    # a damaged or foreign config is a clear error
    bad = tmp_path / "bad"
    save_drumify(encoder, bad)
    doc = json.loads((bad / "config.json").read_text())
    (bad / "config.json").write_text(json.dumps({**doc, "kind": "vae"}))
    with pytest.raises(CheckpointError, match="not a Drumify model config"):
        load_encoder(bad)
    (bad / "config.json").write_text(json.dumps({**doc, "model": {**doc["model"], "hidden": 64}}))
    with pytest.raises(CheckpointError, match="do not match"):
        load_encoder(bad)


def test_drumify_writes_a_drum_clip_over_the_clip_window_by_window(tiny_root: Path) -> None:
    drumify = Drumify.load(tiny_root / "drumify_2bar", device="cpu")
    assert drumify.engine.name == "tiny_drums"
    melody = example_clip("twinkle")  # 4+ bars: two or more windows
    out = drumify.drumify(melody, seed=0)
    clip = out.clips[0]
    assert clip.is_drum and clip.channel == DRUM_CHANNEL and clip.tempo == melody.tempo
    assert clip.end_tick <= max(melody.end_tick, melody.n_bars * melody.bar_ticks)
    assert out.z is not None and out.z.shape == (-(-clip_taps(melody).shape[0] // 32), drumify.encoder.cfg.z_dim)
    again = drumify.drumify(melody, seed=0).clips[0]
    assert again.notes == clip.notes  # deterministic
    short = drumify.drumify(melody, bars=2).clips[0]
    assert all(n.start < 2 * melody.bar_ticks for n in short.notes)
    warm = [drumify.drumify(melody, temperature=1.5, seed=s).clips[0].notes for s in (1, 2, 3)]
    assert len({clip.notes, *warm}) > 1  # temperature varies the part


def test_a_silent_window_stays_silent(tiny_root: Path) -> None:
    drumify = Drumify.load(tiny_root / "drumify_2bar", device="cpu")
    clip = _melody([0, 4, 8, 12], bars=4)  # bars 3-4: nothing to follow
    out = drumify.drumify(clip).clips[0]
    assert all(n.start < 2 * 1920 for n in out.notes)


def test_engine_drumify_finds_the_paired_model_and_refuses_melody_models(tiny_root: Path) -> None:
    engine = Engine.load(tiny_root / "tiny_drums", device="cpu", warmup=False)
    out = engine.drumify(example_drums(2)).clips[0]
    assert out.is_drum
    from tests.helpers_models import make_tiny_model

    mel = Engine.load(make_tiny_model(tiny_root.parent / "mel" / "tiny_2bar"), device="cpu", warmup=False)
    with pytest.raises(EngineError, match="drum model"):
        mel.drumify(example_clip("twinkle"))
    with pytest.raises(EngineError, match="no notes"):
        engine.drumify(Clip(name="empty"))


# --- the shipped model ------------------------------------------------------------------------------
@pytest.mark.skipif(not (SHIPPED / "tap_encoder.safetensors").is_file(), reason="models/drumify_2bar not built")
def test_shipped_drumify_loads_and_follows_a_tap_pattern_better_than_chance() -> None:
    """Chance: drum parts the same drum model decodes from its own prior, which know nothing of the
    taps. Drumify's parts must agree with the tapped steps clearly better (rhythm F1 of hit steps
    against tap steps), cover most taps, and differ between rhythms."""
    drumify = Drumify.load(SHIPPED, device="cpu")
    assert drumify.engine.name == "drums_2bar"
    engine = drumify.engine
    prior_tokens = engine.decode_full(engine.sample_z(16, seed=0), 0.0, 0)[0]
    patterns = {"four on the floor": [0, 4, 8, 12, 16, 20, 24, 28],
                "eighths": list(range(0, 32, 2)),
                "a melody's rhythm": [0, 2, 4, 6, 8, 12, 16, 18, 20, 22, 24, 28]}
    outs = {}
    for name, steps in patterns.items():
        taps = np.zeros(32, bool)
        taps[steps] = True
        drums = drumify.drumify(_melody(steps)).clips[0]
        hit = np.zeros(32, bool)
        hit[[int(round(n.start / 120)) % 32 for n in drums.notes]] = True
        chance = float(rhythm_f1(prior_tokens != 0, taps[None]).mean())
        got = float(rhythm_f1(hit, taps))
        assert got > chance + 0.15, (name, got, chance)
        assert (hit & taps).sum() >= 0.75 * taps.sum(), name
        outs[name] = frozenset((n.start, n.pitch) for n in drums.notes)
    assert len(set(outs.values())) == len(patterns)  # a different rhythm, a different part


@pytest.mark.skipif(not (SHIPPED / "tap_encoder.safetensors").is_file(), reason="models/drumify_2bar not built")
def test_shipped_drumify_follows_a_quarter_note_melody_better_than_chance() -> None:
    """A melody on the quarter notes taps a quarter of the 16th steps, so drum hits placed at random
    land on its notes a quarter of the time. The shipped model must give every note a hit and put
    clearly more of its hits (counted, and weighted by velocity) on the notes than that."""
    drumify = Drumify.load(SHIPPED, device="cpu")
    steps = list(range(0, 64, 4))
    drums = drumify.drumify(_melody(steps, bars=4)).clips[0]
    chance = len(steps) / 64
    at = np.array([int(round(n.start / 120)) for n in drums.notes])
    velocity = np.array([n.velocity for n in drums.notes], float)
    on = np.isin(at, steps)
    assert set(steps) <= set(at.tolist())  # every note gets a hit
    assert on.mean() > chance + 0.15, (on.mean(), chance)
    assert velocity[on].sum() / velocity.sum() > chance + 0.3
