from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latentcomposer.cli import main
from latentcomposer.core.examples import example_clip, example_drums
from latentcomposer.data.drums import clip_to_drum_steps
from latentcomposer.io.midifile import read_midi, write_midi
from latentcomposer.model.engine import Engine, EngineError


@pytest.fixture(scope="module")
def eng(tiny_drums_dir: Path) -> Engine:
    return Engine.load(tiny_drums_dir, device="cpu")


def test_drum_calls(eng: Engine) -> None:
    beat = example_drums(4)
    samples = eng.sample(2, temperature=1.0, seed=2).clips
    assert all(c.is_drum and c.channel == 9 for c in samples)
    rec = eng.reconstruct(beat).clips[0]
    assert rec.is_drum and rec.end_tick <= beat.end_tick + beat.ppq
    res = eng.interpolate(beat, example_drums(2), steps=3)
    assert len(res.clips) == 3 and any("padded" in w for w in res.warnings)
    z = eng.encode([beat]).mu
    assert eng.attributes is not None and "fill" in eng.attributes.names
    kick = eng.attributes.vectors[eng.attributes.names.index("kick")]
    np.testing.assert_allclose(eng.shift(z, "kick", 1.0) - z, np.broadcast_to(kick, z.shape), atol=1e-5)
    with pytest.raises(EngineError, match="not drums"):
        eng.encode([example_clip("twinkle")])


def test_numpy_and_torch_loops_agree_on_dynamics(eng: Engine) -> None:
    import torch

    z = torch.randn(6, eng.z_dim, generator=torch.Generator().manual_seed(0))
    t1, a1 = eng.fast.decode_full(z, use_numpy=True)
    t2, a2 = eng.fast.decode_full(z, use_numpy=False)
    assert torch.equal(t1, t2) and a1 is not None and a2 is not None
    assert torch.equal(a1["velocity"], a2["velocity"])
    assert torch.allclose(a1["offset"], a2["offset"], atol=1e-5)


def test_humanize_keeps_hits_and_changes_dynamics(eng: Engine) -> None:
    beat = example_drums(4)
    out = eng.humanize(beat).clips[0]
    a, b = clip_to_drum_steps(beat), clip_to_drum_steps(out, n_steps=64)
    assert np.array_equal(a.hits, b.hits)
    assert (np.abs(b.offset[b.hits]) <= 0.5).all()


def test_humanize_needs_a_drum_model(tiny_model_dir: Path) -> None:
    with pytest.raises(EngineError, match="drum model"):
        Engine.load(tiny_model_dir, device="cpu").humanize(example_drums())


def test_cli_humanize_and_sample(tiny_drums_dir: Path, tmp_path: Path) -> None:
    src = write_midi(tmp_path / "beat.mid", [example_drums(4)])
    assert main(["humanize", str(src), "--model", str(tiny_drums_dir), "-o", str(tmp_path / "h.mid")]) == 0
    assert read_midi(tmp_path / "h.mid")[0].is_drum
    assert main(["sample", "--model", str(tiny_drums_dir), "-n", "2", "-o", str(tmp_path / "s.mid")]) == 0
    assert read_midi(tmp_path / "s.mid")[0].channel == 9
    mel = write_midi(tmp_path / "mel.mid", [example_clip("twinkle")])
    assert main(["humanize", str(mel), "--model", str(tiny_drums_dir), "-o", str(tmp_path / "x.mid")]) == 2


def test_drum_eval_hit_f1_matches_a_hand_count(eng: Engine) -> None:
    """hit F1 per class from greedy decodes, checked against counting the same decodes by hand."""
    from latentcomposer.model.evaluate import evaluate_windows

    ds = clip_to_drum_steps(example_drums(2))
    windows = np.stack([ds.tokens, np.roll(ds.tokens, 4)]).astype(np.int64)
    aux = {"velocity": np.stack([ds.velocity] * 2), "offset": np.stack([ds.offset] * 2)}
    res = evaluate_windows(eng.model, windows, aux=aux)
    import torch

    with torch.no_grad():
        x = torch.as_tensor(windows)
        mu, _ = eng.model.encode(x)
        gen = eng.model.generate(mu, temperature=0.0).numpy()
    t = (windows[..., None] >> np.arange(9)) & 1
    g = (gen[..., None] >> np.arange(9)) & 1
    tp, fp, fn = (t & g).sum(), ((1 - t) & g).sum(), (t & (1 - g)).sum()
    assert res.hit_f1 is not None
    assert res.hit_f1["all"] == pytest.approx(2 * tp / max(1, 2 * tp + fp + fn))
    kick_tp = (t[..., 0] & g[..., 0]).sum()
    kick_f1 = 2 * kick_tp / max(1, 2 * kick_tp + ((1 - t[..., 0]) & g[..., 0]).sum() + (t[..., 0] & (1 - g[..., 0])).sum())
    assert res.hit_f1["kick"] == pytest.approx(kick_f1)
    soft = t.astype(bool) & (aux["velocity"] < 3)
    assert res.soft_hit_recall == pytest.approx((soft & g.astype(bool)).sum() / soft.sum())
