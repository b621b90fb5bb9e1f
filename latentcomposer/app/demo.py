"""The headless demo: what the app does, without a window. Yields lines of report as it goes.

With a melody model installed it samples melodies, reconstructs and interpolates the example tunes and
shifts one along the density vector; with FluidSynth available it also renders a WAV of the
interpolation. With the drum model it samples beats and humanizes the example beat; with the per-bar
Transformer VAE it develops Mary's first bar in the flow of Jingle Bells (context transfer). Without
models it writes the example melodies and says what is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from latentcomposer.core.examples import NAMES, example_clip, example_drums
from latentcomposer.io.midifile import read_midi, write_midi

if TYPE_CHECKING:
    from latentcomposer.model.engine import Engine


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
    yield from _drum_demo(out)
    yield from _transfer_demo(out)
    yield "Open the .mid files in any DAW, or in latentcomposer's window when a display is available."


def _load(model: str, what: str) -> tuple[Engine | None, str]:
    """(the engine or None, a report line)."""
    from latentcomposer.model.checkpoint import CheckpointError, installed_models
    from latentcomposer.model.engine import Engine

    if model not in installed_models():
        return None, f"  (no '{model}' model installed: skipping {what})"
    try:
        eng = Engine.load(model, device="auto")
    except CheckpointError as exc:
        return None, f"  (model '{model}' could not be loaded: {exc})"
    return eng, f"  loaded model {model} on {eng.device} ({eng.cfg.n_bars}-bar window, z = {eng.z_dim} dims)"


def _model_demo(out: Path, model: str) -> Iterator[str]:
    eng, line = _load(model, "sampling and interpolation")
    yield line
    if eng is None:
        return
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


def _drum_demo(out: Path, model: str = "drums_2bar") -> Iterator[str]:
    eng, line = _load(model, "drums")
    yield line
    if eng is None:
        return
    beats = eng.sample(2, temperature=0.8, seed=1, template=example_drums(2)).clips
    write_midi(out / "beats.mid", [beats[0].concatenate(beats[1]).copy(name="Sampled beats")])
    yield "  beats.mid                2 two-bar drum beats sampled from the prior (channel 10)"
    beat = example_drums(4)
    played = eng.humanize(beat).clips[0]
    write_midi(out / "rock_beat.mid", [beat])
    write_midi(out / "rock_beat_humanized.mid", [played])
    vels = sorted({n.velocity for n in played.notes})
    yield (f"  rock_beat_humanized.mid  the quantized rock_beat.mid with velocities ({vels[0]}-{vels[-1]}) "
           "and microtiming from the model")


def _transfer_demo(out: Path, model: str = "tvae_16bar") -> Iterator[str]:
    eng, line = _load(model, "context transfer")
    yield line
    if eng is None:
        return
    res = eng.context_transfer(example_clip("mary"), example_clip("jingle_bells"), bars_from_x1=[0])
    write_midi(out / "mary_in_jingle_bells.mid", res.clips)
    yield ("  mary_in_jingle_bells.mid Mary's first bar developed in the flow of Jingle Bells "
           "(per-bar latents, context transfer)")


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
