"""Slider directions (model/directions.py, issue 26): on synthetic latents whose attributes are known
linear functions of z, the pure direction of one attribute moves it and leaves the other unchanged,
where the difference-of-means vector drags the other along; ``Engine.shift`` moves z along the
directions stored in the attribute files when they are there, along the attribute vectors otherwise,
on both runtimes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from latentcomposer.core.examples import NAMES, example_clip
from latentcomposer.model.attributes import update_directions
from latentcomposer.model.directions import METHODS, fit_directions, gram_schmidt, predicted_effects, ridge
from latentcomposer.model.engine import Engine
from latentcomposer.model.engine_types import DIRECTIONS_KEY, load_attributes


def _synthetic(n: int = 4000, d: int = 12, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray],
                                                                    np.ndarray, np.ndarray]:
    """Correlated latents z [n, d] (anisotropic covariance), attributes a = z.wa and b = z.wb with
    overlapping weights (so windows with much a also have much b), and the true weights [d, 2]."""
    rng = np.random.default_rng(seed)
    mix = rng.standard_normal((d, d)) * np.linspace(2.0, 0.3, d)[None]
    z = rng.standard_normal((n, d)) @ mix.T
    wa = rng.standard_normal(d)
    wb = 0.8 * wa + 0.6 * rng.standard_normal(d)
    attrs = {"a": z @ wa + 3.0, "b": z @ wb - 1.0}
    return z, attrs, np.stack([wa, wb], axis=1), _diff_of_means(z, attrs)


def _diff_of_means(z: np.ndarray, attrs: dict[str, np.ndarray]) -> np.ndarray:
    """Today's attribute vectors: mean z of the top quartile minus the bottom quartile's."""
    rows = []
    for v in attrs.values():
        lo, hi = np.quantile(v, [0.25, 0.75])
        rows.append(z[v >= hi].mean(0) - z[v <= lo].mean(0))
    return np.stack(rows)


@pytest.mark.parametrize("method", ["pure", "pure_data", "project_off"])
def test_pure_direction_moves_its_attribute_and_not_the_other(method: str) -> None:
    z, attrs, w_true, vectors = _synthetic()
    directions, info = fit_directions(z, attrs, vectors, method, alpha=1e-8)  # noise-free: no shrinkage needed
    std = np.array([attrs["a"].std(), attrs["b"].std()])
    moved = directions.astype(np.float64) @ w_true / std[None]  # true change of (a, b) in stds per unit
    by_vector = vectors @ w_true / std[None]
    for k in range(2):
        other = 1 - k
        assert abs(by_vector[k, other]) > 0.3 * abs(by_vector[k, k])  # the vector drags the other along
        assert abs(moved[k, other]) < 0.01 * abs(moved[k, k])  # the direction does not
        assert moved[k, k] == pytest.approx(by_vector[k, k], rel=0.02)  # same own change per unit
    assert info["method"] == method and info["windows"] == len(z)
    assert min(info["r2"].values()) > 0.99
    shrunk, _ = fit_directions(z, attrs, vectors, method)  # the default ridge penalty: still nearly pure
    moved = shrunk.astype(np.float64) @ w_true / std[None]
    assert abs(moved[0, 1]) < 0.05 * abs(moved[0, 0]) and abs(moved[1, 0]) < 0.05 * abs(moved[1, 1])


def test_gram_schmidt_rows_are_orthogonal_and_first_is_unchanged() -> None:
    rng = np.random.default_rng(1)
    v = rng.standard_normal((4, 9))
    g = gram_schmidt(v)
    np.testing.assert_allclose(g[0], v[0])
    gram = g @ g.T
    np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0.0, atol=1e-9)


def test_ridge_recovers_linear_weights_and_predicted_effects_are_diagonal_for_pure() -> None:
    z, attrs, w_true, vectors = _synthetic(seed=2)
    y = np.stack(list(attrs.values()), axis=1)
    w, b = ridge(z, y, alpha=1e-8)
    np.testing.assert_allclose(w, w_true, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(b, y.mean(0))
    directions, _ = fit_directions(z, attrs, vectors, "pure")
    y_std = (y - y.mean(0)) / y.std(0)
    eff = predicted_effects(directions, ridge(z, y_std)[0])
    assert abs(eff[0, 1]) < 1e-4 * abs(eff[0, 0]) and abs(eff[1, 0]) < 1e-4 * abs(eff[1, 1])


def test_constant_attribute_keeps_its_vector_and_unknown_method_fails() -> None:
    z, attrs, _, vectors = _synthetic(seed=3)
    attrs["flat"] = np.ones(len(z))
    vectors = np.concatenate([vectors, np.full((1, z.shape[1]), 0.5)])
    directions, info = fit_directions(z, attrs, vectors, "pure")
    np.testing.assert_allclose(directions[2], vectors[2], rtol=1e-6)
    assert np.isfinite(directions).all() and set(info["r2"]) == {"a", "b", "flat"}
    with pytest.raises(ValueError, match="unknown direction method"):
        fit_directions(z, attrs, vectors, "sideways")
    assert "pure" in METHODS


def _without_directions(src: Path, dst: Path) -> Path:
    """A copy of a model folder whose attribute files have no slider directions (as shipped before)."""
    shutil.copytree(src, dst)
    tensors = {k: v for k, v in load_file(str(dst / "attributes.safetensors")).items() if k != DIRECTIONS_KEY}
    save_file(tensors, str(dst / "attributes.safetensors"))
    doc = json.loads((dst / "attributes.json").read_text())
    doc.pop(DIRECTIONS_KEY, None)
    (dst / "attributes.json").write_text(json.dumps(doc))
    return dst


@pytest.mark.parametrize("runtime", ["auto", "torch"])
def test_engine_shift_uses_stored_directions_else_vectors(tiny_model_dir: Path, tmp_path: Path,
                                                          runtime: str) -> None:
    old = _without_directions(tiny_model_dir, tmp_path / "old")
    new = shutil.copytree(old, tmp_path / "new")
    attrs = load_attributes(old)
    assert attrs is not None and attrs.directions is None
    rng = np.random.default_rng(0)
    stored = rng.standard_normal(attrs.vectors.shape).astype(np.float32)
    update_directions(new, stored, {"method": "test", "description": "random rows"})

    for folder, expected in ((old, attrs.vectors), (new, stored)):
        eng = Engine.load(folder, device="cpu", warmup=False, runtime=runtime)
        assert (eng.numpy_runtime is not None) == (runtime == "auto")
        assert eng.attributes is not None
        z = eng.encode([example_clip("twinkle").slice_bars(0, 2)]).mu
        k = eng.attributes.names.index("density")
        np.testing.assert_allclose(eng.shift(z, "density", 1.5) - z, 1.5 * expected[k][None], atol=1e-5)
        np.testing.assert_allclose(eng.attributes.vectors, attrs.vectors)  # the vectors stay as they were
    got = load_attributes(new)
    assert got is not None and got.directions_info == {"method": "test", "description": "random rows"}
    assert got.prior is not None and got.reference_latents is not None  # the other tensors are kept


def test_computed_attribute_files_carry_the_directions_and_how_they_were_made(tiny_model_dir: Path,
                                                                              tmp_path: Path) -> None:
    from latentcomposer.model.attributes import compute_attributes, save_attributes

    folder = _without_directions(tiny_model_dir, tmp_path / "m")
    eng = Engine.load(folder, device="cpu", warmup=False)
    wins = np.concatenate([eng.clip_windows(example_clip(n).transpose(k))[0] for n in NAMES for k in (-2, 0, 3)])
    plain = compute_attributes(eng, wins, n_components=4, n_reference=20)  # the default: no directions
    assert DIRECTIONS_KEY not in plain
    save_attributes(folder, compute_attributes(eng, wins, n_components=4, n_reference=20, directions="pure_data"),
                    eng.codec.attributes())
    got = load_attributes(folder)
    assert got is not None and got.directions is not None
    assert got.directions.shape == got.vectors.shape and np.isfinite(got.directions).all()
    assert got.directions_info is not None and got.directions_info["method"] == "pure_data"
    assert "Mahalanobis" in got.directions_info["description"]
    np.testing.assert_allclose(got.slider_vectors, got.directions)


def test_decoder_response_is_seeded_and_shaped_like_the_latents(tiny_model_dir: Path) -> None:
    from latentcomposer.model.attributes import decoder_response, encode_means, slider_directions

    eng = Engine.load(tiny_model_dir, device="cpu", warmup=False)
    wins = np.concatenate([eng.clip_windows(example_clip(n))[0] for n in NAMES[:2]])
    mu = encode_means(eng, wins)
    eps, delta = decoder_response(eng, mu, seed=3)
    eps2, delta2 = decoder_response(eng, mu, seed=3)
    assert eps.shape == mu.shape and set(delta) == set(eng.codec.attributes())
    np.testing.assert_array_equal(eps, eps2)
    for k in delta:
        np.testing.assert_array_equal(delta[k], delta2[k])
    with pytest.raises(ValueError, match="need the engine"):
        slider_directions(mu, {"density": np.arange(len(mu), dtype=float)}, np.ones((1, mu.shape[1])),
                          "pure_decoder")


def test_eval_script_tables_label_each_direction_set() -> None:
    import importlib.util

    from latentcomposer.model.latent_figures import slider_figures

    repo = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("latent_space_eval", repo / "scripts" / "latent_space_eval.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    amounts = np.array([-1.0, 0.0, 1.0])
    std = {"density": 1.0, "range": 2.0}

    def block(side: float) -> dict[str, object]:
        values = {"density": np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 4.0]]),
                  "range": np.array([[0.0, 0.0], [side, side], [0.0, 0.0]])}
        fig = slider_figures(amounts, values, "density", std)
        fig.update(travel=[-1.0, 1.0], moves="slider direction")
        return {"figures": {"density": fig}}

    doc = {"model": "m", "train_std": std,
           "sliders_by_directions": {"vectors": block(2.0), "pure_data": block(0.1)}}
    rows = [r for r in script.markdown([doc]) if r.startswith("| m [")]
    assert [r.split(" | ")[0] for r in rows] == ["| m [vectors]", "| m [pure_data]"]
    assert "range 1.00" in rows[0] and "range 0.05" in rows[1] and rows[1].endswith("| met |")
