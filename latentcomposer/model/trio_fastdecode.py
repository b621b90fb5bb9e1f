"""The trio's CPU decode in NumPy: all three streams of all bars, each stream one batch.

:meth:`trio.TrioVAE.decode` runs the conductor once, then three step loops in torch: the melody's and
the bass's LSTM bar decoders (16 steps over ``B * n_bars`` rows each) and the accompaniment's PianoTree
bar decoder (16 time steps, and per time step a note loop as long as its fullest row). The note loop
dominates (about 16 x 5 torch GRU calls plus heads per section, each paying torch's per-call
overhead). Here:

* melody and bass run the folded step kernel of model/kernel.py (``FoldedStack`` -> ``NumpyStack``,
  the engine's NumPy loop of the melody models) over all bars at once;
* the accompaniment runs model/poly_fastdecode.py's folded NumPy PianoTree decoder over all bars;
* the conductor (one small LSTM call over 16 bars) and the accompaniment's conditioning layer stay in
  torch: they are called once per decode.

Greedy decoding gives the torch path's tokens and notes (tests compare them on a tiny model and the
shipped trio_16bar; float32 sums in another order could only flip exact ties). Sampling: melody and
bass draw their Gumbel noise from the caller's torch generator exactly as the torch loop does (same
draws, so the same tokens); the accompaniment then draws from a NumPy generator seeded from that torch
generator (deterministic per seed, not the torch loop's draws). Measured in benchmarks/trio_decode.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from latentcomposer.data.poly import MAX_NOTES

from .kernel import FoldedStack, NumpyStack, gumbel_noise
from .poly_fastdecode import NumpyBarDecoder, numpy_seed

if TYPE_CHECKING:
    from .trio import TrioVAE


class TrioFastDecoder:
    """Folded NumPy weights of a :class:`~.trio.TrioVAE`'s three bar decoders (built once per load:
    the weights are frozen)."""

    def __init__(self, model: TrioVAE) -> None:
        from .trio import MONO

        self.model = model
        self.mono = {s: NumpyStack(FoldedStack(model.mono_decoder(s))) for s in MONO}
        self.acc = NumpyBarDecoder(model.dec_acc)

    def conds(self, z: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """z [B, z_dim] -> (the conductor's bar vectors [B * n_bars, H], the accompaniment's
        conditioning [B * n_bars, dec_cond]) as float32 arrays."""
        with torch.inference_mode():
            cond = self.model.bar_conds(z.float().cpu())
            acc = self.model.acc_cond(cond)
        return cond.numpy(), acc.numpy()

    def decode_streams(self, z: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None
                       ) -> dict[str, np.ndarray]:
        """{melody: [B, T], bass: [B, T], accompaniment: [B, T, 16, 3]} (int64) for z [B, z_dim]."""
        cfg = self.model.cfg
        b, sb = z.shape[0], cfg.steps_per_bar
        cond, acc_cond = self.conds(z)
        rows = cond.shape[0]
        out: dict[str, np.ndarray] = {}
        for s, stack in self.mono.items():  # the torch loop's draws: each stream's noise up front, in order
            noise = gumbel_noise(sb, rows, stack.vocab, generator).numpy() if temperature > 0 else None
            h0, c0 = stack.initial_state(cond)
            out[s] = stack.run(h0, c0, cond, sb, float(temperature), noise).reshape(b, cfg.n_steps)
        rng = numpy_seed(generator) if temperature > 0 else None
        notes = self.acc.decode(acc_cond, sb, float(temperature), rng)
        out["accompaniment"] = notes.reshape(b, cfg.n_steps, MAX_NOTES, 3)
        return out

    def decode(self, z: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None
               ) -> torch.Tensor:
        """Packed [B, T, 18, 3] (long), as :meth:`~.trio.TrioVAE.decode` returns."""
        from .trio import join_streams

        parts = self.decode_streams(z, temperature, generator)
        return join_streams({k: torch.from_numpy(v) for k, v in parts.items()})
