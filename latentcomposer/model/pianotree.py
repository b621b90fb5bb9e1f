"""PianoTree VAE (Wang, Zhang, Zhang, Jiang, Chen, Xia, ISMIR 2020) for :mod:`latentcomposer.data.poly`
arrays, and its bar-hierarchical form for long windows.

Input ``x``: LongTensor ``[B, T, 16, 3]`` -- per 16th step up to 16 notes (pitch low to high, PAD =
end of step), each ``(pitch, duration 1..32, MIDI velocity)``.

* **Step encoder** (both forms): the notes of a step, embedded (pitch, duration, velocity bin), run
  through a note-level GRU -> one vector per step (a learned vector for a silent step). Packed
  sequences: a step costs as many GRU steps as it has notes.
* ``architecture="pianotree"`` (poly_2bar): a bidirectional GRU over the window's steps -> (mu, sigma)
  of one z. Decoder: z -> a conditioning vector; the *bar decoder* below runs over all T steps.
* ``architecture="pianotree_bars"`` (poly_8bar): a bidirectional GRU inside each bar (all bars as one
  batch) -> bar vectors -> the project's Transformer bar stack (``bar_encoder.transformer_stack``,
  not causal) -> per-bar (mu, sigma), z = the bars' slots concatenated. Decoder: a conductor GRU fed
  each bar's slot (plus a linear skip from the slot, as mel_16bar) -> one conditioning vector per
  bar; the same bar decoder then decodes every bar's 16 steps, all bars as one batch.
* **Bar decoder**: a time-level GRU over steps (input: the conditioning vector and a summary of the
  previous step's notes; state from the conditioning vector); per step a note-level GRU started from
  the time state emits pitches low to high until end-of-step (a pitch may only rise within a step:
  lower pitches are masked, in training and decoding), and for each pitch a duration (32-way) and a
  velocity bin from the note state and the pitch's embedding.
* **Condition** (``condition_dim`` > 0, poly_2bar_chords): the chord of every step ([B, T, 37], the
  layout of data/chord_melody_codec.py) is the last part of the time-level GRU's input at that step,
  so the same z (the texture) can be decoded over another progression (Poly-dis, Wang et al. 2020). The
  encoder does not read it; in training it reads its own randomly transposed copy of the window
  (``encoder_transpose``), so z cannot hold where the music sits in pitch. None for a conditioned
  model means zeros (no condition given), as the melody models do.

Loss per window: summed cross-entropy of pitches (incl. each step's end-of-step), durations and
velocity bins, + beta * max(KL - free bits, 0).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from latentcomposer.data.poly import MAX_NOTES, N_PITCH_CODES, PAD

from .bar_encoder import transformer_stack
from .config import ModelConfig
from .evaluate import NoteEvalResult
from .poly_config import POLY_FORMAT, PolyConfig, PolyConfigError

NEG = -1e9

__all__ = ["POLY_FORMAT", "PianoTreeVAE", "PolyConfig", "PolyConfigError", "load_poly_model",
           "save_poly_model"]


# --- small helpers ----------------------------------------------------------------------------------
def velocity_bins(v: torch.Tensor, bins: int) -> torch.Tensor:
    """MIDI velocity -> bin (as data.poly.velocity_to_bin)."""
    return ((v - 1).clamp(min=0) * bins // 127).clamp(0, bins - 1)


def bin_velocity(b: torch.Tensor, bins: int) -> torch.Tensor:
    """Bin -> its centre as MIDI velocity (as data.poly.bin_to_velocity)."""
    return torch.round((b.float() + 0.5) * 127 / bins + 1).clamp(1, 127).long()


def notes_in_step(pitch: torch.Tensor) -> torch.Tensor:
    """Pitch codes [..., 16] -> notes before the first PAD [...]."""
    return torch.cumprod((pitch < PAD).long(), dim=-1).sum(-1)


def choose(logits: torch.Tensor, temperature: float, generator: torch.Generator | None) -> torch.Tensor:
    if temperature <= 0:
        return logits.argmax(-1)
    probs = torch.softmax(logits / temperature, -1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


def kl_normal(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma) || N(0, I)) summed over the last dim."""
    return 0.5 * (mu.pow(2) + sigma.pow(2) - 2 * torch.log(sigma) - 1).sum(-1)


class NoteEmbedding(nn.Module):
    def __init__(self, cfg: PolyConfig) -> None:
        super().__init__()
        self.bins = cfg.velocity_bins
        self.pitch = nn.Embedding(N_PITCH_CODES, cfg.pitch_embed)
        self.dur = nn.Embedding(cfg.max_duration + 1, cfg.dur_embed)
        self.vel = nn.Embedding(cfg.velocity_bins + 1, cfg.vel_embed)
        self.dim = cfg.pitch_embed + cfg.dur_embed + cfg.vel_embed

    def forward(self, notes: torch.Tensor) -> torch.Tensor:
        """[..., 3] (pitch, duration, velocity) -> [..., dim]."""
        p, d, v = notes[..., 0], notes[..., 1], notes[..., 2]
        is_note = p < PAD
        vb = torch.where(is_note, velocity_bins(v, self.bins) + 1, torch.zeros_like(v))
        d = torch.where(is_note, d.clamp(1, self.dur.num_embeddings - 1), torch.zeros_like(d))
        return torch.cat([self.pitch(p), self.dur(d), self.vel(vb)], -1)


class StepEncoder(nn.Module):
    """Notes of each step [..., 16, 3] -> a vector per step [..., enc_note_hidden]."""

    def __init__(self, cfg: PolyConfig) -> None:
        super().__init__()
        self.embed = NoteEmbedding(cfg)
        self.gru = nn.GRU(self.embed.dim, cfg.enc_note_hidden, batch_first=True)
        self.empty = nn.Parameter(torch.zeros(cfg.enc_note_hidden))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:-2]
        flat = x.reshape(-1, x.shape[-2], 3)
        n = notes_in_step(flat[..., 0])
        out = self.empty.unsqueeze(0).expand(flat.shape[0], -1)
        idx = torch.nonzero(n > 0).squeeze(1)
        if len(idx):
            lengths = n[idx]
            e = self.embed(flat[idx, :int(lengths.max())])
            packed = pack_padded_sequence(e, lengths.cpu(), batch_first=True, enforce_sorted=False)
            _, h = self.gru(packed)
            out = out.index_copy(0, idx, h[0])
        return out.reshape(*lead, -1)


class BarDecoder(nn.Module):
    """Decodes ``n_steps`` steps of notes from a conditioning vector per sequence (see module doc)."""

    pitch_index: torch.Tensor

    def __init__(self, cfg: PolyConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = NoteEmbedding(cfg)
        self.summary = nn.Linear(self.embed.dim, cfg.step_summary)
        self.init = nn.Linear(cfg.dec_cond, cfg.dec_time_hidden)
        self.cdim = cfg.condition_dim  # the per-step condition: the time GRU's last input columns
        self.time_rnn = nn.GRU(cfg.step_summary + cfg.dec_cond + cfg.condition_dim, cfg.dec_time_hidden,
                               batch_first=True)
        self.note_init = nn.Linear(cfg.dec_time_hidden, cfg.dec_note_hidden)
        self.start = nn.Parameter(torch.zeros(self.embed.dim))
        self.note_rnn = nn.GRU(self.embed.dim, cfg.dec_note_hidden, batch_first=True)
        self.pitch_out = nn.Linear(cfg.dec_note_hidden, N_PITCH_CODES)
        head_in = cfg.dec_note_hidden + cfg.pitch_embed
        self.dur_out = nn.Sequential(nn.Linear(head_in, cfg.dec_note_hidden), nn.ReLU(),
                                     nn.Linear(cfg.dec_note_hidden, cfg.max_duration))
        self.vel_out = nn.Sequential(nn.Linear(head_in, cfg.dec_note_hidden // 2), nn.ReLU(),
                                     nn.Linear(cfg.dec_note_hidden // 2, cfg.velocity_bins))
        self.register_buffer("pitch_index", torch.arange(N_PITCH_CODES - 1), persistent=False)

    def step_vectors(self, notes: torch.Tensor) -> torch.Tensor:
        """[..., 16, 3] -> [..., step_summary]: the sum of the notes' embeddings, projected."""
        mask = (notes[..., 0] < PAD).unsqueeze(-1)
        return self.summary((self.embed(notes) * mask).sum(-2))

    def rising_mask(self, logits: torch.Tensor, prev_pitch: torch.Tensor) -> torch.Tensor:
        """Pitches at or below the previous note's are impossible (end-of-step always allowed)."""
        low = self.pitch_index <= prev_pitch.unsqueeze(-1)
        pad = torch.zeros_like(low[..., :1])
        return logits.masked_fill(torch.cat([low, pad], -1), NEG)

    def step_condition(self, chords: torch.Tensor | None, n_seq: int, length: int, like: torch.Tensor
                       ) -> list[torch.Tensor]:
        """The per-step condition [N, L, condition_dim] as a list to concatenate ([] when unconditioned;
        zeros when none is given)."""
        if not self.cdim:
            return []
        if chords is None:
            return [like.new_zeros((n_seq, length, self.cdim))]
        return [chords.to(like.dtype).reshape(n_seq, length, self.cdim)]

    def forward(self, cond: torch.Tensor, x: torch.Tensor, chords: torch.Tensor | None = None
                ) -> dict[str, torch.Tensor]:
        """Teacher-forced: cond [N, dec_cond], x [N, L, 16, 3] (and the condition [N, L, Cs] of a
        conditioned model) -> per-sequence summed losses [N] and counts for accuracies."""
        n_seq, length = x.shape[:2]
        s = self.step_vectors(x)
        prev = torch.cat([torch.zeros_like(s[:, :1]), s[:, :-1]], 1)
        h0 = torch.tanh(self.init(cond)).unsqueeze(0)
        inp = torch.cat([prev, cond.unsqueeze(1).expand(-1, length, -1),
                         *self.step_condition(chords, n_seq, length, cond)], -1)
        h, _ = self.time_rnn(inp, h0)  # [N, L, Ht]
        m = n_seq * length
        notes = x.reshape(m, MAX_NOTES, 3)
        p = notes[..., 0]
        n = notes_in_step(p)
        positions = torch.clamp(n + 1, max=MAX_NOTES)  # pitch targets: the notes + end-of-step
        lmax = int(positions.max())
        emb = self.embed(notes[:, :lmax - 1]) if lmax > 1 else notes.new_zeros((m, 0, self.embed.dim)).float()
        inputs = torch.cat([self.start.expand(m, 1, -1), emb], 1)
        packed = pack_padded_sequence(inputs, positions.cpu(), batch_first=True, enforce_sorted=False)
        hn0 = torch.tanh(self.note_init(h.reshape(m, -1))).unsqueeze(0)
        out, _ = self.note_rnn(packed, hn0)
        o, _ = pad_packed_sequence(out, batch_first=True, total_length=lmax)  # [M, lmax, Hn]
        pos_mask = torch.arange(lmax, device=x.device).unsqueeze(0) < positions.unsqueeze(1)
        target = p[:, :lmax]
        prev_p = torch.cat([torch.full_like(target[:, :1], -1), target[:, :-1]], 1)
        owner = (torch.arange(m, device=x.device) // length).unsqueeze(1).expand(-1, lmax)
        sel_o, sel_t, sel_prev, sel_owner = o[pos_mask], target[pos_mask], prev_p[pos_mask], owner[pos_mask]
        logits = self.rising_mask(self.pitch_out(sel_o), sel_prev)
        pitch_ce = F.cross_entropy(logits, sel_t, reduction="none")
        is_note = sel_t < PAD
        head = torch.cat([sel_o[is_note], self.embed.pitch(sel_t[is_note])], -1)
        nd = notes[:, :lmax][pos_mask][is_note]
        dur_logits = self.dur_out(head)
        vel_logits = self.vel_out(head)
        dur_t = nd[:, 1].clamp(1, self.cfg.max_duration) - 1
        vel_t = velocity_bins(nd[:, 2], self.cfg.velocity_bins)
        dur_ce = F.cross_entropy(dur_logits, dur_t, reduction="none")
        vel_ce = F.cross_entropy(vel_logits, vel_t, reduction="none")
        zeros = cond.new_zeros(n_seq)
        note_owner = sel_owner[is_note]
        return {
            "pitch": zeros.index_add(0, sel_owner, pitch_ce),
            "duration": zeros.index_add(0, note_owner, dur_ce),
            "velocity": zeros.index_add(0, note_owner, vel_ce),
            "pitch_correct": (logits.argmax(-1) == sel_t).float().sum(),
            "pitch_total": torch.tensor(float(len(sel_t))),
            "dur_correct": (dur_logits.argmax(-1) == dur_t).float().sum(),
            "vel_correct": (vel_logits.argmax(-1) == vel_t).float().sum(),
            "notes_total": torch.tensor(float(len(dur_t))),
        }

    @torch.no_grad()
    def decode_step(self, h: torch.Tensor, temperature: float, generator: torch.Generator | None
                    ) -> torch.Tensor:
        """Time state [N, Ht] -> one step's notes [N, 16, 3] (long)."""
        n = h.shape[0]
        hn = torch.tanh(self.note_init(h)).unsqueeze(0)
        inp = self.start.expand(n, -1)
        prev = torch.full((n,), -1, dtype=torch.long, device=h.device)
        done = torch.zeros(n, dtype=torch.bool, device=h.device)
        res = torch.zeros((n, MAX_NOTES, 3), dtype=torch.long, device=h.device)
        res[..., 0] = PAD
        for k in range(MAX_NOTES):
            o, hn = self.note_rnn(inp.unsqueeze(1), hn)
            o = o[:, 0]
            p = choose(self.rising_mask(self.pitch_out(o), prev), temperature, generator)
            p = torch.where(done, torch.full_like(p, PAD), p)
            note = p < PAD
            if not bool(note.any()):
                break
            head = torch.cat([o, self.embed.pitch(p)], -1)
            d = choose(self.dur_out(head), temperature, generator) + 1
            v = bin_velocity(choose(self.vel_out(head), temperature, generator), self.cfg.velocity_bins)
            triple = torch.stack([p, torch.where(note, d, 0), torch.where(note, v, 0)], -1)
            res[:, k] = triple
            done = done | ~note
            prev = torch.where(note, p, prev)
            inp = self.embed(triple)
        return res

    @torch.no_grad()
    def decode(self, cond: torch.Tensor, n_steps: int, temperature: float = 0.0,
               generator: torch.Generator | None = None, chords: torch.Tensor | None = None) -> torch.Tensor:
        """cond [N, dec_cond] (and a conditioned model's condition [N, n_steps, Cs]) -> notes
        [N, n_steps, 16, 3] (long)."""
        n = cond.shape[0]
        h = torch.tanh(self.init(cond)).unsqueeze(0)
        prev = cond.new_zeros((n, self.cfg.step_summary))
        steps = self.step_condition(chords, n, n_steps, cond)
        out = []
        for t in range(n_steps):
            y, h = self.time_rnn(torch.cat([prev, cond, *(c[:, t] for c in steps)], -1).unsqueeze(1), h)
            notes = self.decode_step(y[:, 0], temperature, generator)
            out.append(notes)
            prev = self.step_vectors(notes)
        return torch.stack(out, 1)


class PolyRuntime:
    """The engine's decoder for a PianoTree model (model/architectures.py's DecoderRuntime): the
    model's own step loop, all bars of the bar form as one batch; no per-step extras (velocity is part
    of the arrays)."""

    def __init__(self, model: PianoTreeVAE, device: torch.device | None = None) -> None:
        self.model = model
        self.fast = None
        if device is None or device.type == "cpu":
            from .poly_fastdecode import NumpyBarDecoder

            self.fast = NumpyBarDecoder(model.decoder)  # folded once: the weights are frozen at load

    @torch.inference_mode()
    def decode_full(self, z: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None,
                    use_numpy: bool = True, condition: torch.Tensor | None = None
                    ) -> tuple[torch.Tensor, dict[str, torch.Tensor] | None]:
        """On the CPU the folded NumPy bar decoder (model/poly_fastdecode.py), else the model's loop."""
        if not (use_numpy and self.fast is not None and z.device.type == "cpu"):
            return self.model.decode(z, temperature, generator, condition), None
        from .poly_fastdecode import numpy_seed

        cond, length = self.model.conditioning(z)
        chords = self.model.sequence_condition(condition, z.shape[0])
        rng = numpy_seed(generator) if temperature > 0 else None
        out = self.fast.decode(cond.numpy(), length, float(temperature), rng,
                               None if chords is None else chords.float().numpy())
        return torch.from_numpy(out.reshape(z.shape[0], self.model.cfg.n_steps, MAX_NOTES, 3)), None


class PianoTreeVAE(nn.Module):
    """encode(x [B, T, 16, 3]) -> (mu, sigma) [B, z_dim]; decode(z) -> [B, T, 16, 3]; loss(x).
    Also the engine's LatentModel (model/architectures.py): ``runtime``, capabilities."""

    supports_search = False  # no beam search over note trees (yet): temperature 0 is greedy
    dynamics_heads = False  # velocity is decoded with every note; there is no humanize head

    def __init__(self, cfg: PolyConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.steps = StepEncoder(cfg)
        self.time_enc = nn.GRU(cfg.enc_note_hidden, cfg.enc_time_hidden, batch_first=True, bidirectional=True)
        self.bars = cfg.architecture == "pianotree_bars"
        if self.bars:
            self.bar_proj = nn.Linear(2 * cfg.enc_time_hidden, cfg.d_model)
            self.pos = nn.Parameter(torch.zeros(cfg.n_bars, cfg.d_model))
            self.tf = transformer_stack(ModelConfig(name=f"{cfg.name}_bars", d_model=cfg.d_model, n_heads=cfg.n_heads,
                                                    tf_layers=cfg.tf_layers, tf_dropout=cfg.tf_dropout))
            self.to_mu = nn.Linear(cfg.d_model, cfg.bar_z_dim)
            self.to_sigma = nn.Linear(cfg.d_model, cfg.bar_z_dim)
            self.cond_init = nn.Linear(cfg.z_dim, cfg.conductor_hidden)
            self.conductor = nn.GRU(cfg.bar_z_dim, cfg.conductor_hidden, batch_first=True)
            self.cond_out = nn.Linear(cfg.conductor_hidden, cfg.dec_cond)
            self.cond_skip = nn.Linear(cfg.bar_z_dim, cfg.dec_cond)
        else:
            self.to_mu = nn.Linear(2 * cfg.enc_time_hidden, cfg.z_dim)
            self.to_sigma = nn.Linear(2 * cfg.enc_time_hidden, cfg.z_dim)
            self.z_to_cond = nn.Linear(cfg.z_dim, cfg.dec_cond)
        self.decoder = BarDecoder(cfg)

    # --- the engine's view ----------------------------------------------------------------------
    @property
    def per_bar_latents(self) -> bool:
        """The bar form's z is one slot per bar (the per-bar tools edit them)."""
        return self.bars

    @property
    def kl_groups(self) -> int:
        return 1

    @property
    def condition_dim(self) -> int:
        """Width of the per-step condition the bar decoder reads (0: unconditioned)."""
        return self.cfg.condition_dim

    def sequence_condition(self, condition: torch.Tensor | None, b: int) -> torch.Tensor | None:
        """The windows' condition [B, T, Cs] as the bar decoder's sequences [N, length, Cs] (None when
        unconditioned; zeros when a conditioned model is given none)."""
        if not self.condition_dim:
            return None
        cfg = self.cfg
        if condition is None:
            return torch.zeros((b, cfg.n_steps, self.condition_dim), device=self.decoder.start.device)
        rows = b * cfg.n_bars if self.bars else b
        return condition.float().reshape(rows, -1, self.condition_dim)

    def runtime(self, device: torch.device) -> PolyRuntime:
        return PolyRuntime(self, device)

    def search_decode_full(self, z: torch.Tensor, beam: int, condition: torch.Tensor | None = None
                           ) -> tuple[torch.Tensor, dict[str, torch.Tensor] | None]:
        raise NotImplementedError("PianoTree models have no search decoding (supports_search is False)")

    def predict_dynamics(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        raise NotImplementedError("PianoTree models have no humanize heads (dynamics_heads is False)")

    @torch.no_grad()
    def evaluate(self, windows: np.ndarray, device: torch.device | str = "cpu",
                 aux: dict[str, np.ndarray] | None = None, search_beam: int = 0, batch: int = 64
                 ) -> NoteEvalResult:
        """Note-level figures (data.poly.reconstruction_metrics) of greedy decodes of z = posterior
        mean (over the windows' own ``aux["condition"]`` for a conditioned model), and the mean KL.
        ``search_beam`` is ignored (no search decoding)."""
        from latentcomposer.data.poly import reconstruction_metrics

        self.eval()
        conds = (aux or {}).get("condition") if self.condition_dim else None
        preds, kls = [], []
        for i in range(0, len(windows), batch):
            x = torch.as_tensor(np.asarray(windows[i:i + batch]), dtype=torch.long, device=device)
            c = None if conds is None else torch.as_tensor(np.asarray(conds[i:i + batch]), dtype=torch.float32,
                                                           device=device)
            mu, sigma = self.encode(x)
            kls.append(kl_normal(mu, sigma).cpu().numpy())
            preds.append(self.decode(mu, condition=c).cpu().numpy())
        figures = reconstruction_metrics(np.asarray(windows), np.concatenate(preds))
        return NoteEvalResult(len(windows), float(np.concatenate(kls).mean()), figures)

    # --- encoder ---------------------------------------------------------------------------------
    def encode(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu, sigma) [B, z_dim]; the encoder reads the notes only (``condition`` is ignored)."""
        cfg = self.cfg
        b = x.shape[0]
        s = self.steps(x)  # [B, T, H]
        if not self.bars:
            _, h = self.time_enc(s)
            y = torch.cat([h[0], h[1]], -1)
            return self.to_mu(y), F.softplus(self.to_sigma(y)) + 1e-4
        _, h = self.time_enc(s.reshape(b * cfg.n_bars, cfg.steps_per_bar, -1))
        bars = self.bar_proj(torch.cat([h[0], h[1]], -1)).reshape(b, cfg.n_bars, -1)
        y = self.tf(bars + self.pos)
        mu, sigma = self.to_mu(y), F.softplus(self.to_sigma(y)) + 1e-4
        return mu.reshape(b, -1), sigma.reshape(b, -1)

    # --- decoder ---------------------------------------------------------------------------------
    def conditioning(self, z: torch.Tensor) -> tuple[torch.Tensor, int]:
        """z [B, z_dim] -> (cond [N, dec_cond], steps per sequence): N = B (one sequence of T steps)
        or B * n_bars (one per bar, 16 steps each)."""
        cfg = self.cfg
        if not self.bars:
            return self.z_to_cond(z), cfg.n_steps
        b = z.shape[0]
        slots = z.reshape(b, cfg.n_bars, cfg.bar_z_dim)
        h0 = torch.tanh(self.cond_init(z)).unsqueeze(0)
        y, _ = self.conductor(slots, h0)
        cond = self.cond_out(y) + self.cond_skip(slots)
        return cond.reshape(b * cfg.n_bars, -1), cfg.steps_per_bar

    def reconstruction(self, z: torch.Tensor, x: torch.Tensor, condition: torch.Tensor | None = None
                       ) -> dict[str, torch.Tensor]:
        """Teacher-forced losses of x given z (and the windows' condition [B, T, Cs]): per window [B]
        ('pitch', 'duration', 'velocity') + counts."""
        cond, length = self.conditioning(z)
        b = x.shape[0]
        out = self.decoder(cond, x.reshape(cond.shape[0], length, MAX_NOTES, 3),
                           self.sequence_condition(condition, b))
        if cond.shape[0] != b:
            for k in ("pitch", "duration", "velocity"):
                out[k] = out[k].reshape(b, -1).sum(-1)
        return out

    @torch.no_grad()
    def decode(self, z: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None,
               condition: torch.Tensor | None = None) -> torch.Tensor:
        """z [B, z_dim] (and a conditioned model's condition [B, T, Cs]) -> arrays [B, T, 16, 3] (long):
        greedy at temperature 0, else sampled."""
        cond, length = self.conditioning(z)
        out = self.decoder.decode(cond, length, temperature, generator,
                                  self.sequence_condition(condition, z.shape[0]))
        return out.reshape(z.shape[0], self.cfg.n_steps, MAX_NOTES, 3)

    def loss(self, x: torch.Tensor, beta: float, free_bits: float, generator: torch.Generator | None = None,
             condition: torch.Tensor | None = None, enc_x: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The training loss (mean over the batch) and its parts. A conditioned model decodes x over
        ``condition`` [B, T, Cs]; ``enc_x`` (training's ``encoder_transpose``) is what the encoder reads
        instead of x (x moved by its own shift)."""
        mu, sigma = self.encode(x if enc_x is None else enc_x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device)
        z = mu + sigma * eps
        r = self.reconstruction(z, x, condition)
        recon = r["pitch"] + r["duration"] + r["velocity"]
        kl = kl_normal(mu, sigma)
        loss = (recon + beta * torch.clamp(kl - free_bits, min=0.0)).mean()
        notes = r["notes_total"].clamp(min=1)
        return {"loss": loss, "recon": recon.mean(), "kl": kl.mean(), "pitch_loss": r["pitch"].mean(),
                "dur_loss": r["duration"].mean(), "vel_loss": r["velocity"].mean(),
                "pitch_acc": r["pitch_correct"] / r["pitch_total"].clamp(min=1),
                "dur_acc": r["dur_correct"] / notes, "vel_acc": r["vel_correct"] / notes}


# --- weights on disk --------------------------------------------------------------------------------
def save_poly_model(model: PianoTreeVAE, folder: Path, meta: dict[str, Any] | None = None,
                    dtype: torch.dtype = torch.float16) -> None:
    """``model.safetensors`` (as ``dtype``) + ``config.json`` (``{"format", "kind": "poly", "model",
    "meta"}``), written atomically."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items()}
    tmp = folder / ".model.safetensors.tmp"
    save_file(tensors, str(tmp), metadata={"format": str(POLY_FORMAT), "name": model.cfg.name, "kind": "poly"})
    tmp.replace(folder / "model.safetensors")
    doc = {"format": POLY_FORMAT, "kind": "poly", "model": model.cfg.to_dict(), "meta": meta or {}}
    tmpj = folder / ".config.json.tmp"
    tmpj.write_text(json.dumps(doc, indent=2) + "\n")
    tmpj.replace(folder / "config.json")


def is_poly_model_dir(folder: Path) -> bool:
    try:
        return json.loads((folder / "config.json").read_text()).get("kind") == "poly"
    except (OSError, ValueError, AttributeError):
        return False


def load_poly_model(folder: Path, device: str | torch.device = "cpu"
                    ) -> tuple[PianoTreeVAE, PolyConfig, dict[str, Any]]:
    """(model in eval mode, config, meta); PolyConfigError on a config or weights that do not fit."""
    from safetensors.torch import load_file

    path = folder / "config.json"
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PolyConfigError(f"{path}: unreadable ({exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") != "poly" or doc.get("format") != POLY_FORMAT:
        raise PolyConfigError(f"{path}: not a polyphonic (PianoTree) model config of format {POLY_FORMAT}")
    cfg = PolyConfig.from_dict(doc["model"])
    model = PianoTreeVAE(cfg)
    try:
        tensors = load_file(str(folder / "model.safetensors"))
    except Exception as exc:  # missing or damaged file: safetensors raises its own types
        raise PolyConfigError(f"{folder}: model.safetensors missing or damaged ({exc})") from None
    own = model.state_dict()
    bad = sorted(k for k in set(own) | set(tensors) if k not in own or k not in tensors
                 or own[k].shape != tensors[k].shape)
    if bad:
        raise PolyConfigError(f"{folder}: weights do not match config.json ({bad[:3]})")
    model.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()})
    model.to(device)
    model.eval()
    return model, cfg, doc.get("meta", {})
