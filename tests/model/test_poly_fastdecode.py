"""The folded NumPy piano decoder (model/poly_fastdecode.py) against the model's torch loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentcomposer.data.poly import PAD
from latentcomposer.model.pianotree import PianoTreeVAE, PolyRuntime
from latentcomposer.model.poly_train import get_poly_config


def _model(name: str, seed: int) -> PianoTreeVAE:
    torch.manual_seed(seed)
    m = PianoTreeVAE(get_poly_config(name).model).eval()
    with torch.no_grad():  # random weights end most steps at once: make chords of several notes likely
        m.decoder.pitch_out.bias[PAD] -= 2.0
        m.decoder.pitch_out.weight.mul_(3.0)
    return m


@pytest.mark.parametrize("name", ["tiny_poly_2bar", "tiny_poly_8bar"])
def test_greedy_numpy_decode_equals_the_torch_loop(name: str) -> None:
    m = _model(name, 0)
    z = torch.randn(5, m.cfg.z_dim, generator=torch.Generator().manual_seed(1)) * 2
    want = m.decode(z)
    got, extras = PolyRuntime(m).decode_full(z)
    assert extras is None
    assert (want[..., 0] < PAD).sum(-1).max() >= 3  # the check covers steps of several notes
    assert torch.equal(got, want)


def test_sampled_numpy_decode_is_seeded_and_well_formed() -> None:
    m = _model("tiny_poly_8bar", 2)
    rt = PolyRuntime(m)
    z = torch.randn(3, m.cfg.z_dim, generator=torch.Generator().manual_seed(4))
    a, _ = rt.decode_full(z, 1.0, torch.Generator().manual_seed(7))
    b, _ = rt.decode_full(z, 1.0, torch.Generator().manual_seed(7))
    c, _ = rt.decode_full(z, 1.0, torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    x = a.numpy()
    p, d, v = x[..., 0], x[..., 1], x[..., 2]
    note = p < PAD
    assert note.sum() > 0
    assert ((d >= 1) & (d <= m.cfg.max_duration))[note].all() and ((v >= 1) & (v <= 127))[note].all()
    assert (d[~note] == 0).all() and (v[~note] == 0).all()
    # pitches rise within a step and every empty slot comes after the step's last note
    pm = np.where(note, p, 1000)
    assert (np.diff(pm, axis=-1) > 0)[note[..., 1:]].all()
    assert (np.cumprod(note, -1) == note).all()


def test_the_torch_path_stays_available() -> None:
    m = _model("tiny_poly_2bar", 3)
    z = torch.randn(2, m.cfg.z_dim, generator=torch.Generator().manual_seed(5))
    got, _ = PolyRuntime(m).decode_full(z, use_numpy=False)
    assert torch.equal(got, m.decode(z))
