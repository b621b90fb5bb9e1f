from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.core.examples import example_clip
from latentcomposer.model.config import get_config
from latentcomposer.model.engine import Engine, EngineError
from latentcomposer.model.transformer_vae import TransformerVAE
from latentcomposer.model.vae import vae_loss


@pytest.fixture(scope="module")
def eng(tiny_tvae_dir: Path) -> Engine:
    return Engine.load(tiny_tvae_dir, device="cpu")


def test_encoder_is_causal_over_bars() -> None:
    torch.manual_seed(0)
    cfg = get_config("tiny_tvae").model
    model = TransformerVAE(cfg).eval()
    x = torch.randint(0, 130, (2, cfg.n_steps))
    with torch.no_grad():
        for t in range(cfg.n_bars):
            x2 = x.clone()
            x2[:, t * 16:(t + 1) * 16] = torch.randint(0, 130, (2, 16))
            mu1, s1 = model.encode(x)
            mu2, s2 = model.encode(x2)
            per_bar = (mu1 - mu2).reshape(2, cfg.n_bars, -1).abs().amax(dim=(0, 2))
            assert torch.equal(per_bar[:t], torch.zeros(t)), t  # exactly unchanged before bar t
            assert torch.equal(s1.reshape(2, cfg.n_bars, -1)[:, :t], s2.reshape(2, cfg.n_bars, -1)[:, :t])


def test_decoder_is_causal_over_bars() -> None:
    torch.manual_seed(0)
    cfg = get_config("tiny_tvae").model
    model = TransformerVAE(cfg).eval()
    z = torch.randn(1, cfg.z_dim)
    z2 = z.clone()
    z2[:, 2 * cfg.bar_z_dim:] = torch.randn(1, z.shape[1] - 2 * cfg.bar_z_dim)
    a, b = model.generate(z), model.generate(z2)
    assert torch.equal(a[:, :32], b[:, :32])


def test_per_bar_free_bits() -> None:
    mu = torch.zeros(1, 8)
    mu[0, :2] = 3.0  # all KL in bar 1 of 4 (2 dims per bar)
    sigma = torch.ones(1, 8)
    logits, targets = torch.zeros(1, 4, 130), torch.zeros(1, 4, dtype=torch.long)
    flat = vae_loss(logits, targets, mu, sigma, beta=1.0, free_bits=8.0, groups=1)
    per_bar = vae_loss(logits, targets, mu, sigma, beta=1.0, free_bits=8.0, groups=4)
    # KL = 9 nats in one bar: flat free bits (8) leave 1; per bar (2 each) leave 7
    assert float(flat["loss"] - flat["recon"]) == pytest.approx(1.0)
    assert float(per_bar["loss"] - per_bar["recon"]) == pytest.approx(7.0)


def test_context_transfer_all_from_x2_is_reconstruction(eng: Engine) -> None:
    x1, x2 = example_clip("mary").slice_bars(0, 4), example_clip("jingle_bells").slice_bars(0, 4)
    res = eng.context_transfer(x1, x2, bars_from_x1=[])
    assert res.clips[0].notes == eng.reconstruct(x2).clips[0].notes
    one = eng.context_transfer(x1, x2, bars_from_x1=[0])
    z1, z2 = eng.encode_bars(x1), eng.encode_bars(x2)
    np.testing.assert_allclose(one.z[0], z1[0])
    np.testing.assert_allclose(one.z[1:], z2[1:])


def test_encode_decode_bars(eng: Engine) -> None:
    clip = example_clip("twinkle")  # 8 bars = 2 windows of the 4-bar tiny model
    z = eng.encode_bars(clip)
    assert z.shape == (8, eng.cfg.bar_z_dim)
    out = eng.decode_bars(z, template=clip)
    assert out.notes == eng.reconstruct(clip).clips[0].notes


def test_a_short_clip_has_only_its_own_bars(eng: Engine) -> None:
    clip = example_clip("twinkle").slice_bars(0, 3)  # 3 bars in a 4-bar window (one rest bar of padding)
    z = eng.encode_bars(clip)
    assert z.shape == (3, eng.cfg.bar_z_dim)
    full = eng.encode([clip]).mu.reshape(-1, eng.cfg.bar_z_dim)
    np.testing.assert_allclose(z, full[:3])  # causal: the padding changes none of them
    out = eng.decode_bars(z, template=clip)
    assert out.notes == eng.reconstruct(clip).clips[0].notes
    with pytest.raises(EngineError, match="bar 4"):
        eng.resample_bar(clip, 3)


def test_resample_bar_keeps_earlier_bars(eng: Engine) -> None:
    clip = example_clip("ode_to_joy").slice_bars(0, 4)
    base = eng.reconstruct(clip).clips[0]
    res = eng.resample_bar(clip, bar=2, temperature=1.0, seed=5)
    bar_ticks = clip.bar_ticks
    before = [n for n in res.clips[0].notes if n.end <= 2 * bar_ticks]
    assert before == [n for n in base.notes if n.end <= 2 * bar_ticks]
    with pytest.raises(EngineError, match="outside"):
        eng.resample_bar(clip, bar=9)


def test_per_bar_calls_need_a_tvae(tiny_model_dir: Path) -> None:
    flat = Engine.load(tiny_model_dir, device="cpu")
    with pytest.raises(EngineError, match="per-bar"):
        flat.encode_bars(example_clip("twinkle"))


def test_cli_transfer_and_resample(tiny_tvae_dir: Path, tmp_path: Path) -> None:
    from latentcomposer.cli import main
    from latentcomposer.io.midifile import read_midi, write_midi

    a = write_midi(tmp_path / "mary.mid", [example_clip("mary")])
    b = write_midi(tmp_path / "jingle.mid", [example_clip("jingle_bells")])
    assert main(["transfer", str(a), str(b), "--bars", "1,2", "--model", str(tiny_tvae_dir),
                 "-o", str(tmp_path / "t.mid")]) == 0
    assert read_midi(tmp_path / "t.mid")[0].n_bars <= 8
    assert main(["resample-bar", str(a), "--bar", "3", "--temperature", "0.8", "--model", str(tiny_tvae_dir),
                 "-o", str(tmp_path / "r.mid")]) == 0
    assert main(["transfer", str(a), str(b), "--bars", "0", "--model", str(tiny_tvae_dir),
                 "-o", str(tmp_path / "t.mid")]) == 2


def test_repetition_check_is_well_formed(eng: Engine) -> None:
    from latentcomposer.data.melody import clip_to_tokens
    from latentcomposer.model.analysis import repetition_check

    toks = clip_to_tokens(example_clip("twinkle"))[:64].copy()
    toks[48:64] = toks[0:16]  # bar 4 repeats bar 1
    rep = repetition_check(eng, np.stack([toks, toks]))
    assert rep.windows == 2 and rep.repeated_bars == 2 and rep.first_occurrences == 2
    assert rep.kl_repeated >= 0 and 0.0 <= rep.repeat_reproduced <= 1.0


def test_transfer_check_finds_recurrences_and_scores_a_splice_as_a_splice(eng: Engine) -> None:
    """Windows whose bar 1 recurs (bar 3) are transfer targets; a donor with another bar 1 is found;
    'splice_follows_new' is what keeping X2's own bar would score, from the data alone."""
    from latentcomposer.data.melody import NO_EVENT, clip_to_tokens
    from latentcomposer.model.analysis import transfer_check

    n = eng.cfg.n_bars * 16
    a = np.full(n, NO_EVENT, dtype=np.int64)
    a[:64] = clip_to_tokens(example_clip("twinkle"))[:64]
    a[32:48] = a[0:16]  # bar 3 repeats bar 1
    b = np.full(n, NO_EVENT, dtype=np.int64)
    b[:64] = clip_to_tokens(example_clip("mary"))[:64]
    rep = transfer_check(eng, np.stack([a, b]))
    assert rep.pairs == 1 and rep.recurrences >= 1
    assert 0.0 <= rep.follows_new <= 1.0 and 0.0 <= rep.keeps_old <= 1.0
    assert rep.splice_follows_new < 0.5  # Mary's bar 1 is not Twinkle's
    with pytest.raises(ValueError, match="repeats its first bar"):
        transfer_check(eng, np.stack([b, b[::-1].copy()]))
