"""A few steps of a tiny model through the real training loop: checkpoint, export, resume."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.model.checkpoint import load_model
from latentcomposer.model.config import get_config
from latentcomposer.model.train import Trainer
from tests.helpers_models import _windows


def _trainer(name: str, tmp: Path) -> Trainer:
    t = Trainer(get_config(name), torch.device("cpu"), out_dir=tmp / "out", work_dir=tmp / "work", log=lambda _: None)
    w = _windows(t.cfg.n_steps, t.cfg.representation)
    data = {"tokens": w}
    if t.cfg.representation == "drums":
        data["velocity"] = np.zeros((*w.shape, 9), np.uint8)
        data["offset"] = np.zeros((*w.shape, 9), np.float16)
    t.set_data(data, data)
    return t


def test_train_checkpoint_export_resume(tmp_path: Path) -> None:
    t = _trainer("tiny_2bar", tmp_path)
    state = t.train(max_steps=6)
    assert state.step == 6 and (tmp_path / "work" / "last.pt").exists()
    assert (tmp_path / "work" / "metrics.csv").read_text().count("\n") == 2  # header + final validation
    model, cfg, meta = load_model(tmp_path / "out")
    assert meta["trained_steps"] == 6 and cfg == t.cfg
    t2 = _trainer("tiny_2bar", tmp_path)
    assert t2.load_checkpoint() and t2.state.step == 6
    for a, b in zip(t.model.state_dict().values(), t2.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    t2.train(max_steps=8)
    assert t2.state.step == 8


def test_init_from_shipped_weights(tmp_path: Path) -> None:
    t = _trainer("tiny_4bar_hier", tmp_path)
    t.train(max_steps=3)
    fresh = _trainer("tiny_4bar_hier", tmp_path / "other")
    fresh.init_from(tmp_path / "out")
    assert fresh.state.step == 3


def test_drum_training_steps(tmp_path: Path) -> None:
    t = _trainer("tiny_drums", tmp_path)
    out = t.step_losses(t.batch())
    assert {"velocity_loss", "offset_loss", "velocity_accuracy"} <= set(out)
    assert t.train(max_steps=3).step == 3


def test_drum_scheduled_sampling_feeds_drawn_tokens_to_the_second_pass(tmp_path: Path) -> None:
    from dataclasses import replace

    t = _trainer("tiny_drums", tmp_path)
    t.tcfg = replace(t.tcfg, scheduled_sampling=1.0, sampling_ramp=1)
    seen = []
    decode = t.model.decode_hidden
    t.model.decode_hidden = lambda z, inputs, *args: seen.append(inputs) or decode(z, inputs, *args)
    b = t.batch()
    t.state.step = 0  # rate 0: the real tokens
    t.step_losses(b)
    assert seen[-1] is b["tokens"]
    t.state.step = 10  # rate 1: every input is the first pass's draw
    out = t.step_losses(b)
    assert not torch.equal(seen[-1], b["tokens"]) and torch.isfinite(out["loss"])
    out["loss"].backward()  # the loss is still on the real tokens and trains the model
    assert all(p.grad is not None for p in t.model.decoder.parameters() if p.requires_grad)


def test_sigterm_stops_after_the_step_and_checkpoints(tmp_path: Path) -> None:
    import os
    import signal

    t = _trainer("tiny_2bar", tmp_path)
    real_batch, calls = t.batch, []

    def batch():  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGTERM)  # as `kill PID` would, during step 3
        return real_batch()

    t.batch = batch  # type: ignore[method-assign]
    before = signal.getsignal(signal.SIGTERM)
    state = t.train(max_steps=50)
    assert t.stopped and state.step == 3
    assert signal.getsignal(signal.SIGTERM) == before  # handler restored
    t2 = _trainer("tiny_2bar", tmp_path)
    assert t2.load_checkpoint() and t2.state.step == 3


def test_kit_swap_exchanges_hi_hat_and_ride_with_their_velocities() -> None:
    from latentcomposer.data.drum_codec import swap_drum_classes
    from latentcomposer.data.drums import CLASSES, hits_to_tokens, tokens_to_hits

    hat, ride = CLASSES.index("closed hi-hat"), CLASSES.index("ride")
    hits = np.zeros((2, 4, 9), bool)
    hits[:, 0, [0, hat]] = True  # kick + hat
    hits[:, 1, ride] = True
    hits[:, 2, [1, hat, ride]] = True  # snare + both
    tokens = hits_to_tokens(hits).astype(np.int64)
    vel = np.zeros((2, 4, 9), dtype=np.int64)
    vel[:, 0, hat] = 5
    batch = {"tokens": tokens, "velocity": vel, "offset": vel.astype(np.float32) / 10}
    out = swap_drum_classes(batch, np.array([True, False]), hat, ride)
    swapped = tokens_to_hits(out["tokens"])
    assert swapped[0, 0, ride] and not swapped[0, 0, hat] and swapped[0, 0, 0]
    assert swapped[0, 1, hat] and not swapped[0, 1, ride]
    assert (swapped[0, 2] == hits[0, 2]).all()  # both hit: unchanged
    assert np.array_equal(out["tokens"][1], tokens[1])  # row not chosen
    assert out["velocity"][0, 0, ride] == 5 and out["velocity"][0, 0, hat] == 0
    assert out["offset"][0, 0, ride] == 0.5 and out["velocity"][1, 0, hat] == 5


def test_scheduled_sampling_schedules(tmp_path: Path) -> None:
    from dataclasses import replace

    named = get_config("tiny_2bar")
    linear = Trainer(replace(named, train=replace(named.train, scheduled_sampling=0.5, sampling_start=100,
                                                   sampling_ramp=200)), torch.device("cpu"), work_dir=tmp_path / "a",
                     log=lambda _: None)
    rates = {}
    for step in (0, 100, 200, 300, 5000):
        linear.state.step = step
        rates[step] = linear.sampling_rate()
    assert rates == {0: 0.0, 100: 0.0, 200: 0.25, 300: 0.5, 5000: 0.5}
    sigmoid = Trainer(replace(named, train=replace(named.train, scheduled_sampling=1.0)), torch.device("cpu"),
                      work_dir=tmp_path / "b", log=lambda _: None)
    sigmoid.state.step = 10_000  # MusicVAE's inverse sigmoid, k = 1000: 1 - 1000 / (1000 + e^10)
    assert abs(sigmoid.sampling_rate() - 0.957) < 1e-3
    sigmoid.state.step = 10 ** 7  # no overflow far out
    assert sigmoid.sampling_rate() == 1.0
    off = Trainer(named, torch.device("cpu"), work_dir=tmp_path / "c", log=lambda _: None)
    off.state.step = 10_000
    assert off.sampling_rate() == 0.0


def test_tom_shuffle_and_ghost_drop(tmp_path: Path) -> None:
    from dataclasses import replace

    from latentcomposer.data.drums import CLASSES, tokens_to_hits

    named = get_config("tiny_drums")
    t = Trainer(replace(named, train=replace(named.train, tom_shuffle=1.0, ghost_drop=1.0)), torch.device("cpu"),
                work_dir=tmp_path, log=lambda _: None)
    rng = np.random.default_rng(0)
    hits = rng.random((64, 32, 9)) < 0.3
    tokens = (hits << np.arange(9)).sum(-1).astype(np.int64)
    vel = np.where(hits, rng.integers(0, 8, hits.shape), 0).astype(np.uint8)
    data = {"tokens": tokens, "velocity": vel, "offset": np.zeros((64, 32, 9), np.float32)}
    t.set_data(data, data)
    assert t.augment is not None
    out = t.augment(data, np.arange(64), t.rng)
    got = tokens_to_hits(out["tokens"])
    loud = hits & (vel >= 2)
    toms = [CLASSES.index(c) for c in ("low tom", "mid tom", "high tom")]
    rest = [k for k in range(9) if k not in toms]
    assert np.array_equal(got[..., rest], loud[..., rest])  # soft hits gone, loud ones kept in place
    # toms: each window's loud tom hits come back as some permutation of the three toms
    moved = 0
    for w in range(64):
        perms = [p for p in itertools.permutations(range(3))
                 if np.array_equal(got[w][:, toms], loud[w][:, [toms[i] for i in p]])]
        assert perms
        moved += perms[0] != (0, 1, 2)
    assert moved > 20
    vgot = out["velocity"]
    assert ((vgot >= 2) | ~got).all()  # velocities travelled with their hits


def test_conditioned_config_warm_starts_from_its_parent(tmp_path: Path, tiny_model_dir: Path) -> None:
    """tiny_mel_chords from tiny_2bar: every weight copied, the chord columns zero, so the new model
    decodes exactly as the parent whatever the chords; a config that is not its parent is refused."""
    from latentcomposer.model.engine import Engine

    t = Trainer(get_config("tiny_mel_chords"), torch.device("cpu"), work_dir=tmp_path / "w", log=lambda _: None)
    t.init_from(tiny_model_dir)
    assert t.state.step == 0
    parent = Engine.load(tiny_model_dir, device="cpu", warmup=False)
    z = torch.randn(4, parent.z_dim, generator=torch.Generator().manual_seed(0))
    chords = torch.rand(4, t.cfg.n_steps, t.cfg.condition_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        got = t.model.eval().generate(z, condition=chords)
    assert torch.equal(got, parent.model.generate(z))
    w = t.model.decoder.rnn.weight_ih_l0
    assert float(w[:, -t.cfg.condition_dim:].abs().sum()) == 0.0
    other = Trainer(get_config("tiny_drums"), torch.device("cpu"), work_dir=tmp_path / "d", log=lambda _: None)
    with pytest.raises(RuntimeError, match="not tiny_drums"):
        other.init_from(tiny_model_dir)
