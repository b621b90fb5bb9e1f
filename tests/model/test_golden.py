"""Every shipped model's outputs are bit-identical to those recorded before the registry refactor
(issue 22): encodings of fixed clips, greedy / search / seeded-sampling decodes of fixed latents.
Re-record only on purpose (``python scripts/golden.py record``) when a model's weights change.

The goldens are the torch runtime's, compared bit for bit; the torch-free runtime (model/numpy_runtime.py,
the default on the CPU for the models it covers) gives the same tokens and the same encodings to 1e-5
(NumPy's float sums are not torch's)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from latentcomposer.model.engine import Engine
from latentcomposer.model.numpy_runtime import unsupported
from latentcomposer.model.registry import read_config

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("golden", REPO / "scripts" / "golden.py")
assert _spec and _spec.loader
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def _outputs(name: str, runtime: str, monkeypatch: Any) -> dict[str, np.ndarray]:
    load = Engine.load
    monkeypatch.setattr(Engine, "load", lambda *a, **k: load(*a, **{**k, "runtime": runtime}))
    return golden.golden_outputs(name)


@pytest.mark.parametrize("name", golden.shipped())
def test_shipped_model_outputs_are_unchanged(name: str, monkeypatch: Any) -> None:
    want = dict(np.load(golden.GOLDEN / f"{name}.npz"))
    got = _outputs(name, "torch", monkeypatch)
    assert sorted(got) == sorted(want)
    for key in want:
        assert got[key].dtype == want[key].dtype, key
        np.testing.assert_array_equal(got[key], want[key], err_msg=f"{name}: {key}")


@pytest.mark.parametrize("name", golden.shipped())
def test_the_torch_free_runtime_gives_the_golden_outputs(name: str, monkeypatch: Any) -> None:
    cfg, _ = read_config(golden.REPO / "models" / name)
    if unsupported(cfg):
        pytest.skip(f"{name}: the torch-free runtime does not cover it ({unsupported(cfg)})")
    want = dict(np.load(golden.GOLDEN / f"{name}.npz"))
    got = _outputs(name, "numpy", monkeypatch)
    assert sorted(got) == sorted(want)
    for key in want:
        assert got[key].dtype == want[key].dtype, key
        if np.issubdtype(want[key].dtype, np.integer):  # tokens: the same, every one
            np.testing.assert_array_equal(got[key], want[key], err_msg=f"{name}: {key}")
        else:  # mu, sigma, z
            np.testing.assert_allclose(got[key], want[key], rtol=0, atol=1e-5, err_msg=f"{name}: {key}")
