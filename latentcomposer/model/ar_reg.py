"""Attribute-regularized latent dimensions (AR-VAE: Pati & Lerch, "Attribute-based regularization of
latent spaces for variational auto-encoders", Neural Computing and Applications 2020).

For each chosen pair (attribute a, latent dim r) and every pair of windows (i, j) in a batch, the
regularizer asks the *order* of z_r to follow the order of a:

    L_r = mean_{i,j} | tanh(delta * (z_r[i] - z_r[j])) - sign(a[i] - a[j]) |

so that moving dim r up moves attribute a up, monotonically, with no reference to any other dim
(a slider is one dim, not a difference of means). ``delta`` sets how sharp the ordering is (the
paper's default 10). Attributes are measured per batch with NumPy from the tokens the model is trained
on (after augmentation), with the codec's attribute table (data/attributes.py). Config fields
(model/config.py ``TrainConfig``): ``ar_dims`` {attribute: dim}, ``ar_weight`` (0 = off), ``ar_delta``.

For a per-bar model the dim indexes the flattened z (bar 1's dims first); the attribute is then the
whole window's, so a per-bar model would regularize bar 1's dim only -- use it with window models.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from latentcomposer.data.codec_base import AttributeTable


def check_ar_dims(ar_dims: Mapping[str, int], table: AttributeTable, z_dim: int) -> None:
    """ValueError naming the problem when an attribute is unknown or a dim is out of range / reused."""
    unknown = sorted(set(ar_dims) - set(table))
    if unknown:
        raise ValueError(f"ar_dims names unknown attributes {unknown} (known: {', '.join(table)})")
    dims = list(ar_dims.values())
    bad = [d for d in dims if not 0 <= int(d) < z_dim]
    if bad:
        raise ValueError(f"ar_dims: dims {bad} are outside 0..{z_dim - 1}")
    if len(set(dims)) != len(dims):
        raise ValueError("ar_dims: each attribute needs its own latent dim")


def batch_attributes(tokens: np.ndarray, table: AttributeTable, names: list[str]) -> np.ndarray:
    """Attributes [B, len(names)] of a batch of token windows [B, T, ...] (float32)."""
    fns = [table[n][0] for n in names]
    return np.array([[fn(w) for fn in fns] for w in np.asarray(tokens)], dtype=np.float32).reshape(len(tokens),
                                                                                                   len(names))


def ar_loss(z: torch.Tensor, attributes: torch.Tensor, dims: list[int], delta: float = 10.0) -> torch.Tensor:
    """The AR-VAE term summed over the regularized dims: z [B, D], attributes [B, A] (A = len(dims))."""
    zr = z[:, dims]  # [B, A]
    dz = zr.unsqueeze(0) - zr.unsqueeze(1)  # [B, B, A]: z_i - z_j
    da = attributes.unsqueeze(0) - attributes.unsqueeze(1)
    return (torch.tanh(delta * dz) - torch.sign(da)).abs().mean(dim=(0, 1)).sum()


class ARRegularizer:
    """The trainer's AR term: ``loss(mu, tokens)`` -> (weighted term for the loss, unweighted term)."""

    def __init__(self, ar_dims: Mapping[str, int], table: AttributeTable, z_dim: int, weight: float,
                 delta: float) -> None:
        check_ar_dims(ar_dims, table, z_dim)
        self.names = list(ar_dims)
        self.dims = [int(ar_dims[n]) for n in self.names]
        self.table, self.weight, self.delta = table, float(weight), float(delta)

    def loss(self, z: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        attrs = torch.as_tensor(batch_attributes(tokens.detach().cpu().numpy(), self.table, self.names),
                                device=z.device)
        term = ar_loss(z, attrs, self.dims, self.delta)
        return self.weight * term, term.detach()
