"""Evaluation as MusicVAE defines it: per-16th-step reconstruction accuracy with z = posterior mean,
teacher-forced and sampled (greedy autoregressive decoding from z), plus KL -- and the same figures for
search decoding (beam search + the encoder choosing among the beams, model/search.py), which is what
the engine decodes with at temperature 0."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from latentcomposer.data.codecs import codec_for, model_arrays

from .checkpoint import VAEModel
from .search import search_decode
from .vae import kl_divergence, token_hits


@dataclass
class EvalResult:
    teacher_forced_accuracy: float
    sampled_accuracy: float
    kl: float
    windows: int
    skipped: dict[str, int] = field(default_factory=dict)
    # accuracy on steps that are not NO_EVENT (note-ons and offs): a harder figure than MusicVAE's
    sampled_event_accuracy: float = 0.0
    # drums (teacher-forced): velocity-bin accuracy and mean |offset error| (steps) on hits
    velocity_accuracy: float | None = None
    offset_mae: float | None = None
    # drums (sampled): hit F1 per class and overall, and the recall of soft hits (ghost notes:
    # velocity bins 0-2 of 8) against the others -- where a per-step token match is too coarse
    hit_f1: dict[str, float] | None = None
    soft_hit_recall: float | None = None
    loud_hit_recall: float | None = None
    # search decoding (beams; 0 = not measured): accuracy, event accuracy and hit F1 as for greedy
    search_beam: int = 0
    search_accuracy: float | None = None
    search_event_accuracy: float | None = None
    search_hit_f1: dict[str, float] | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The figures as a report prints them, one per line."""
        out = [f"teacher-forced accuracy  {self.teacher_forced_accuracy:.4f}",
               f"sampled accuracy         {self.sampled_accuracy:.4f}   (greedy from z = posterior mean)",
               f"sampled event accuracy   {self.sampled_event_accuracy:.4f}   (steps that are not 'no event')"]
        if self.search_accuracy is not None:
            out += [f"search accuracy          {self.search_accuracy:.4f}   (beam {self.search_beam} + encoder "
                    "reranking: the engine's temperature-0 decoding)",
                    f"search event accuracy    {self.search_event_accuracy:.4f}"]
        out.append(f"KL                       {self.kl:.1f} nats")
        if self.velocity_accuracy is not None:
            out += [f"velocity-bin accuracy    {self.velocity_accuracy:.4f}   (teacher-forced, on hits)",
                    f"microtiming error        {self.offset_mae:.4f} steps (mean |offset error| on hits)"]
        if self.hit_f1 is not None:
            out.append("hit F1 (sampled)         " + ", ".join(f"{k} {v:.3f}" for k, v in self.hit_f1.items()))
        if self.search_hit_f1 is not None:
            out.append("hit F1 (search)          " + ", ".join(f"{k} {v:.3f}" for k, v in self.search_hit_f1.items()))
        if self.soft_hit_recall is not None and self.loud_hit_recall is not None:
            out.append(f"hits recalled (sampled)  soft (velocity bins 0-2) {self.soft_hit_recall:.3f}, "
                       f"louder {self.loud_hit_recall:.3f}")
        return out


@dataclass
class NoteEvalResult:
    """Note-level figures (the piano models): greedy decodes of z = posterior mean against the input."""

    windows: int
    kl: float
    figures: dict[str, float]  # data.poly.reconstruction_metrics: precision, recall, f1, duration_acc, ...
    skipped: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def lines(self) -> list[str]:
        f = self.figures
        return [f"note F1                  {f['f1']:.4f}   (onset + pitch exact; precision {f['precision']:.4f}, "
                f"recall {f['recall']:.4f})",
                f"duration accuracy        {f['duration_acc']:.4f}   (of matched notes)",
                f"velocity error           {f['velocity_mae']:.2f}   (mean |MIDI velocity| of matched notes)",
                f"exact steps              {f['step_exact']:.4f}   ({f['step_exact_nonempty']:.4f} of steps with notes)",
                f"KL                       {self.kl:.1f} nats"]


@torch.no_grad()
def evaluate_windows(model: VAEModel, windows: np.ndarray, batch_size: int = 256,
                     device: str | torch.device = "cpu", sampled: bool = True,
                     aux: dict[str, np.ndarray] | None = None, search_beam: int = 0) -> EvalResult:
    """``windows`` int [N, T] of the model's window length; ``aux`` (drums) the true velocity bins
    and offsets [N, T, classes] for the dynamics figures, and (conditioned models) ``"condition"``
    [N, T, Cs]; ``search_beam`` > 0 also measures search decoding with that many beams."""
    model.eval()
    n = len(windows)
    if n == 0:
        return EvalResult(0.0, 0.0, 0.0, 0)
    codec = codec_for(model.cfg.representation)
    if aux is not None and "condition" in aux:  # the model's own form (the chord-relative melody)
        conv = model_arrays(codec, {"tokens": np.asarray(windows), "condition": np.asarray(aux["condition"])})
        windows, aux = conv["tokens"], {**aux, "condition": conv["condition"]}
    no_event = codec.silent_token
    vel_hits = vel_correct = 0
    off_err = 0.0
    tf_correct = total = 0
    kl_sum = 0.0
    n_cls = model.decoder.aux_classes if model.decoder.aux is not None else 0
    greedy = _Tally(n_cls)
    soft = [0, 0]  # found, total
    loud = [0, 0]
    search = _Tally(n_cls)
    for i in range(0, n, batch_size):
        x = torch.as_tensor(np.asarray(windows[i:i + batch_size]), dtype=torch.long, device=device)
        sl = slice(i, i + batch_size)
        cond = None if aux is None or "condition" not in aux else \
            torch.as_tensor(np.asarray(aux["condition"][sl], dtype=np.float32), device=device)
        mu, sigma = model.encode(x, cond)
        kl_sum += float(kl_divergence(mu, sigma).sum())
        logits, hidden = model.decode_hidden(mu, x, condition=cond)
        hits = token_hits(x, n_cls) if n_cls else None
        tv = None if aux is None or not n_cls else \
            torch.as_tensor(np.asarray(aux["velocity"][sl]), dtype=torch.long, device=device)
        if aux is not None and hits is not None and tv is not None:
            vel_logits, off = model.decoder.aux_outputs(hidden)
            to = torch.as_tensor(np.asarray(aux["offset"][sl], dtype=np.float32), device=device)
            vel_hits += int(hits.sum())
            vel_correct += int(((vel_logits.argmax(-1) == tv) & hits).sum())
            off_err += float(((off - to).abs() * hits).sum())
        tf_correct += int((logits.argmax(-1) == x).sum())
        total += x.numel()
        if sampled:
            gen = model.generate(mu, temperature=0.0, condition=cond)
            greedy.add(gen, x, no_event)
            if hits is not None:
                got_h = token_hits(gen, n_cls)
                if tv is not None:
                    is_soft = tv < 3
                    for acc, mask in ((soft, hits & is_soft), (loud, hits & ~is_soft)):
                        acc[0] += int((mask & got_h).sum())
                        acc[1] += int(mask.sum())
        if search_beam > 0:
            search.add(search_decode(model, mu, search_beam, condition=cond), x, no_event)
    return EvalResult(
        teacher_forced_accuracy=tf_correct / total,
        sampled_accuracy=greedy.correct / total if sampled else float("nan"),
        kl=kl_sum / n, windows=n,
        sampled_event_accuracy=greedy.ev_correct / max(1, greedy.ev_total) if sampled else float("nan"),
        velocity_accuracy=vel_correct / max(1, vel_hits) if vel_hits else None,
        offset_mae=off_err / max(1, vel_hits) if vel_hits else None,
        hit_f1=_f1(greedy.tp, greedy.fp, greedy.fn, codec.aux_class_names) if n_cls and sampled else None,
        soft_hit_recall=soft[0] / soft[1] if soft[1] else None,
        loud_hit_recall=loud[0] / loud[1] if loud[1] else None,
        search_beam=max(0, int(search_beam)),
        search_accuracy=search.correct / max(1, search.total) if search_beam > 0 else None,
        search_event_accuracy=search.ev_correct / max(1, search.ev_total) if search_beam > 0 else None,
        search_hit_f1=_f1(search.tp, search.fp, search.fn, codec.aux_class_names)
        if n_cls and search_beam > 0 else None,
    )


class _Tally:
    """Step and hit counts of one decoding against the truth."""

    def __init__(self, n_cls: int) -> None:
        self.n_cls = n_cls
        self.correct = self.total = self.ev_correct = self.ev_total = 0
        self.tp, self.fp, self.fn = np.zeros(n_cls), np.zeros(n_cls), np.zeros(n_cls)

    def add(self, gen: torch.Tensor, x: torch.Tensor, no_event: int | np.ndarray) -> None:
        ok = gen == x
        ev = x != torch.as_tensor(no_event, device=x.device)
        self.correct += int(ok.sum())
        self.total += x.numel()
        self.ev_correct += int((ok & ev).sum())
        self.ev_total += int(ev.sum())
        if self.n_cls:
            hits, got = token_hits(x, self.n_cls), token_hits(gen, self.n_cls)
            self.tp += (hits & got).sum((0, 1)).cpu().numpy()
            self.fp += (~hits & got).sum((0, 1)).cpu().numpy()
            self.fn += (hits & ~got).sum((0, 1)).cpu().numpy()


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, class_names: tuple[str, ...]) -> dict[str, float]:
    names = class_names if len(class_names) == len(tp) else tuple(map(str, range(len(tp))))
    out = {"all": float(2 * tp.sum() / max(1.0, 2 * tp.sum() + fp.sum() + fn.sum()))}
    for k, name in enumerate(names):
        out[name] = float(2 * tp[k] / max(1.0, 2 * tp[k] + fp[k] + fn[k]))
    return out
