from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latentcomposer.core import Clip, Note
from latentcomposer.core.examples import example_clip
from latentcomposer.model.engine import Engine, EngineError, slerp


@pytest.fixture(scope="module")
def eng(tiny_model_dir: Path) -> Engine:
    return Engine.load(tiny_model_dir, device="cpu")


@pytest.fixture(scope="module")
def hier(tiny_hier_dir: Path) -> Engine:
    return Engine.load(tiny_hier_dir, device="cpu")


def test_shapes_and_chunking(eng: Engine, hier: Engine) -> None:
    clip = example_clip("twinkle")  # 8 bars
    code = eng.encode([clip, example_clip("mary").slice_bars(0, 2)])
    assert code.chunks == [4, 1] and code.mu.shape == (5, eng.z_dim) and code.z.shape == code.mu.shape
    assert (code.sigma > 0).all()
    out = eng.reconstruct(clip)
    assert out.clips[0].end_tick == clip.end_tick and out.clips[0].tempo == clip.tempo
    # the 4-bar hierarchical model pads a 6-bar clip with rests, trims, and says so
    six = clip.slice_bars(0, 6)
    res = hier.reconstruct(six)
    assert res.clips[0].end_tick <= six.bar_ticks * 6
    assert any("padded" in w for w in res.warnings)


def test_determinism_under_seed(eng: Engine) -> None:
    a = eng.sample(3, temperature=1.0, seed=7).clips
    b = eng.sample(3, temperature=1.0, seed=7).clips
    c = eng.sample(3, temperature=1.0, seed=8).clips
    assert [x.notes for x in a] == [x.notes for x in b]
    assert [x.notes for x in a] != [x.notes for x in c]
    z1 = eng.encode([example_clip("ode_to_joy")], seed=3).z
    assert np.array_equal(z1, eng.encode([example_clip("ode_to_joy")], seed=3).z)


def test_greedy_decode_matches_reference_model(tiny_model_dir: Path, tiny_hier_dir: Path) -> None:
    import torch

    for folder in (tiny_model_dir, tiny_hier_dir):
        e = Engine.load(folder, device="cpu", decoding="greedy")
        z = torch.randn(4, e.z_dim, generator=torch.Generator().manual_seed(0))
        assert np.array_equal(e.decode_tokens(z), e.model.generate(z, 0.0).numpy())


def test_temperature_zero_uses_the_chosen_decoding(eng: Engine) -> None:
    import torch

    from latentcomposer.model.search import search_decode

    z = torch.randn(3, eng.z_dim, generator=torch.Generator().manual_seed(1))
    assert eng.decoding == "search"  # the default
    assert np.array_equal(eng.decode_tokens(z), search_decode(eng.model, z, eng.beam).numpy())
    try:
        eng.set_decoding("greedy")
        assert np.array_equal(eng.decode_tokens(z), eng.model.generate(z, 0.0).numpy())
        with pytest.raises(EngineError, match="unknown decoding"):
            eng.set_decoding("nucleus")
        with pytest.raises(EngineError, match="beam"):
            eng.set_decoding("search", 0)
        assert eng.decoding == "greedy"  # a refused change leaves the engine as it was
    finally:
        eng.set_decoding("search")


def test_batch_equals_one_by_one(eng: Engine) -> None:
    z = np.random.default_rng(0).standard_normal((5, eng.z_dim)).astype(np.float32)
    batch = eng.decode_tokens(z)
    single = np.concatenate([eng.decode_tokens(z[i:i + 1]) for i in range(5)])
    assert np.array_equal(batch, single)
    clips = [example_clip(n).slice_bars(0, 2) for n in ("twinkle", "mary", "jingle_bells")]
    mu_b = eng.encode(clips).mu
    mu_1 = np.concatenate([eng.encode([c]).mu for c in clips])
    np.testing.assert_allclose(mu_b, mu_1, atol=1e-5)


def test_interpolation_endpoints_are_the_encodings(eng: Engine) -> None:
    a, b = example_clip("twinkle").slice_bars(0, 2), example_clip("ode_to_joy").slice_bars(0, 2)
    res = eng.interpolate(a, b, steps=5, method="slerp")
    assert len(res.clips) == 5 and res.z is not None
    mu = eng.encode([a, b]).mu
    np.testing.assert_allclose(res.z[0, 0], mu[0], atol=1e-5)
    np.testing.assert_allclose(res.z[-1, 0], mu[1], atol=1e-5)
    assert res.clips[0].notes == eng.reconstruct(a).clips[0].notes
    assert res.clips[-1].notes == eng.reconstruct(b).clips[0].notes
    lerp = eng.interpolate(a, b, steps=3, method="lerp")
    np.testing.assert_allclose(lerp.z[1, 0], (mu[0] + mu[1]) / 2, atol=1e-5)


def test_interpolation_of_different_lengths_pads_and_says_so(eng: Engine) -> None:
    a, b = example_clip("twinkle"), example_clip("mary").slice_bars(0, 4)
    res = eng.interpolate(a, b, steps=3)
    assert any("padded with rests" in w for w in res.warnings)
    assert all(c.end_tick <= a.end_tick for c in res.clips)


def test_slerp_keeps_norm_between_equal_norm_vectors() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(16), rng.standard_normal(16)
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    for t in (0.0, 0.3, 0.5, 1.0):
        assert np.linalg.norm(slerp(a, b, t)) == pytest.approx(np.linalg.norm(a), rel=1e-6)
    np.testing.assert_allclose(slerp(a, b, 0.0), a)
    np.testing.assert_allclose(slerp(a, b, 1.0), b)


def test_attribute_shift_moves_z_along_the_slider_direction(eng: Engine) -> None:
    assert eng.attributes is not None
    z = eng.encode([example_clip("twinkle").slice_bars(0, 2)]).mu
    v = eng.attributes.slider_vectors[eng.attributes.names.index("density")]  # model/directions.py
    np.testing.assert_allclose(eng.shift(z, "density", 1.5) - z, 1.5 * v[None], atol=1e-6)
    d1 = eng.shift(z, "dim1", 2.0) - z
    direction = eng.attributes.pca_components[0]
    np.testing.assert_allclose(d1[0] / np.linalg.norm(d1[0]), direction / np.linalg.norm(direction), atol=1e-5)
    with pytest.raises(EngineError, match="unknown attribute"):
        eng.shift(z, "loudness", 1.0)


def test_polyphonic_input_warns_and_uses_top_voice(eng: Engine) -> None:
    chords = Clip(notes=(Note(0, 60, 480), Note(0, 64, 480), Note(0, 67, 480), Note(480, 65, 960)))
    code = eng.encode([chords])
    assert any("polyphonic" in w for w in code.warnings)


def test_errors_are_engine_errors(eng: Engine) -> None:
    with pytest.raises(EngineError, match="no notes"):
        eng.encode([Clip()])
    with pytest.raises(EngineError, match="drums"):
        eng.encode([Clip(notes=(Note(0, 36, 100),), is_drum=True)])
    with pytest.raises(EngineError, match="z has"):
        eng.decode_tokens(np.zeros((1, eng.z_dim + 1)))
    with pytest.raises(EngineError):
        eng.interpolate(example_clip("twinkle"), example_clip("mary"), steps=1)
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(EngineError, match="CUDA"):
            Engine.load("whatever", device="cuda")


def test_numpy_loop_matches_torch_loop(eng: Engine, hier: Engine) -> None:
    """The CPU NumPy step loop and the torch loop (the CUDA path) give the same tokens."""
    import torch

    for e in (eng, hier):
        z = torch.randn(32, e.z_dim, generator=torch.Generator().manual_seed(2))
        assert torch.equal(e.fast.decode(z, use_numpy=True), e.fast.decode(z, use_numpy=False))
        g1, g2 = torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
        assert torch.equal(e.fast.decode(z, 0.7, g1, use_numpy=True), e.fast.decode(z, 0.7, g2, use_numpy=False))


def test_spearman_handles_ties_and_constants() -> None:
    from latentcomposer.model.attributes import spearman

    x = np.arange(9.0)
    assert spearman(x, x ** 2) == pytest.approx(1.0)
    assert spearman(x, -x) == pytest.approx(-1.0)
    assert np.isnan(spearman(x, np.ones(9)))  # no change is not a perfect correlation
    assert spearman(x, np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])) == pytest.approx(0.9486, abs=1e-3)


def test_prior_check_compares_samples_with_the_data(tiny_model_dir: Path) -> None:
    from latentcomposer.data.attributes import in_key
    from latentcomposer.model.analysis import prior_check

    eng = Engine.load(tiny_model_dir, device="cpu")
    windows = np.full((3, eng.cfg.n_steps), 129, dtype=np.int64)
    windows[0, [0, 4, 8]] = [60, 62, 64]  # C D E: in C major
    windows[1, [0, 4, 8]] = [60, 61, 62]  # C C# D: no major scale holds all three
    report = prior_check(eng, windows, n=8, temperatures=(0.5, 1.0))
    assert report["samples"] == 8 and set(report["prior"]) == {"0.5", "1", "fitted 0.5", "fitted 1"}
    data = report["data"]
    assert data["share silent"] == pytest.approx(1 / 3)  # the third window has no notes
    assert data["in-key"] == pytest.approx((1.0 + in_key(windows[1]) + 0.0) / 3)
    assert data["share in one key"] == pytest.approx(1 / 3)
    for summary in report["prior"].values():
        assert set(summary) == set(data)
        assert 0.0 <= summary["share silent"] <= 1.0
    # the same seed gives the same samples
    assert prior_check(eng, windows, n=8, temperatures=(1.0,))["prior"]["1"] == report["prior"]["1"]
