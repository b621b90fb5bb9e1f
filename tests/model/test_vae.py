from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.model.checkpoint import CheckpointError, load_model, save_model
from latentcomposer.model.config import ConfigError, ModelConfig, get_config
from latentcomposer.model.evaluate import evaluate_windows
from latentcomposer.model.vae import MusicVAE, vae_loss


@pytest.mark.parametrize("name", ["tiny_2bar", "tiny_4bar_hier"])
def test_forward_backward_and_generate(name: str) -> None:
    torch.manual_seed(0)
    cfg = get_config(name).model
    model = MusicVAE(cfg)
    x = torch.randint(0, 130, (3, cfg.n_steps))
    logits, mu, sigma = model(x)
    assert logits.shape == (3, cfg.n_steps, 130) and mu.shape == (3, cfg.z_dim)
    assert bool((sigma > 0).all())
    out = vae_loss(logits, x, mu, sigma, beta=0.2, free_bits=1.0)
    out["loss"].backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    gen = model.generate(mu.detach(), temperature=0.0)
    assert gen.shape == (3, cfg.n_steps) and int(gen.max()) < 130


def test_a_few_steps_reduce_the_loss() -> None:
    torch.manual_seed(0)
    cfg = get_config("tiny_2bar").model
    model = MusicVAE(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x = torch.full((8, cfg.n_steps), 129)
    x[:, ::4] = 60 + torch.arange(8).unsqueeze(1)
    first = None
    for _ in range(30):
        logits, mu, sigma = model(x)
        loss = vae_loss(logits, x, mu, sigma, 0.0, 0.0)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.5 * first


def test_teacher_forced_equals_stepwise_decoding() -> None:
    """The whole-sequence LSTM (training) and the step function (sampling) share weights exactly."""
    torch.manual_seed(1)
    for name in ("tiny_2bar", "tiny_4bar_hier"):
        model = MusicVAE(get_config(name).model).eval()
        z = torch.randn(2, model.cfg.z_dim)
        greedy = model.generate(z, temperature=0.0)
        logits = model.decode_logits(z, greedy)
        assert torch.equal(logits.argmax(-1), greedy)


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    cfg = get_config("tiny_4bar_hier").model
    model = MusicVAE(cfg).eval()
    save_model(model, cfg, tmp_path / "m", meta={"trained_steps": 3})
    loaded, cfg2, meta = load_model(tmp_path / "m")
    assert cfg2 == cfg and meta["trained_steps"] == 3
    x = torch.randint(0, 130, (2, cfg.n_steps))
    with torch.no_grad():
        assert torch.equal(model.encode(x)[0], loaded.encode(x)[0])
        z = model.encode(x)[0]
        assert torch.equal(model.generate(z), loaded.generate(z))


def test_config_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    cfg = get_config("tiny_2bar").model
    save_model(MusicVAE(cfg), cfg, tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "config.json").read_text())
    doc["model"]["dec_hidden"] = 32
    (tmp_path / "m" / "config.json").write_text(json.dumps(doc))
    with pytest.raises(CheckpointError, match="do not match"):
        load_model(tmp_path / "m")
    doc["model"]["warp_drive"] = True
    (tmp_path / "m" / "config.json").write_text(json.dumps(doc))
    with pytest.raises(CheckpointError, match="unknown model config keys"):
        load_model(tmp_path / "m")
    with pytest.raises(CheckpointError, match="no model named"):
        load_model("no_such_model")
    (tmp_path / "m" / "model.safetensors").write_bytes(b"garbage")
    doc["model"].pop("warp_drive")
    (tmp_path / "m" / "config.json").write_text(json.dumps(doc))
    with pytest.raises(CheckpointError, match="damaged"):
        load_model(tmp_path / "m")
    with pytest.raises(ConfigError):
        ModelConfig.from_dict({"name": "x", "n_bars": "two", "bogus": 1})


def test_eval_on_two_windows_is_well_formed() -> None:
    cfg = get_config("tiny_2bar").model
    model = MusicVAE(cfg)
    windows = np.full((2, cfg.n_steps), 129, dtype=np.uint8)
    windows[:, 0] = [60, 67]
    res = evaluate_windows(model, windows)
    d = res.as_dict()
    assert d["windows"] == 2
    for key in ("teacher_forced_accuracy", "sampled_accuracy", "sampled_event_accuracy"):
        assert 0.0 <= d[key] <= 1.0
    assert d["kl"] >= 0.0


def _seeded_decoder_inputs(config: str) -> tuple[MusicVAE, torch.Tensor, torch.Tensor]:
    """A seeded tiny model in eval mode, two latents and two melody windows for teacher forcing."""
    cfg = get_config(config).model
    torch.manual_seed(0)
    model = MusicVAE(cfg).eval()
    return model, torch.randn(2, cfg.z_dim), torch.randint(0, 130, (2, cfg.n_steps))


def test_input_dropout_hides_previous_tokens_only_when_asked() -> None:
    model, z, a = _seeded_decoder_inputs("tiny_2bar")
    b = torch.randint(0, 130, a.shape)
    la, _ = model.decode_hidden(z, a)
    lb, _ = model.decode_hidden(z, b)
    assert not torch.allclose(la, lb)  # teacher forcing: the inputs matter
    da, _ = model.decode_hidden(z, a, input_dropout=1.0)
    db, _ = model.decode_hidden(z, b, input_dropout=1.0)
    assert torch.allclose(da, db)  # every input dropped: only z is left
    assert torch.equal(model.decode_hidden(z, a, input_dropout=0.0)[0], la)


def test_decoder_dropout_is_a_training_only_perturbation() -> None:
    model, z, a = _seeded_decoder_inputs("tiny_4bar_hier")
    clean, _ = model.decode_hidden(z, a)
    assert torch.equal(model.decode_hidden(z, a, dropout=0.0)[0], clean)
    noisy, states = model.decode_hidden(z, a, dropout=0.5)
    assert not torch.allclose(noisy, clean)
    # inverted dropout: about half the top-layer states are zeroed, the rest scaled by 2
    assert 0.3 < float((states == 0).float().mean()) < 0.7
    # only the trainer's argument turns it on: train mode alone leaves the decoder untouched
    model.train()
    assert torch.equal(model.decode_hidden(z, a)[0], clean)


def test_parallel_scheduled_sampling_replaces_a_share_of_the_inputs() -> None:
    model, z, a = _seeded_decoder_inputs("tiny_4bar_hier")
    assert model.sampled_inputs(z, a, 0.0) is a  # rate 0: teacher forcing
    gen = torch.Generator().manual_seed(1)
    half = model.sampled_inputs(z, a, 0.5, gen)
    assert half.shape == a.shape and half.dtype == a.dtype
    assert 0 <= int(half.min()) and int(half.max()) < 130  # real tokens, never the start token
    changed = float((half != a).float().mean())
    assert 0.3 < changed < 0.7  # an untrained decoder's draws rarely match the targets
    # the draws come from the teacher-forced distribution: where it is certain, they are its argmax
    sure = model.sampled_inputs(z, a, 1.0, torch.Generator().manual_seed(2))
    logits = model.decode_logits(z, a)
    peaked = logits.softmax(-1).max(-1).values > 0.99
    assert torch.equal(sure[peaked], logits.argmax(-1)[peaked])


def test_slotted_conductor_trains_and_decodes_like_the_fast_path() -> None:
    from dataclasses import replace

    from latentcomposer.model.engine import Engine

    cfg = replace(get_config("tiny_4bar_hier").model, conductor_input="slots", conductor_residual=True)
    torch.manual_seed(0)
    model = MusicVAE(cfg)
    x = torch.randint(0, 130, (3, cfg.n_steps))
    logits, mu, sigma = model(x)
    vae_loss(logits, x, mu, sigma, 0.2, 1.0)["loss"].backward()
    assert model.conductor.slot_in.weight.grad is not None and model.conductor.skip.weight.grad is not None
    model.eval()
    z = torch.randn(2, cfg.z_dim)
    z2 = z.clone()
    z2[:, -cfg.z_dim // cfg.n_bars:] += 1.0  # only the last bar's slot
    a, b = model.conductor(z), model.conductor(z2)
    # the slot feeds its own bar's input: earlier bars see it only through the initial state
    assert not torch.allclose(a[:, -1], b[:, -1])
    assert (a[:, -1] - b[:, -1]).abs().mean() > (a[:, 0] - b[:, 0]).abs().mean()
    eng = Engine(model, cfg, {}, torch.device("cpu"), name="t", warmup=False)
    assert torch.equal(eng.fast.decode(z), model.generate(z))
    with pytest.raises(ConfigError):
        replace(get_config("tiny_4bar_hier").model, conductor_residual=True)  # zeros have nothing to skip


def test_transformer_encoder_with_the_hierarchical_decoder() -> None:
    from dataclasses import replace

    from latentcomposer.model.engine import Engine

    base = get_config("tiny_4bar_hier").model
    cfg = replace(base, encoder="transformer", bar_z_dim=2, z_dim=8, d_model=16, n_heads=2, tf_layers=1,
                  conductor_input="slots", conductor_residual=True)
    torch.manual_seed(0)
    model = MusicVAE(cfg)
    x = torch.randint(0, 130, (2, cfg.n_steps))
    mu, sigma = model.encode(x)
    assert mu.shape == sigma.shape == (2, cfg.z_dim)
    model.eval()
    y = x.clone()
    y[:, -cfg.steps_per_bar:] = (y[:, -cfg.steps_per_bar:] + 1) % 130
    assert not torch.allclose(model.encode(y)[0][:, :2], model.encode(x)[0][:, :2])  # not causal: bar 1 sees bar 4
    model.train()
    logits, mu, sigma = model(x)
    vae_loss(logits, x, mu, sigma, 0.2, 1.0)["loss"].backward()
    assert all(p.grad is not None for p in model.encoder.parameters() if p.requires_grad)
    model.eval()
    z = torch.randn(2, cfg.z_dim)
    eng = Engine(model, cfg, {}, torch.device("cpu"), name="t", warmup=False)
    assert torch.equal(eng.fast.decode(z), model.generate(z))
    with pytest.raises(ConfigError):
        replace(base, encoder="transformer", bar_z_dim=3, z_dim=8)  # z_dim must be n_bars * bar_z_dim
