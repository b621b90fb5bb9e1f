"""A tiny random piano (PianoTree) model laid out as shipped ones, and a chord clip, for the app and GUI
tests of polyphonic clips (issue 23). Only ``make_tiny_piano`` imports torch."""

from __future__ import annotations

from pathlib import Path

from latentcomposer.core import Clip, Note

ROOTS = ((60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62))  # C, Am, F, G


def make_tiny_piano(folder: Path, config: str = "tiny_poly_2bar", seed: int = 0) -> Path:
    """A tiny random piano model in ``folder`` (no attribute vectors: its sliders are raw z dims)."""
    import torch

    from latentcomposer.data.poly import PAD
    from latentcomposer.model.checkpoint import build_model, save_model
    from latentcomposer.model.poly_train import get_poly_config

    cfg = get_poly_config(config).model
    torch.manual_seed(seed)
    model = build_model(cfg).eval()
    with torch.no_grad():  # a random model fills every step with 16 notes: make it end steps as music does
        model.decoder.pitch_out.bias[PAD] += 2.0
    save_model(model, cfg, folder, meta={"note": "tiny random piano model"})
    (folder / "MODEL_CARD.md").write_text(f"# {config}\n\nA tiny random piano model for tests.\n", encoding="utf-8")
    return folder


def chord_clip(bars: int = 4, name: str = "Chords", shift: int = 0) -> Clip:
    """C - Am - F - G as whole-bar triads under a quarter-note top line (4/4, ppq 480)."""
    notes = []
    for b in range(bars):
        for p in ROOTS[b % 4]:
            notes.append(Note(start=b * 1920, pitch=p + shift, end=b * 1920 + 1920, velocity=70))
        for q in range(4):
            notes.append(Note(start=b * 1920 + q * 480, pitch=72 + 2 * q + shift, end=b * 1920 + q * 480 + 480,
                              velocity=96))
    return Clip(notes=tuple(notes), name=name)


def has_chords(clip: Clip) -> bool:
    """More than one note starts together somewhere."""
    starts = [n.start for n in clip.notes]
    return len(starts) > len(set(starts))
