"""What the Bars view shows about a clip's structure (issue 32): repeats in the music, what the
per-bar model spends on each bar, and which later bars followed a context transfer.

Three questions, answered separately so each can be checked on its own:

* :func:`music_repeats` -- does bar k *of the music* repeat an earlier bar? A bar repeats bar j when
  both have the same onsets (16th-step positions in the bar, the same number of notes on each) and the
  pitches differ by one transposition (0 semitones: an exact repeat). Durations and velocities do not
  count. Silent bars repeat nothing. This is the score's structure, whatever the model does.
* :func:`bar_reading` (an engine job, worker thread) -- the model's KL per bar, in nats: how much of its
  latent budget the model spends on that bar, and the earlier bar it reads the bar as (the model's
  structure prior, model/structure_prior.py: a repeat costs a few nats under it; without one, KL
  against N(0, I) and no references). :func:`kl_levels` turns the figures into a 1-4 meter relative to
  the clip's most expensive bar, so the view shows whichever the loaded model does.
* :func:`transfer_marks` (an engine job) -- after a context transfer, each later bar of the result
  against B's own reconstruction: "stayed" (agreement >= ``STAYED``), "followed" (changed, and agrees
  with a transferred bar of the result >= ``FOLLOWED``) or "changed" (changed some other way).
  Agreement is :func:`bar_agreement`: over the 16th steps where either bar starts a note, the share
  where both start the same pitches (1.0 for two silent bars).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from latentcomposer.core import Clip, Note

if TYPE_CHECKING:
    from latentcomposer.model.engine import Engine

MODEL_BAR_BEATS = 4  # the per-bar models read bars of 4 beats (16 sixteenth steps)
STEPS_PER_BAR = 16
STAYED = 0.875  # agreement with the reconstruction at or above which a later bar "stayed"
FOLLOWED = 0.75  # agreement with a transferred bar at or above which a changed bar "followed" it
LEVELS = 4  # cells of the KL meter


def bar_onsets(clip: Clip, bar: int) -> dict[int, tuple[int, ...]]:
    """16th step in the model's bar ``bar`` (0-based) -> the sorted pitches starting there."""
    n = clip.ppq * MODEL_BAR_BEATS
    step = n / STEPS_PER_BAR
    out: dict[int, list[int]] = {}
    for x in clip.notes:
        if bar * n <= x.start < (bar + 1) * n:
            out.setdefault(min(STEPS_PER_BAR - 1, int(round((x.start - bar * n) / step))), []).append(x.pitch)
    return {k: tuple(sorted(v)) for k, v in sorted(out.items())}


def n_model_bars(clip: Clip) -> int:
    n = clip.ppq * MODEL_BAR_BEATS
    return max(1, -(-max(clip.length, max((x.start + 1 for x in clip.notes), default=0)) // n))


@dataclass(frozen=True)
class Repeat:
    of: int  # the earlier bar (0-based) this bar repeats
    shift: int  # semitones from that bar (0: exact)


def music_repeats(clip: Clip, bars: int | None = None) -> list[Repeat | None]:
    """Per model bar: the earliest earlier bar it repeats (same onsets, pitches one transposition
    apart; an exact match preferred over a transposed one), or None."""
    n = n_model_bars(clip) if bars is None else bars
    onsets = [bar_onsets(clip, k) for k in range(n)]
    out: list[Repeat | None] = []
    for k, mine in enumerate(onsets):
        found: Repeat | None = None
        for j in range(k):
            shift = _transposition(onsets[j], mine)
            if shift is not None and (found is None or (shift == 0 and found.shift != 0)):
                found = Repeat(j, shift)
                if shift == 0:
                    break
        out.append(found)
    return out


def _transposition(a: dict[int, tuple[int, ...]], b: dict[int, tuple[int, ...]]) -> int | None:
    if not a or a.keys() != b.keys() or any(len(a[s]) != len(b[s]) for s in a):
        return None
    diffs = {q - p for s in a for p, q in zip(a[s], b[s], strict=True)}
    return diffs.pop() if len(diffs) == 1 else None


def bar_agreement(a: dict[int, tuple[int, ...]], b: dict[int, tuple[int, ...]]) -> float:
    """Share of the steps where either bar starts a note on which both start the same pitches."""
    steps = a.keys() | b.keys()
    if not steps:
        return 1.0
    return sum(a.get(s) == b.get(s) for s in steps) / len(steps)


# --- the model's side (engine jobs: call on the worker thread) ------------------------------------
def bar_reading(engine: Engine, clip: Clip) -> tuple[np.ndarray, np.ndarray]:
    """Per bar of ``clip`` (the padding bars left out): the model's KL in nats, and the earlier bar
    (0-based) the model reads it as, -1 for new material (``Engine.bar_structure``)."""
    kl, refs = engine.bar_structure(clip)
    return np.asarray(kl, dtype=np.float64), np.asarray(refs, dtype=np.int64)


def bar_kl(engine: Engine, clip: Clip) -> np.ndarray:
    """The model's KL per bar of ``clip``, nats [bars] (:func:`bar_reading`)."""
    return bar_reading(engine, clip)[0]


def kl_levels(kl: np.ndarray | list[float], levels: int = LEVELS) -> list[int]:
    """Each bar's KL as 1..``levels`` relative to the clip's most expensive bar (ceil of the ratio):
    a bar that costs as much as the most expensive one fills the meter, a bar at a quarter of it
    shows one cell."""
    v = np.maximum(np.asarray(kl, dtype=np.float64), 0.0)
    top = float(v.max()) if v.size else 0.0
    if top <= 0:
        return [1] * len(v)
    return [int(min(levels, max(1, np.ceil(levels * x / top - 1e-9)))) for x in v]


def kl_words(level: int, levels: int = LEVELS) -> str:
    return "new material" if level > levels // 2 else "refers back"


@dataclass
class TransferMarks:
    clip: Clip  # the transfer's result
    reconstruction: Clip  # B decoded from its own bar latents
    transferred: list[int]  # bars taken from A (0-based)
    marks: list[str]  # per bar of the result: "transferred", "followed", "changed", "stayed"
    follows: list[int | None]  # per bar: the transferred bar it followed ("followed" only)
    kept: list[float]  # per bar: agreement with B's reconstruction
    warnings: list[str]


def mark_bars(result: Clip, reconstruction: Clip, transferred: list[int], bars: int) -> tuple[
        list[str], list[int | None], list[float]]:
    """Per bar of ``result``: its mark, the transferred bar it followed, its agreement with ``reconstruction``."""
    out = [bar_onsets(result, k) for k in range(bars)]
    marks: list[str] = []
    follows: list[int | None] = []
    kept: list[float] = []
    for k in range(bars):
        agree = bar_agreement(out[k], bar_onsets(reconstruction, k))
        kept.append(agree)
        followed = None
        if k in transferred:
            mark = "transferred"
        elif agree >= STAYED or not any(t < k for t in transferred):
            mark = "stayed" if agree >= STAYED else "changed"
        else:
            best = max((t for t in transferred if t < k), key=lambda t: bar_agreement(out[k], out[t]))
            if bar_agreement(out[k], out[best]) >= FOLLOWED:
                mark, followed = "followed", best
            else:
                mark = "changed"
        marks.append(mark)
        follows.append(followed)
    return marks, follows, kept


def transfer_marks(engine: Engine, a: Clip, b: Clip, bars_from_a: list[int], seed: int) -> TransferMarks:
    """Context transfer (the listed bars of A in B's flow) and, per bar, whether it followed."""
    gen = engine.context_transfer(a, b, bars_from_x1=bars_from_a, seed=seed)
    zb = engine.encode_bars(b)
    recon = engine.decode_bars(zb, 0.0, seed, b, name=f"{b.name} reconstructed", n_steps=engine.clip_steps(b))
    marks, follows, kept = mark_bars(gen.clips[0], recon, sorted(bars_from_a), len(zb))
    return TransferMarks(gen.clips[0], recon, sorted(bars_from_a), marks, follows, kept, list(gen.warnings))


# --- the words the Bars view shows -----------------------------------------------------------------
def mark_words(t: TransferMarks | None, bar: int) -> str:
    """The words under bar ``bar`` of the transfer row."""
    if t is None or bar >= len(t.marks):
        return ""
    followed = t.follows[bar]
    return {"transferred": "from A", "followed": f"follows {(followed or 0) + 1}", "changed": "changed",
            "stayed": "kept"}[t.marks[bar]]


def mark_tip(t: TransferMarks | None, bar: int) -> str:
    """The transfer row's tooltip for bar ``bar``."""
    if t is None or bar >= len(t.marks):
        return ""
    words = {"transferred": "taken from A", "changed": "changed, but not toward the transferred bar",
             "stayed": "kept as B's reconstruction has it",
             "followed": f"changed toward the new bar {(t.follows[bar] or 0) + 1}"}[t.marks[bar]]
    return f"Bar {bar + 1} after the transfer: {words} (agrees {t.kept[bar]:.0%} with B's reconstruction)"


def bar_tip(row: str, bar: int, rep: Repeat | None, kl: np.ndarray | None, level: int,
            ref: int = -1) -> str:
    """A bar cell's tooltip: the music's repeat, what the model spends on the bar and, when the model
    reads it as an earlier bar (``ref`` >= 0), which one -- a transfer of that bar carries into it."""
    lines = [f"Bar {bar + 1} of {row}"]
    if rep is not None:
        lines.append(f"The music repeats bar {rep.of + 1}" + (" exactly" if rep.shift == 0 else
                     f", transposed {rep.shift:+d} semitones (same rhythm)"))
    if kl is not None and bar < len(kl):
        lines.append(f"The model spends {kl[bar]:.1f} nats on it ({kl_words(level)}: "
                     f"{level}/{LEVELS} of this clip's most expensive bar, {kl.max():.1f})")
    if ref >= 0:
        lines.append(f"The model hears it as bar {ref + 1} again: a new bar {ref + 1} moved in from A "
                     "is repeated here too")
    return "\n".join(lines)


# --- a clip's bars as the per-bar models read them ---------------------------------------------------
def model_bar_ticks(clip: Clip) -> int:
    return clip.ppq * MODEL_BAR_BEATS


def bar_notes(clip: Clip, bar: int) -> list[Note]:
    """The notes starting in the model's bar ``bar`` (0-based) of ``clip``."""
    n = model_bar_ticks(clip)
    return [x for x in clip.notes if bar * n <= x.start < (bar + 1) * n]


def bar_clip(clip: Clip, bar: int) -> Clip:
    """The model's bar ``bar`` of ``clip`` as a clip of its own (notes cut at the bar line), to hear it."""
    n = model_bar_ticks(clip)
    notes = tuple(Note(x.start - bar * n, x.pitch, min(x.end, (bar + 1) * n) - bar * n, x.velocity)
                  for x in bar_notes(clip, bar))
    return clip.copy(notes=notes, length=n, name=f"{clip.name} bar {bar + 1}".strip())



def bars_text(clip: Clip, model_bars: int) -> str:
    """``clip``'s name and length in its own bars, and how many 4-beat bars the model reads when the
    two differ (a 2/4 file of 137 bars is 69 of the model's bars: issue 27, defect 8)."""
    own = clip.n_bars
    text = f"{clip.name} ({own} bar{'s' if own != 1 else ''}"
    if model_bars != own:
        text += f"; the model reads {model_bars} bars of {MODEL_BAR_BEATS} beats"
    return text + ")"
