"""Every shipped model's outputs are bit-identical to those recorded before the registry refactor
(issue 22): encodings of fixed clips, greedy / search / seeded-sampling decodes of fixed latents.
Re-record only on purpose (``python scripts/golden.py record``) when a model's weights change."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("golden", REPO / "scripts" / "golden.py")
assert _spec and _spec.loader
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


@pytest.mark.parametrize("name", golden.shipped())
def test_shipped_model_outputs_are_unchanged(name: str) -> None:
    want = dict(np.load(golden.GOLDEN / f"{name}.npz"))
    got = golden.golden_outputs(name)
    assert sorted(got) == sorted(want)
    for key in want:
        assert got[key].dtype == want[key].dtype, key
        np.testing.assert_array_equal(got[key], want[key], err_msg=f"{name}: {key}")
