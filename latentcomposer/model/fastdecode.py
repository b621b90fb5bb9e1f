"""Fast step-by-step inference for every decoder (the live-slider path): the folded step kernel of
model/kernel.py run over all decoded sequences of a batch at once -- all bars of a bar-wise decoder
are one batch (they are independent given the conductor) -- with preallocated outputs under
``torch.inference_mode``; on the CPU the NumPy loop, elsewhere (CUDA) the torch loop. The levers are
listed in model/kernel.py and measured in benchmarks/decode_latency.py (docs/BENCHMARKS.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from .kernel import FoldedStack, NumpyStack, gumbel_noise, read_aux

if TYPE_CHECKING:
    from .vae import LatentVAE


class FastDecoder:
    """Decodes z -> tokens (+ the aux heads' extras) with the folded weights of a trained model."""

    def __init__(self, model: LatentVAE, device: torch.device) -> None:
        self.model = model
        self.cfg = model.cfg
        self.device = device
        self.stack = FoldedStack(model.decoder).to(device)
        self.np_stack = NumpyStack(self.stack) if device.type == "cpu" else None

    @torch.inference_mode()
    def decode(self, z: torch.Tensor, temperature: float = 0.0,
               generator: torch.Generator | None = None, use_numpy: bool = True) -> torch.Tensor:
        """tokens [B, T] for z [B, z_dim]; greedy when temperature == 0. On the CPU the NumPy loop
        runs unless ``use_numpy`` is False (the torch loop is the reference and the CUDA path)."""
        return self.decode_full(z, temperature, generator, use_numpy)[0]

    @torch.inference_mode()
    def decode_full(self, z: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None,
                    use_numpy: bool = True, condition: torch.Tensor | None = None
                    ) -> tuple[torch.Tensor, dict[str, torch.Tensor] | None]:
        """(tokens [B, T], aux or None): for models with velocity/timing heads also the velocity bins
        and microtiming offsets [B, T, classes] read from the decoder states of the decoded sequence.
        ``condition`` [B, T, Cs]: conditioned models' per-step condition."""
        b = z.shape[0]
        plan = self.model.decode_plan(z, condition)
        want_aux = self.model.decoder.aux is not None
        rows, steps = plan.rows, plan.steps
        if self.np_stack is None or not use_numpy:
            hid_t = torch.empty(steps, rows, self.stack.hidden, device=z.device) if want_aux else None
            toks = self.stack.run(plan.cond, steps, temperature, generator, hid_t, plan.step_cond)
        else:
            hid_np = np.empty((steps, rows, self.stack.hidden), np.float32) if want_aux else None
            noise = gumbel_noise(steps, rows, self.stack.vocab, generator).numpy() if temperature > 0 else None
            cond_np = plan.cond.numpy()
            h0, c0 = self.np_stack.initial_state(cond_np)
            step_np = plan.step_cond.numpy() if plan.step_cond is not None else None
            toks = torch.from_numpy(self.np_stack.run(h0, c0, cond_np, steps, temperature, noise, hid_np, step_np))
            hid_t = torch.from_numpy(hid_np) if hid_np is not None else None
        toks = toks.reshape(b, self.cfg.n_steps)
        if hid_t is None:
            return toks, None
        return toks, read_aux(self.model.decoder, hid_t.transpose(0, 1).reshape(b, self.cfg.n_steps, -1))
