"""The PianoTree bar decoder as folded NumPy: the engine's CPU decode of piano models.

:meth:`pianotree.BarDecoder.decode` runs one torch GRU call per step and per note: a 2-bar decode is
~32 time steps and ~150 note steps, each paying torch's per-call overhead (~120-140 ms for 8 bars).
Here every per-call piece is folded ahead of time into lookup tables and single matrices:

* the note-level GRU's input is the embedding of the previous note (pitch, duration, velocity bin), so
  ``W_ih @ embed(note)`` is three table rows summed (tables = embedding weights times ``W_ih``'s
  columns);
* the time-level GRU's input is ``[summary(sum of the previous step's note embeddings), cond]``: the
  summary projection is folded into ``W_ih`` (one matrix from summed embeddings), the conditioning
  part is computed once per sequence;
* the duration and velocity heads read ``[note state, pitch embedding]``: the pitch half is a table;
* a conditioned model's per-step condition (the chords; the time GRU's last input columns) is one
  matrix product for all steps, added to each step's input.

Rows whose step has ended (end-of-step chosen) are dropped from the note loop, so a step costs as many
GRU steps as its fullest row has notes. Greedy decoding gives the torch path's notes (tests compare them;
float32 sums in another order could only flip exact ties); sampling draws Gumbel noise from a NumPy
generator seeded from the caller's torch generator (deterministic per seed, not the torch path's draws).
"""

from __future__ import annotations

import numpy as np
import torch

from latentcomposer.data.poly import MAX_NOTES, PAD

from .pianotree import BarDecoder

F32 = np.float32


def _np(t: object) -> np.ndarray:
    assert isinstance(t, torch.Tensor)  # nn.Module attributes type as Tensor | Module
    return t.detach().cpu().float().numpy().astype(F32, copy=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return F32(0.5) * (np.tanh(F32(0.5) * x) + F32(1.0))


def _gru(gi: np.ndarray, h: np.ndarray, w_hh: np.ndarray, b_hh: np.ndarray) -> np.ndarray:
    """One GRU step (torch's gate order r, z, n) from the input part ``gi`` (bias included)."""
    hid = h.shape[1]
    gh = h @ w_hh
    gh += b_hh
    rz = gh[:, :2 * hid]
    rz += gi[:, :2 * hid]
    rz = _sigmoid(rz)  # r and z in one pass
    n = gh[:, 2 * hid:]
    n *= rz[:, :hid]
    n += gi[:, 2 * hid:]
    np.tanh(n, out=n)
    z = rz[:, hid:]
    h = h - n
    h *= z
    h += n  # (1 - z) * n + z * h
    return h


class NumpyBarDecoder:
    """Folded weights of a :class:`~.pianotree.BarDecoder`; :meth:`decode` as its ``decode``."""

    def __init__(self, dec: BarDecoder) -> None:
        cfg = dec.cfg
        self.bins = cfg.velocity_bins
        self.max_dur = cfg.max_duration
        emb = dec.embed
        pe, de = cfg.pitch_embed, cfg.dur_embed
        pitch_w, dur_w, vel_w = _np(emb.pitch.weight), _np(emb.dur.weight), _np(emb.vel.weight)

        def tables(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """``w`` [out, embed dim] -> per-field tables [codes, out] (embedding rows times w)."""
            return pitch_w @ w[:, :pe].T, dur_w @ w[:, pe:pe + de].T, vel_w @ w[:, pe + de:].T

        # time-level GRU: input [summary(prev step), cond]
        s = cfg.step_summary
        t_ih = _np(dec.time_rnn.weight_ih_l0)
        self.t_ih_cond = t_ih[:, s:s + cfg.dec_cond].T.copy()
        self.t_ih_step = t_ih[:, s + cfg.dec_cond:].T.copy()  # [condition_dim, 3Ht]: the per-step condition
        self.t_b_ih = _np(dec.time_rnn.bias_ih_l0)
        fold = t_ih[:, :s] @ _np(dec.summary.weight)  # [3Ht, embed dim]
        self.emb = (pitch_w, dur_w, vel_w)
        self.t_fold = fold.T.copy()  # [embed dim, 3Ht]: a step's summed note embeddings -> GRU input
        self.t_b_summary = t_ih[:, :s] @ _np(dec.summary.bias)
        self.t_hh, self.t_b_hh = _np(dec.time_rnn.weight_hh_l0).T.copy(), _np(dec.time_rnn.bias_hh_l0)
        self.init_w, self.init_b = _np(dec.init.weight).T.copy(), _np(dec.init.bias)
        # note-level GRU: input embed(previous note) or the start vector
        n_ih = _np(dec.note_rnn.weight_ih_l0)
        self.n_tables = tables(n_ih)
        self.n_b_ih = _np(dec.note_rnn.bias_ih_l0)
        self.n_start = _np(dec.start) @ n_ih.T + self.n_b_ih
        self.n_hh, self.n_b_hh = _np(dec.note_rnn.weight_hh_l0).T.copy(), _np(dec.note_rnn.bias_hh_l0)
        self.ninit_w, self.ninit_b = _np(dec.note_init.weight).T.copy(), _np(dec.note_init.bias)
        self.pitch_w, self.pitch_b = _np(dec.pitch_out.weight).T.copy(), _np(dec.pitch_out.bias)
        hn = cfg.dec_note_hidden
        heads = []
        for seq in (dec.dur_out, dec.vel_out):
            first, last = seq[0], seq[2]
            w1 = _np(first.weight)
            heads.append((w1[:, :hn].T.copy(), pitch_w @ w1[:, hn:].T, _np(first.bias), _np(last.weight).T.copy(),
                          _np(last.bias)))
        self.dur_head, self.vel_head = heads
        n_codes = self.pitch_b.shape[0]
        # rising mask: row k forbids pitch codes <= k - 1 (row 0: nothing before the first note)
        low = np.arange(n_codes - 1)[None, :] <= (np.arange(n_codes + 1)[:, None] - 1)
        self.mask_rows = np.concatenate([np.where(low, F32(-1e9), F32(0.0)), np.zeros((n_codes + 1, 1), F32)], 1)

        # velocity <-> bin as pianotree.velocity_bins / bin_velocity, as lookup tables
        v = np.arange(128)
        self.vel_to_bin = np.clip(np.maximum(v - 1, 0) * self.bins // 127, 0, self.bins - 1)
        b = np.arange(self.bins)
        self.bin_to_vel = np.clip(np.round((b.astype(F32) + F32(0.5)) * F32(127) / F32(self.bins) + F32(1)),
                                  1, 127).astype(np.int64)

    # --- pieces ------------------------------------------------------------------------------------
    def _vel_bin(self, v: np.ndarray) -> np.ndarray:
        return self.vel_to_bin[v]

    def _bin_vel(self, b: np.ndarray) -> np.ndarray:
        return self.bin_to_vel[b]

    def _lookup(self, tabs: tuple[np.ndarray, np.ndarray, np.ndarray], p: np.ndarray, d: np.ndarray,
                v: np.ndarray) -> np.ndarray:
        """Sum of the three field tables for notes (p, d, v) (all notes: p < PAD)."""
        tp, td, tv = tabs
        return tp[p] + td[np.clip(d, 1, self.max_dur)] + tv[self._vel_bin(v) + 1]

    @staticmethod
    def _choose(logits: np.ndarray, temperature: float, rng: np.random.Generator | None) -> np.ndarray:
        if temperature <= 0 or rng is None:
            return logits.argmax(-1)
        g = -np.log(-np.log(np.clip(rng.random(logits.shape, dtype=F32), 1e-10, 1.0 - 1e-7)))
        return (logits / F32(temperature) + g).argmax(-1)

    def _head(self, head: tuple[np.ndarray, ...], o: np.ndarray, p: np.ndarray, temperature: float,
              rng: np.random.Generator | None) -> np.ndarray:
        w1o, w1p, b1, w2, b2 = head
        hid = np.maximum(o @ w1o + w1p[p] + b1, F32(0.0))
        return self._choose(hid @ w2 + b2, temperature, rng)

    def _step_notes(self, h: np.ndarray, temperature: float, rng: np.random.Generator | None) -> np.ndarray:
        """Time states [N, Ht] -> one step's notes [N, 16, 3] (int64; PAD rows after the last note)."""
        n = h.shape[0]
        res = np.zeros((n, MAX_NOTES, 3), np.int64)
        res[..., 0] = PAD
        hn = np.tanh(h @ self.ninit_w + self.ninit_b)
        gi = np.broadcast_to(self.n_start, (n, self.n_start.shape[0]))
        rows = np.arange(n)
        prev = np.full(n, -1, np.int64)
        for k in range(MAX_NOTES):
            hn = _gru(gi, hn, self.n_hh, self.n_b_hh)
            logits = hn @ self.pitch_w + self.pitch_b + self.mask_rows[prev + 1]
            p = self._choose(logits, temperature, rng)
            note = p < PAD
            if not note.any():
                break
            rows, hn, p, prev = rows[note], hn[note], p[note], p[note]
            d = self._head(self.dur_head, hn, p, temperature, rng) + 1
            v = self._bin_vel(self._head(self.vel_head, hn, p, temperature, rng))
            res[rows, k, 0], res[rows, k, 1], res[rows, k, 2] = p, d, v
            gi = self._lookup(self.n_tables, p, d, v) + self.n_b_ih
        return res

    def _summary_input(self, notes: np.ndarray) -> np.ndarray:
        """A step's notes [N, 16, 3] -> the time GRU's input part from its summary [N, 3Ht]."""
        is_note = notes[..., 0] < PAD
        k = int(is_note.sum(-1).max())
        if k == 0:
            return np.broadcast_to(self.t_b_summary, (notes.shape[0], self.t_b_summary.shape[0]))
        nt = notes[:, :k]
        pw, dw, vw = self.emb
        e = np.concatenate([pw[nt[..., 0]], dw[np.clip(nt[..., 1], 1, self.max_dur)],
                            vw[self._vel_bin(nt[..., 2]) + 1]], -1)
        return self.t_b_summary + (e * is_note[:, :k, None]).sum(1) @ self.t_fold

    def decode(self, cond: np.ndarray, n_steps: int, temperature: float = 0.0,
               rng: np.random.Generator | None = None, step_cond: np.ndarray | None = None) -> np.ndarray:
        """cond [N, dec_cond] (and a conditioned model's per-step condition [N, n_steps, Cs]) -> notes
        [N, n_steps, 16, 3] (int64)."""
        cond = np.asarray(cond, F32)
        n = cond.shape[0]
        h = np.tanh(cond @ self.init_w + self.init_b)
        cc = cond @ self.t_ih_cond + self.t_b_ih
        if self.t_ih_step.shape[0]:  # conditioned: each step's input gets its condition's part
            sc = np.zeros((n, n_steps, self.t_ih_step.shape[0]), F32) if step_cond is None else step_cond
            cc = cc[:, None] + np.asarray(sc, F32).reshape(n, n_steps, -1) @ self.t_ih_step
        else:
            cc = np.broadcast_to(cc[:, None], (n, n_steps, cc.shape[-1]))
        gi = cc[:, 0]
        out = np.empty((n, n_steps, MAX_NOTES, 3), np.int64)
        for t in range(n_steps):
            h = _gru(gi, h, self.t_hh, self.t_b_hh)
            notes = self._step_notes(h, temperature, rng)
            out[:, t] = notes
            if t + 1 < n_steps:
                gi = cc[:, t + 1] + self._summary_input(notes)
        return out


def numpy_seed(generator: torch.Generator | None) -> np.random.Generator:
    """A NumPy generator drawn from the caller's torch generator (or fresh entropy without one)."""
    if generator is None:
        return np.random.default_rng()
    return np.random.default_rng(int(torch.randint(0, 2**62, (1,), generator=generator)))
