"""The trio model (issue 24): melody, bass and accompaniment over 16 bars, one z for the section --
MusicVAE's trio layout (Roberts et al. 2018: per-track decoders under one shared conductor) with the
project's bar encoder and the piano models' note-tree decoder for the polyphonic accompaniment.

Input: packed windows ``[B, T, 18, 3]`` (data/trio.py: row 0 the melody token, row 1 the bass token,
rows 2-17 the accompaniment's note slots), T = n_bars * 16.

* **Encoder**: per stream and bar a bidirectional GRU -- melody and bass over their token embeddings
  (the bar half of model/bar_encoder.py), the accompaniment over PianoTree's per-step note vectors
  (model/pianotree.py's StepEncoder) -- projected to ``d_model``; the three streams' bar vectors are
  summed, a position embedding added, and a Transformer over the bars (not causal) gives each bar's
  (mu, sigma) of a ``bar_z_dim`` slot. z = the slots concatenated (one z for the section, N(0, I) prior).
* **Decoder**: a conductor LSTM fed each bar's slot, with a linear skip (mel_16bar's), gives one
  vector per bar shared by the streams. Melody and bass each have MusicVAE's categorical step decoder
  (an LSTM over the bar's 16 steps, conditioned on the bar's vector); the accompaniment PianoTree's bar
  decoder (a time GRU over steps, a note GRU per step). Every decoder takes all bars of the batch as
  one batch (B * n_bars sequences of 16 steps); the three decoders run one after another.

Loss per window: the streams' summed cross-entropies + beta * max(KL - free bits, 0). Search decoding
(beam + encoder reranking, model/search.py) is not defined for the trio: temperature 0 is greedy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from latentcomposer.data import trio as streams
from latentcomposer.data.poly import MAX_NOTES

from .bar_encoder import transformer_stack
from .pianotree import BarDecoder, StepEncoder, kl_normal
from .trio_config import TrioConfig
from .vae import Conductor, StepDecoder

MONO = ("melody", "bass")


class TokenBars(nn.Module):
    """Token bars [N, 16] -> bar vectors [N, d_model] (embedding, bidirectional GRU, projection)."""

    def __init__(self, cfg: TrioConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(cfg.vocab + 1, cfg.embed_dim)
        self.rnn = nn.GRU(cfg.embed_dim, cfg.bar_enc_hidden, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(2 * cfg.bar_enc_hidden, cfg.d_model)

    def forward(self, bars: torch.Tensor) -> torch.Tensor:
        _, h = self.rnn(self.embed(bars))
        return self.proj(torch.cat([h[0], h[1]], -1))


class PianoBars(nn.Module):
    """Note-array bars [N, 16, 16, 3] -> bar vectors [N, d_model] (note GRU per step, bidirectional GRU
    over the bar's steps, projection)."""

    def __init__(self, cfg: TrioConfig) -> None:
        super().__init__()
        pc = cfg.poly_part()
        self.steps = StepEncoder(pc)
        self.rnn = nn.GRU(pc.enc_note_hidden, pc.enc_time_hidden, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(2 * pc.enc_time_hidden, cfg.d_model)

    def forward(self, bars: torch.Tensor) -> torch.Tensor:
        _, h = self.rnn(self.steps(bars))
        return self.proj(torch.cat([h[0], h[1]], -1))


def split_streams(x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Packed [..., T, 18, 3] -> melody [..., T], bass [..., T], accompaniment [..., T, 16, 3]."""
    return {"melody": x[..., streams.MONO_ROWS["melody"], 0], "bass": x[..., streams.MONO_ROWS["bass"], 0],
            "accompaniment": x[..., streams.ACC_ROWS, :]}


def join_streams(parts: dict[str, torch.Tensor]) -> torch.Tensor:
    acc = parts["accompaniment"]
    out = torch.zeros((*acc.shape[:-2], streams.STEP_ROWS, 3), dtype=torch.long, device=acc.device)
    out[..., streams.MONO_ROWS["melody"], 0] = parts["melody"]
    out[..., streams.MONO_ROWS["bass"], 0] = parts["bass"]
    out[..., streams.ACC_ROWS, :] = acc
    return out


class TrioRuntime:
    """The engine's decoder (model/architectures.py's DecoderRuntime): on the CPU the folded NumPy
    decoders of all three streams (model/trio_fastdecode.py; greedy: the same tokens and notes), else
    (or with ``use_numpy=False``) the model's own torch step loops."""

    def __init__(self, model: TrioVAE, device: torch.device | None = None) -> None:
        self.model = model
        self.fast = None
        if device is None or device.type == "cpu":
            from .trio_fastdecode import TrioFastDecoder

            self.fast = TrioFastDecoder(model)  # folded once: the weights are frozen at load

    @torch.inference_mode()
    def decode_full(self, z: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None,
                    use_numpy: bool = True, condition: torch.Tensor | None = None
                    ) -> tuple[torch.Tensor, dict[str, torch.Tensor] | None]:
        if use_numpy and self.fast is not None and z.device.type == "cpu":
            return self.fast.decode(z, temperature, generator), None
        return self.model.decode(z, temperature, generator), None


@dataclass
class TrioEvalResult:
    """Per-stream figures of the trio on windows: token accuracy teacher-forced and sampled (greedy from
    z = mu) for melody and bass, note F1 (and the rest of data.poly.reconstruction_metrics) for the
    accompaniment, and the KL."""

    windows: int
    kl: float
    figures: dict[str, float]
    skipped: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def lines(self) -> list[str]:
        f = self.figures
        out = [f"{s:<14} teacher-forced {f[f'{s}_tf_acc']:.4f}   sampled {f[f'{s}_sampled_acc']:.4f}   "
               f"(notes reproduced {f[f'{s}_notes_exact']:.4f})" for s in MONO]
        out += [f"accompaniment  note F1 {f['accompaniment_f1']:.4f} (precision {f['accompaniment_precision']:.4f}, "
                f"recall {f['accompaniment_recall']:.4f}); teacher-forced pitch {f['accompaniment_tf_pitch_acc']:.4f}",
                f"KL             {self.kl:.1f} nats"]
        return out


class TrioVAE(nn.Module):
    """encode(x [B, T, 18, 3]) -> (mu, sigma) [B, z_dim]; decode(z) -> [B, T, 18, 3]; loss(x).
    The engine's LatentModel (model/architectures.py)."""

    supports_search = False  # no beam search over three streams (yet): temperature 0 is greedy
    per_bar_latents = False  # z is read in slots, but the per-bar tools are not offered for sections
    condition_dim = 0
    dynamics_heads = False
    kl_groups = 1

    def __init__(self, cfg: TrioConfig) -> None:
        super().__init__()
        self.cfg = cfg
        mc = cfg.mono_part()
        self.enc_mono = nn.ModuleDict({s: TokenBars(cfg) for s in MONO})
        self.enc_acc = PianoBars(cfg)
        self.pos = nn.Parameter(torch.zeros(cfg.n_bars, cfg.d_model))
        self.tf = transformer_stack(mc)
        self.to_mu = nn.Linear(cfg.d_model, cfg.bar_z_dim)
        self.to_sigma = nn.Linear(cfg.d_model, cfg.bar_z_dim)
        self.conductor = Conductor(cfg.z_dim, cfg.conductor_hidden, cfg.conductor_layers, cfg.n_bars, "slots", True)
        self.dec_mono = nn.ModuleDict({s: StepDecoder(cfg.vocab, cfg.embed_dim, cfg.conductor_hidden, cfg.dec_hidden,
                                                      cfg.dec_layers) for s in MONO})
        self.acc_cond = nn.Linear(cfg.conductor_hidden, cfg.dec_cond)
        self.dec_acc = BarDecoder(cfg.poly_part())

    def mono_decoder(self, stream: str) -> StepDecoder:
        dec = self.dec_mono[stream]
        assert isinstance(dec, StepDecoder)
        return dec

    # --- the engine's view ----------------------------------------------------------------------
    def runtime(self, device: torch.device) -> TrioRuntime:
        return TrioRuntime(self, device)

    def search_decode_full(self, z: torch.Tensor, beam: int, condition: torch.Tensor | None = None
                           ) -> tuple[torch.Tensor, dict[str, torch.Tensor] | None]:
        raise NotImplementedError("the trio has no search decoding (supports_search is False)")

    def predict_dynamics(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        raise NotImplementedError("the trio has no humanize heads (dynamics_heads is False)")

    # --- encoder ---------------------------------------------------------------------------------
    def encode(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        cfg = self.cfg
        b, nb, sb = x.shape[0], cfg.n_bars, cfg.steps_per_bar
        parts = split_streams(x.reshape(b * nb, sb, streams.STEP_ROWS, 3))
        bars = self.enc_acc(parts["accompaniment"])
        for s in MONO:
            bars = bars + self.enc_mono[s](parts[s])
        y = self.tf(bars.reshape(b, nb, -1) + self.pos)
        mu, sigma = self.to_mu(y), F.softplus(self.to_sigma(y)) + 1e-4
        return mu.reshape(b, -1), sigma.reshape(b, -1)

    # --- decoder ---------------------------------------------------------------------------------
    def bar_conds(self, z: torch.Tensor) -> torch.Tensor:
        """z [B, z_dim] -> the conductor's vector of every bar [B * n_bars, conductor_hidden]."""
        return self.conductor(z).reshape(-1, self.cfg.conductor_hidden)

    def reconstruction(self, z: torch.Tensor, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Teacher-forced losses of x given z: per window [B] for each stream (the accompaniment's pitch,
        duration and velocity parts separately) + correct/total counts."""
        b, cond, parts = self._teacher_inputs(z, x)
        out: dict[str, torch.Tensor] = {}
        for s in MONO:
            out[s], logits = self._mono_nll(s, cond, parts[s], b)
            out[f"{s}_correct"] = (logits.argmax(-1) == parts[s]).float().sum()
        r = self.dec_acc(self.acc_cond(cond), parts["accompaniment"])
        for k in ("pitch", "duration", "velocity"):
            out[f"acc_{k}"] = r[k].reshape(b, -1).sum(-1)
        out.update({f"acc_{k}": r[k] for k in ("pitch_correct", "pitch_total", "dur_correct", "notes_total")})
        out["mono_total"] = torch.tensor(float(b * self.cfg.n_steps))
        return out

    @torch.no_grad()
    def decode(self, z: torch.Tensor, temperature: float = 0.0, generator: torch.Generator | None = None
               ) -> torch.Tensor:
        """z [B, z_dim] -> packed [B, T, 18, 3] (long): greedy at temperature 0, else sampled."""
        cfg = self.cfg
        b = z.shape[0]
        cond = self.bar_conds(z)
        parts = {s: self.mono_decoder(s).generate(cond, cfg.steps_per_bar, temperature, generator).reshape(b, -1)
                 for s in MONO}
        acc = self.dec_acc.decode(self.acc_cond(cond), cfg.steps_per_bar, temperature, generator)
        parts["accompaniment"] = acc.reshape(b, cfg.n_steps, MAX_NOTES, 3)
        return join_streams(parts)

    def _teacher_inputs(self, z: torch.Tensor, x: torch.Tensor) -> tuple[int, torch.Tensor, dict[str, torch.Tensor]]:
        """(batch size, every bar's conductor vector, x split into its streams bar by bar)."""
        cfg = self.cfg
        b = x.shape[0]
        parts = split_streams(x.reshape(b * cfg.n_bars, cfg.steps_per_bar, streams.STEP_ROWS, 3))
        return b, self.bar_conds(z), parts

    def _mono_nll(self, stream: str, cond: torch.Tensor, target: torch.Tensor, b: int
                  ) -> tuple[torch.Tensor, torch.Tensor]:
        """A monophonic stream's teacher-forced NLL per window [b] and its logits."""
        logits = self.mono_decoder(stream)(cond, target)
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), reduction="none")
        return ce.reshape(b, -1).sum(-1), logits

    def stream_nll(self, z: torch.Tensor, x: torch.Tensor, only: tuple[str, ...] | None = None
                   ) -> dict[str, torch.Tensor]:
        """Teacher-forced negative log-likelihood of each stream of x given z: {stream: [B]} (nats).
        ``only``: just these streams (each stream's decoder runs only when asked for: the
        accompaniment's costs twice the melody's)."""
        want = streams.STREAMS if only is None else only
        b, cond, parts = self._teacher_inputs(z, x)
        out: dict[str, torch.Tensor] = {}
        for s in MONO:
            if s in want:
                out[s], _ = self._mono_nll(s, cond, parts[s], b)
        if "accompaniment" in want:
            r = self.dec_acc(self.acc_cond(cond), parts["accompaniment"])
            out["accompaniment"] = sum((r[k].reshape(b, -1).sum(-1) for k in ("pitch", "duration", "velocity")),
                                       torch.zeros(b, device=z.device))
        return out

    def loss(self, x: torch.Tensor, beta: float, free_bits: float, generator: torch.Generator | None = None
             ) -> dict[str, torch.Tensor]:
        """The training loss (mean over the batch) and its parts."""
        mu, sigma = self.encode(x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device)
        r = self.reconstruction(mu + sigma * eps, x)
        acc = r["acc_pitch"] + r["acc_duration"] + r["acc_velocity"]
        recon = r["melody"] + r["bass"] + acc
        kl = kl_normal(mu, sigma)
        loss = (recon + beta * torch.clamp(kl - free_bits, min=0.0)).mean()
        total = r["mono_total"]
        return {"loss": loss, "recon": recon.mean(), "kl": kl.mean(), "melody_loss": r["melody"].mean(),
                "bass_loss": r["bass"].mean(), "acc_loss": acc.mean(),
                "melody_acc": r["melody_correct"] / total, "bass_acc": r["bass_correct"] / total,
                "acc_pitch_acc": r["acc_pitch_correct"] / r["acc_pitch_total"].clamp(min=1)}

    # --- figures ---------------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self, windows: Any, device: torch.device | str = "cpu", aux: dict[str, Any] | None = None,
                 search_beam: int = 0, batch: int = 32) -> TrioEvalResult:
        """Per-stream figures (:class:`TrioEvalResult`) on packed windows [N, T, 18, 3]; ``search_beam``
        is ignored (no search decoding)."""
        from latentcomposer.data.poly import reconstruction_metrics

        self.eval()
        w = np.asarray(windows)
        tf = {"melody": 0.0, "bass": 0.0, "acc_pitch": 0.0, "acc_total": 0.0}
        kls, preds = [], []
        for i in range(0, len(w), batch):
            x = torch.as_tensor(w[i:i + batch], dtype=torch.long, device=device)
            mu, sigma = self.encode(x)
            kls.append(kl_normal(mu, sigma).cpu().numpy())
            r = self.reconstruction(mu, x)
            for s in MONO:
                tf[s] += float(r[f"{s}_correct"])
            tf["acc_pitch"] += float(r["acc_pitch_correct"])
            tf["acc_total"] += float(r["acc_pitch_total"])
            preds.append(self.decode(mu).cpu().numpy())
        pred = np.concatenate(preds) if preds else np.zeros_like(w)
        steps = max(1, w.shape[0] * w.shape[1])
        truth, got = streams.unpack(w), streams.unpack(pred)
        figures: dict[str, float] = {}
        for s in MONO:
            figures[f"{s}_tf_acc"] = tf[s] / steps
            figures[f"{s}_sampled_acc"] = float((truth[s] == got[s]).mean()) if len(w) else 0.0
            figures[f"{s}_notes_exact"] = _onsets_exact(truth[s], got[s])
        rec = reconstruction_metrics(truth["accompaniment"], got["accompaniment"])
        figures.update({f"accompaniment_{k}": v for k, v in rec.items()})
        figures["accompaniment_tf_pitch_acc"] = tf["acc_pitch"] / max(1.0, tf["acc_total"])
        kl = float(np.concatenate(kls).mean()) if kls else 0.0
        return TrioEvalResult(len(w), kl, figures)


def _onsets_exact(truth: np.ndarray, pred: np.ndarray) -> float:
    """Share of the truth's note onsets (step and pitch) that the prediction has too."""
    on = truth < 128
    return float((pred[on] == truth[on]).mean()) if on.any() else 1.0
