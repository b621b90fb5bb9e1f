"""The polyphonic representation (PianoTree, Wang et al. ISMIR 2020): per 16th step, the notes that
start there.

A clip becomes an integer array ``[T, MAX_NOTES, 3]`` (time on axis 0, so windows are cut generically):
for step ``t`` the slots ``[t, k]`` hold up to :data:`MAX_NOTES` notes starting at ``t``, sorted by
pitch from low to high, each as ``(pitch, duration, velocity)``:

* pitch: MIDI 0-127; :data:`PAD` (128) marks an empty slot. The first empty slot of a step is its
  "end of step" (the decoder's stop token); a silent step is all :data:`PAD`.
* duration: in steps, 1..:data:`MAX_DURATION` (32 = 2 bars); 0 in an empty slot.
* velocity: MIDI velocity 1-127 as played (raw, not binned); 0 in an empty slot. Models bin it
  internally (:func:`velocity_to_bin` / :func:`bin_to_velocity`, :data:`VELOCITY_BINS` bins).

:data:`FILL` ``(PAD, 0, 0)`` is the value that pads a silent step.

What the grid cannot hold is reduced the documented way, each kind counted in ``warnings``:

* notes off the 16th grid: starts and ends snap to the nearest step (a note keeps at least one step);
* the same pitch starting twice on one step: one note is kept (the longer; then the louder);
* the same pitch sounding again before the earlier note ended: the earlier note is cut at the new onset;
* durations over 32 steps: clipped to 32;
* more than 16 onsets on one step: the 8 lowest and the 8 highest pitches are kept (bass and top line),
  the middle ones dropped.

Pure numpy: the engine and the data pipeline share it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from latentcomposer.core import DEFAULT_VELOCITY, Clip, StepNote

MAX_NOTES = 16
MAX_DURATION = 32
PAD = 128  # the pitch code of an empty slot / end of step
N_PITCH_CODES = 129  # 0..127 + PAD
STEPS_PER_QUARTER = 4
STEPS_PER_BAR = 16
PITCH, DURATION, VELOCITY = 0, 1, 2  # channels of the last axis
FILL = (PAD, 0, 0)
ARRAY_DTYPE = np.uint8  # every code fits a byte
VELOCITY_BINS = 16
PIANO_LO, PIANO_HI = 21, 108  # transposition keeps notes on a piano


def velocity_to_bin(velocity: int | np.ndarray) -> np.ndarray:
    """MIDI velocity 1..127 -> bin 0..VELOCITY_BINS-1 (equal widths)."""
    return np.clip((np.asarray(velocity, dtype=np.int64) - 1) * VELOCITY_BINS // 127, 0, VELOCITY_BINS - 1)


def bin_to_velocity(b: int | np.ndarray) -> np.ndarray:
    """The centre of a velocity bin, as MIDI velocity 1..127."""
    return np.clip(np.round((np.asarray(b) + 0.5) * 127 / VELOCITY_BINS + 1), 1, 127).astype(np.int64)


def empty_arrays(n_steps: int) -> np.ndarray:
    out = np.zeros((n_steps, MAX_NOTES, 3), dtype=ARRAY_DTYPE)
    out[..., PITCH] = PAD
    return out


def steps_to_arrays(steps: Sequence[StepNote], n_steps: int) -> tuple[np.ndarray, list[str]]:
    """Grid notes -> ``[n_steps, MAX_NOTES, 3]`` plus warnings for what was reduced.

    Notes starting before 0 or at/after ``n_steps`` are left out (counted). Notes are assumed on the
    grid (integer steps); use :func:`clip_to_arrays` for a clip in ticks.
    """
    counts = {"outside": 0, "duplicate": 0, "overlap": 0, "long": 0, "dense": 0}
    by_pitch: dict[int, list[StepNote]] = {}
    for s in steps:
        if not 0 <= s.start < n_steps:
            counts["outside"] += 1
            continue
        by_pitch.setdefault(int(s.pitch), []).append(s)
    # per pitch: one note per onset (longer, then louder), cut where the same pitch starts again
    notes: list[tuple[int, int, int, int]] = []  # (start, pitch, duration, velocity)
    for pitch, group in by_pitch.items():
        group.sort(key=lambda s: (s.start, -(s.end - s.start), -s.velocity))
        kept: list[StepNote] = []
        for s in group:
            if kept and kept[-1].start == s.start:
                counts["duplicate"] += 1
                continue
            kept.append(s)
        for i, s in enumerate(kept):
            end = max(s.end, s.start + 1)
            if i + 1 < len(kept) and kept[i + 1].start < end:
                counts["overlap"] += 1
                end = kept[i + 1].start
            dur = end - s.start
            if dur > MAX_DURATION:
                counts["long"] += 1
                dur = MAX_DURATION
            vel = int(min(127, max(1, s.velocity)))
            notes.append((s.start, pitch, dur, vel))
    out = empty_arrays(n_steps)
    notes.sort()
    i = 0
    while i < len(notes):
        j = i
        while j < len(notes) and notes[j][0] == notes[i][0]:
            j += 1
        step = notes[i:j]  # sorted by pitch
        if len(step) > MAX_NOTES:
            counts["dense"] += len(step) - MAX_NOTES
            half = MAX_NOTES // 2
            step = step[:half] + step[-(MAX_NOTES - half):]
        for k, (t, p, d, v) in enumerate(step):
            out[t, k] = (p, d, v)
        i = j
    return out, _warnings(counts)


def _warnings(counts: dict[str, int]) -> list[str]:
    text = {
        "outside": "note(s) outside the clip's steps were left out",
        "duplicate": "note(s) repeated the same pitch on the same step: one of each was kept",
        "overlap": "note(s) overlapped a later note of the same pitch: cut at the later onset",
        "long": f"note(s) longer than {MAX_DURATION} steps (2 bars) were shortened to {MAX_DURATION}",
        "dense": f"note(s) dropped where more than {MAX_NOTES} notes start on one 16th step "
                 f"(the {MAX_NOTES // 2} lowest and {MAX_NOTES // 2} highest were kept)",
        "offgrid": "note(s) off the 16th-note grid were snapped to it",
    }
    return [f"{n} {text[k]}" for k, n in counts.items() if n]


def clip_n_steps(clip: Clip) -> int:
    """Whole 16-step bars holding the clip (at least one)."""
    step = clip.ppq / STEPS_PER_QUARTER
    end = int(np.ceil(clip.end_tick / step - 1e-9)) if clip.end_tick else 0
    return max(1, -(-end // STEPS_PER_BAR)) * STEPS_PER_BAR


def clip_to_arrays(clip: Clip, n_steps: int | None = None) -> tuple[np.ndarray, list[str]]:
    """A clip -> ``([T, MAX_NOTES, 3] uint8, warnings)``; T = ``n_steps`` or whole bars of 16 steps.

    Everything the grid holds comes back exactly from :func:`arrays_to_clip`; what it cannot hold is
    reduced as the module docstring says and each kind is named in the warnings. The clip itself is
    never changed.
    """
    step = clip.ppq / STEPS_PER_QUARTER
    off_grid = sum(1 for n in clip.notes
                   if abs(n.start / step - round(n.start / step)) > 1e-9
                   or abs(n.end / step - round(n.end / step)) > 1e-9)
    n_steps = clip_n_steps(clip) if n_steps is None else n_steps
    arrays, warnings = steps_to_arrays(clip.to_steps(STEPS_PER_QUARTER), n_steps)
    if off_grid:
        warnings = _warnings({"offgrid": off_grid}) + warnings
    if clip.is_drum:
        warnings.append(f"clip '{clip.name}' is drums: read as pitched notes")
    return arrays, warnings


def arrays_to_steps(arrays: np.ndarray) -> list[StepNote]:
    """``[T, MAX_NOTES, 3]`` -> grid notes. Slots after a step's first PAD are ignored (end of step);
    a repeated pitch within a step keeps its first note; a note running into a later onset of the
    same pitch is cut there (so the notes are always a valid MIDI part)."""
    a = np.asarray(arrays)
    notes: list[StepNote] = []
    last: dict[int, int] = {}  # pitch -> index in notes of its latest note
    for t in range(a.shape[0]):
        seen: set[int] = set()
        for k in range(a.shape[1]):
            p = int(a[t, k, PITCH])
            if p >= PAD:
                break
            if p in seen:
                continue
            seen.add(p)
            dur = int(min(MAX_DURATION, max(1, int(a[t, k, DURATION]))))
            vel = int(min(127, max(1, int(a[t, k, VELOCITY]) or DEFAULT_VELOCITY)))
            j = last.get(p)
            if j is not None and notes[j].end > t:
                prev = notes[j]
                notes[j] = StepNote(prev.pitch, prev.start, t, prev.velocity)
            last[p] = len(notes)
            notes.append(StepNote(p, t, t + dur, vel))
    return notes


def arrays_to_clip(arrays: np.ndarray, template: Clip | None = None, velocity: int | None = None,
                   name: str = "") -> Clip:
    """``[T, MAX_NOTES, 3]`` -> a Clip of T steps (tempo, ppq, metre, program from ``template``).

    ``velocity`` overrides every note's velocity (e.g. for a model without a velocity head).
    """
    steps = arrays_to_steps(arrays)
    if velocity is not None:
        v = int(min(127, max(1, velocity)))
        steps = [StepNote(s.pitch, s.start, s.end, v) for s in steps]
    fields: dict[str, object] = {"name": name or (template.name if template is not None else "")}
    return Clip.from_steps(steps, STEPS_PER_QUARTER, template=template, n_steps=int(np.asarray(arrays).shape[0]),
                           **fields)


def pitch_bounds(arrays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest pitch of each window ``[..., T, MAX_NOTES, 3]`` -> two int16 arrays of the
    leading shape; a window with no notes gets (PAD, -1)."""
    p = np.asarray(arrays)[..., PITCH].astype(np.int16)
    flat = p.reshape(*p.shape[:-2], -1)
    notes = flat < PAD
    lo = np.where(notes, flat, PAD).min(-1)
    hi = np.where(notes, flat, -1).max(-1)
    return lo, hi


def allowed_shift(lo: np.ndarray | int, hi: np.ndarray | int, semitones: np.ndarray | int
                  ) -> np.ndarray:
    """``semitones`` clamped so that notes in ``lo..hi`` stay inside the piano (21..108); a window
    already outside it is never moved further out (and one without notes is not moved at all)."""
    lo_, hi_ = np.asarray(lo, np.int64), np.asarray(hi, np.int64)
    down = np.maximum(0, lo_ - PIANO_LO)
    up = np.maximum(0, PIANO_HI - hi_)
    shift = np.clip(np.asarray(semitones, np.int64), -down, up)
    return np.where(hi_ < 0, 0, shift)


def transpose(arrays: np.ndarray, semitones: int) -> np.ndarray:
    """The arrays moved by ``semitones``, clamped so that every note stays within 21..108 (see
    :func:`allowed_shift`); empty slots stay empty."""
    a = np.array(arrays, copy=True)
    lo, hi = pitch_bounds(a)
    shift = int(allowed_shift(int(lo), int(hi), semitones))
    if shift:
        p = a[..., PITCH].astype(np.int16)
        a[..., PITCH] = np.where(p < PAD, p + shift, p).astype(a.dtype)
    return a


def transpose_batch(windows: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Windows ``[N, T, MAX_NOTES, 3]`` each moved by its own ``shifts[i]`` (clamped per window)."""
    lo, hi = pitch_bounds(windows)
    s = allowed_shift(lo, hi, shifts).reshape(-1, 1, 1)
    p = windows[..., PITCH].astype(np.int16)
    out = np.array(windows, copy=True)
    out[..., PITCH] = np.where(p < PAD, p + s, p).astype(windows.dtype)
    return out


def note_count(arrays: np.ndarray) -> np.ndarray:
    """Notes per window ``[..., T, MAX_NOTES, 3]`` -> int array of the leading shape."""
    return (np.asarray(arrays)[..., PITCH] < PAD).sum(axis=(-1, -2))


# --- figures ----------------------------------------------------------------------------------------
def onset_rolls(arrays: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``[N, T, MAX_NOTES, 3]`` -> (onset roll bool [N, T, 128], duration [N, T, 128], velocity
    [N, T, 128]); slots after a step's first PAD are ignored."""
    a = np.asarray(arrays).astype(np.int64)
    p = a[..., PITCH]
    valid = np.cumprod(p < PAD, axis=-1).astype(bool)
    p = np.where(valid, p, PAD)
    shape = (*p.shape[:-1], PAD + 1)
    roll = np.zeros(shape, bool)
    dur = np.zeros(shape, np.int64)
    vel = np.zeros(shape, np.int64)
    np.put_along_axis(roll, p, True, axis=-1)
    # the first of repeated pitches wins: write in reverse slot order
    np.put_along_axis(dur, p[..., ::-1], a[..., ::-1, DURATION], axis=-1)
    np.put_along_axis(vel, p[..., ::-1], a[..., ::-1, VELOCITY], axis=-1)
    return roll[..., :PAD], dur[..., :PAD], vel[..., :PAD]


def reconstruction_metrics(true: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Note-level figures of ``pred`` against ``true`` (both ``[N, T, MAX_NOTES, 3]``).

    * precision / recall / f1: a note matches when its onset step and pitch are exact;
    * duration_acc: share of matched notes whose duration is exact; velocity_mae: mean absolute
      MIDI-velocity difference on matched notes;
    * step_exact: share of steps whose set of onset pitches equals the truth's, counting every step
      (silent ones too); step_exact_nonempty: the same over steps where the truth or the prediction
      has an onset.
    """
    rt, dt, vt = onset_rolls(true)
    rp, dp, vp = onset_rolls(pred)
    match = rt & rp
    tp, n_true, n_pred = int(match.sum()), int(rt.sum()), int(rp.sum())
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_true if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    same = (rt == rp).all(-1)
    active = rt.any(-1) | rp.any(-1)
    return {
        "precision": precision, "recall": recall, "f1": f1,
        "duration_acc": float((dt[match] == dp[match]).mean()) if tp else 0.0,
        "velocity_mae": float(np.abs(vt[match] - vp[match]).mean()) if tp else 0.0,
        "step_exact": float(same.mean()) if same.size else 1.0,
        "step_exact_nonempty": float(same[active].mean()) if active.any() else 1.0,
        "notes_true": float(n_true), "notes_pred": float(n_pred),
    }


MAJOR = np.array([0, 2, 4, 5, 7, 9, 11])


def window_stats(arrays: np.ndarray) -> dict[str, float]:
    """Means over windows ``[N, T, MAX_NOTES, 3]`` (for prior samples against data):

    * notes_per_onset: notes per step that has an onset; polyphony: notes sounding per step where
      at least one sounds; density: notes per bar; register: mean pitch; range: highest - lowest
      pitch per window; in_key: share of a window's notes in its best-fitting major scale;
      share_silent: windows with no notes."""
    a = np.asarray(arrays)
    roll, dur, _ = onset_rolls(a)
    n_win, n_steps = roll.shape[:2]
    per_step = roll.sum(-1)
    notes = per_step.sum(-1)
    has = notes > 0
    out: dict[str, float] = {"share_silent": float((~has).mean()) if n_win else 0.0}
    if not has.any():
        return {**out, "notes_per_onset": 0.0, "polyphony": 0.0, "density": 0.0, "register": 0.0,
                "range": 0.0, "in_key": 0.0}
    r, d = roll[has], dur[has]
    ps = per_step[has]
    out["notes_per_onset"] = float(ps[ps > 0].mean())
    sounding = np.zeros(ps.shape, np.int64)  # notes sounding per step (cut at the window end)
    w_idx, t_idx, p_idx = np.nonzero(r)
    ends = np.minimum(t_idx + d[w_idx, t_idx, p_idx], n_steps)
    diff = np.zeros((ps.shape[0], n_steps + 1), np.int64)
    np.add.at(diff, (w_idx, t_idx), 1)
    np.add.at(diff, (w_idx, ends), -1)
    sounding = np.cumsum(diff, -1)[:, :n_steps]
    out["polyphony"] = float(sounding[sounding > 0].mean())
    out["density"] = float(notes[has].mean() / (n_steps / STEPS_PER_BAR))
    pitch_hist = r.sum(1)  # [W, 128]
    pitches = np.arange(128)
    out["register"] = float((pitch_hist * pitches).sum() / pitch_hist.sum())
    lo = np.where(pitch_hist > 0, pitches, 999).min(-1)
    hi = np.where(pitch_hist > 0, pitches, -1).max(-1)
    out["range"] = float((hi - lo).mean())
    pc = np.zeros((pitch_hist.shape[0], 12))
    for k in range(12):
        pc[:, k] = pitch_hist[:, k::12].sum(-1)
    scales = np.zeros((12, 12))
    for tonic in range(12):
        scales[tonic, (MAJOR + tonic) % 12] = 1
    best = (pc @ scales.T).max(-1)
    out["in_key"] = float((best / pc.sum(-1)).mean())
    return out
