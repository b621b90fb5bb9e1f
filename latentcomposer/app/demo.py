"""The headless demo: what the app does, without a window. Yields lines of report as it goes.

With a melody model installed it samples melodies, reconstructs and interpolates the example tunes and
shifts one along the density vector; with FluidSynth available it also renders a WAV of the
interpolation. Without them it writes the example melodies and says what is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from latentcomposer.core.examples import NAMES, example_clip
from latentcomposer.io.midifile import read_midi, write_midi


def run_demo(out: Path, model: str = "mel_2bar") -> Iterator[str]:
    out.mkdir(parents=True, exist_ok=True)
    yield f"latentcomposer demo: writing to {out}/"
    for name in NAMES:
        clip = example_clip(name)
        path = write_midi(out / f"{name}.mid", [clip])
        back = read_midi(path)[0]
        yield (f"  {path.name:<24} example melody: {back.n_bars} bars, {len(back.notes)} notes, "
               f"{back.tempo:.0f} bpm, {back.time_signature}")
    yield from _model_demo(out, model)
    yield "Open the .mid files in any DAW, or in latentcomposer's window when a display is available."


def _model_demo(out: Path, model: str) -> Iterator[str]:
    from latentcomposer.model.checkpoint import CheckpointError, installed_models
    from latentcomposer.model.engine import Engine

    if model not in installed_models():
        yield f"  (no '{model}' model installed: skipping sampling and interpolation)"
        return
    try:
        eng = Engine.load(model, device="auto")
    except CheckpointError as exc:
        yield f"  (model '{model}' could not be loaded: {exc})"
        return
    yield f"  loaded model {model} on {eng.device} ({eng.cfg.n_bars}-bar window, z = {eng.z_dim} dims)"
    samples = eng.sample(4, temperature=0.8, seed=1, template=example_clip("twinkle")).clips
    for i, c in enumerate(samples):
        write_midi(out / f"sample_{i + 1}.mid", [c])
    yield "  sample_1..4.mid          4 melodies sampled from the prior (temperature 0.8)"
    rec = eng.reconstruct(example_clip("jingle_bells"))
    write_midi(out / "jingle_bells_reconstructed.mid", rec.clips)
    yield f"  jingle_bells_reconstructed.mid  encoded and decoded ({len(rec.clips[0].notes)} notes)"
    a, b = example_clip("twinkle"), example_clip("ode_to_joy")
    res = eng.interpolate(a, b, steps=5)
    chain = res.clips[0]
    markers = [(0, res.clips[0].name)]
    for c in res.clips[1:]:
        markers.append((chain.n_bars * chain.bar_ticks, c.name))
        chain = chain.concatenate(c)
    write_midi(out / "interpolation.mid", [chain.copy(name="Twinkle -> Ode to Joy")], markers)
    yield f"  interpolation.mid        Twinkle -> Ode to Joy in 5 steps ({chain.n_bars} bars, slerp)"
    if eng.attributes is not None:
        z = eng.encode([a]).mu
        dense = eng.decode(eng.shift(z, "density", 1.5), template=a, name="Twinkle, denser", join=True)
        write_midi(out / "twinkle_denser.mid", dense)
        yield (f"  twinkle_denser.mid       Twinkle moved along the density vector "
               f"({len(a.notes)} -> {len(dense[0].notes)} notes)")
    yield from _render(out, chain)


def _render(out: Path, clip: object) -> Iterator[str]:
    try:
        from latentcomposer.io.playback import PlaybackUnavailable, render, write_wav
    except ImportError:
        return
    try:
        audio = render([clip])  # type: ignore[list-item]
    except PlaybackUnavailable as exc:
        yield f"  (no WAV rendered: {exc})"
        return
    write_wav(out / "interpolation.wav", audio, 44100)
    yield f"  interpolation.wav        rendered offline with FluidSynth ({len(audio) / 44100:.1f} s)"
