"""Headless model verbs: models, sample, reconstruct, encode, decode, interpolate, attribute.

All call :class:`latentcomposer.model.engine.Engine`. Output MIDI keeps the input's tempo; velocity
comes from the input (its median) or ``--velocity``.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latentcomposer.commands import UserError, sections
from latentcomposer.commands import args as valid
from latentcomposer.commands.chords import (
    add_chords_option,
    condition_for,
    needs_conditioned,
    parse_progression,
    read_clip_and_chords,
)
from latentcomposer.io.atomic import atomic_write_bytes

if TYPE_CHECKING:
    from latentcomposer.app.midi_import import MidiTracks
    from latentcomposer.core import Clip
    from latentcomposer.model.engine import Engine

DEFAULT_MODEL = "mel_2bar"


def _common(p: argparse.ArgumentParser, seed: bool = True, temperature: float | None = None,
            model: str = DEFAULT_MODEL) -> None:
    p.add_argument("--model", default=model, help=f"model name or folder (default {model})")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda (default auto)")
    if seed:
        p.add_argument("--seed", type=valid.seed, default=0, help="random seed, 0-4294967295 (default 0)")
    if temperature is not None:
        p.add_argument("--temperature", type=valid.temperature, default=temperature,
                       help=f"0 = the most likely result (see --decoding); higher = more random "
                            f"(default {temperature})")
        p.add_argument("--decoding", choices=["search", "greedy"], default="search",
                       help="at temperature 0: search = beam search with the encoder choosing among the "
                            "beams (closest to the input; slower), greedy = step-by-step argmax "
                            "(MusicVAE; fastest) (default search)")
        p.add_argument("--beam", type=valid.beam, default=8,
                       help=f"beams for --decoding search, 1-{valid.BEAM_MAX} (default 8)")
    p.add_argument("--velocity", type=valid.velocity, default=None,
                   help="note velocity for output, 1-127 (default: from input)")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("models", help="list installed models")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("sample", help="sample new melodies from a model's prior")
    _common(p, temperature=0.8)
    p.add_argument("-n", type=valid.integer(1, valid.SAMPLES_MAX, "samples"), default=1,
                   help=f"how many, 1-{valid.SAMPLES_MAX} (default 1)")
    p.add_argument("--tempo", type=valid.tempo, default=120.0, help="bpm, 1-1000 (default 120)")
    p.add_argument("--prior", choices=["kernel", "fitted", "standard", "bar"], default="kernel",
                   help="kernel: near the model's training latents (shipped with the model; the most "
                        "in-key samples; without one, as fitted); fitted: a mixture fitted to the training "
                        "latents; standard: N(0, I) as in MusicVAE; bar: a per-bar model's bar prior, bar "
                        "after bar (default: kernel)")
    add_chords_option(p)
    p.add_argument("-o", "--output", required=True, help="OUT.mid (all samples one after another) or a folder")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("reconstruct", help="encode and decode a MIDI file's melody")
    _common(p, temperature=0.0)
    p.add_argument("input")
    p.add_argument("--track", type=valid.track, default=None, help="track index (see `latentcomposer info`)")
    add_chords_option(p)
    p.add_argument("--keep", action="append", default=None, metavar="STREAM[,STREAM]",
                   help="multi-track models (trio_16bar): keep these streams (melody, bass, accompaniment) "
                        "and regenerate the others, e.g. --keep melody for an arrangement")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_reconstruct)

    p = sub.add_parser("encode", help="write the latent codes (posterior means) of a melody to .npy")
    _common(p)
    p.add_argument("input")
    p.add_argument("--track", type=valid.track, default=None)
    p.add_argument("-o", "--output", required=True, help="Z.npy: [chunks, z_dim]")
    p.set_defaults(func=cmd_encode)

    p = sub.add_parser("decode", help="decode latent codes (.npy) to MIDI (rows as consecutive chunks)")
    _common(p, temperature=0.0)
    p.add_argument("input", help="Z.npy [chunks, z_dim] or [z_dim]")
    p.add_argument("--tempo", type=valid.tempo, default=120.0, help="bpm, 1-1000 (default 120)")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser("interpolate", help="interpolate between two melodies in latent space")
    _common(p, temperature=0.0)
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--steps", type=valid.integer(2, valid.STEPS_MAX, "steps"), default=11,
                   help=f"clips including both ends, 2-{valid.STEPS_MAX} (default 11)")
    p.add_argument("--method", choices=["slerp", "lerp"], default="slerp")
    add_chords_option(p)
    p.add_argument("-o", "--output", default=None, help="OUT.mid: steps one after another, a marker each")
    p.add_argument("--out-dir", default=None, help="also write one file per step here")
    p.set_defaults(func=cmd_interpolate)

    p = sub.add_parser("attribute", help="move a melody along attribute vectors (density, range, ...)")
    _common(p, temperature=0.0)
    p.add_argument("input")
    p.add_argument("--track", type=valid.track, default=None)
    p.add_argument("--shift", action="append", required=True, metavar="NAME=AMOUNT",
                   help="e.g. density=+1.5 (repeatable); names: see `latentcomposer models`")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_attribute)

    p = sub.add_parser("humanize", help="give a quantized drum part velocities and microtiming (drum model)")
    _common(p, model="drums_2bar")
    p.add_argument("input")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_humanize)

    p = sub.add_parser("transfer", help="context transfer (per-bar model): some bars of X1 developed "
                       "in the flow of X2")
    _common(p, temperature=0.0, model="tvae_16bar")
    p.add_argument("x1")
    p.add_argument("x2")
    p.add_argument("--bars", action="append", default=None, metavar="N[,N...]",
                   help="1-based bars taken from X1 (repeatable; default 1)")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_transfer)

    p = sub.add_parser("resample-bar", help="re-sample one bar's latent (per-bar model), the rest in context")
    _common(p, temperature=0.8, model="tvae_16bar")
    p.add_argument("input")
    p.add_argument("--bar", type=valid.bar, required=True, help="1-based bar number")
    p.add_argument("--toward", default=None, help="move the bar toward the same bar of this MIDI file instead")
    p.add_argument("--amount", type=valid.fraction, default=1.0, help="with --toward: 0..1 of the way (default 1)")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_resample_bar)


# --- helpers ---------------------------------------------------------------------------------
def _engine(args: argparse.Namespace) -> Engine:
    from latentcomposer.model.checkpoint import CheckpointError
    from latentcomposer.model.engine import Engine, EngineError

    try:
        return Engine.load(args.model, device=args.device, decoding=getattr(args, "decoding", "search"),
                           beam=getattr(args, "beam", 8))
    except (CheckpointError, EngineError) as exc:
        raise UserError(str(exc)) from None


def _read_tracks(path: str) -> MidiTracks:
    from latentcomposer.app.midi_import import read_tracks
    from latentcomposer.io.midifile import MidiFileError

    try:
        return read_tracks(path)
    except MidiFileError as exc:
        raise UserError(str(exc)) from None


def _read_clip(path: str, track: int | None, eng: Engine) -> Clip:
    """The clip a model works on (:meth:`MidiTracks.for_model <latentcomposer.app.midi_import.MidiTracks.
    for_model>`): ``--track``, else the track its representation reads (the melody for melody models,
    the drum tracks for drum models)."""
    return _choose_clip(path, _read_tracks(path), track, eng)


def _choose_clip(path: str, tracks: MidiTracks, track: int | None, eng: Engine) -> Clip:
    """:func:`_read_clip` on tracks already read: the clip the model reads, with the
    same messages."""
    from latentcomposer.app.midi_import import ImportProblem
    from latentcomposer.data.codecs import CodecError

    try:
        chosen = tracks.for_model(eng.codec, track)
    except ImportProblem as exc:
        raise UserError(str(exc)) from None
    except CodecError as exc:
        raise UserError(f"{path}: {exc} for the {eng.codec.label.lower()} model {eng.name}") from None
    if tracks.several and track is None:
        print(f"{path}: using {chosen.how} (choose another with --track)", file=sys.stderr)
    return chosen.clip


def _write(path: str | Path, clips: list[Any], markers: list[tuple[int, str]] | None = None) -> None:
    from latentcomposer.io.midifile import MidiFileError, write_midi

    try:
        write_midi(path, clips, markers or [])
    except MidiFileError as exc:
        raise UserError(str(exc)) from None
    print(f"wrote {path}")


def _warn(warnings: list[str]) -> None:
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)


def _velocity(args: argparse.Namespace) -> int | None:
    if args.velocity is not None and not 1 <= args.velocity <= 127:
        raise UserError("--velocity must be 1-127")
    return args.velocity


def _concat(clips: list[Any], labels: list[str]) -> tuple[Any, list[tuple[int, str]]]:
    out, markers = clips[0], [(0, labels[0])]
    for c, label in zip(clips[1:], labels[1:], strict=True):
        markers.append((out.n_bars * out.bar_ticks, label))
        out = out.concatenate(c)
    return out, markers


def _call(fn: Any, *a: Any, **kw: Any) -> Any:
    from latentcomposer.core import CoreError
    from latentcomposer.model.engine import EngineError

    try:
        return fn(*a, **kw)
    except (EngineError, CoreError) as exc:
        raise UserError(str(exc)) from None


# --- verbs -----------------------------------------------------------------------------------
def cmd_models(args: argparse.Namespace) -> int:
    from latentcomposer.model.checkpoint import installed_models, models_dir, read_config, resolve_model_dir

    names = installed_models()
    if not names:
        print(f"no models installed in {models_dir()}")
        return 0
    broken = 0
    for name in names:
        try:  # one broken folder is reported; the others are still listed
            print(_model_line(name, resolve_model_dir(name), read_config))  # shipped, or the user's own
        except Exception as exc:  # noqa: BLE001 - any failure of one folder, bug or damage
            broken += 1
            print(f"{name:<16} cannot be used: {str(exc)[:200]}", file=sys.stderr)
    if broken:
        print(f"{broken} of {len(names)} model folder(s) in {models_dir()} cannot be used (see above)",
              file=sys.stderr)
    return 0


def _model_line(name: str, folder: Path, read_config: Any) -> str:
    cfg, meta = read_config(folder)
    acc = meta.get("test_metrics", meta.get("valid_metrics", {}))
    sampled = acc.get("sampled_accuracy", acc.get("valid_sampled_acc"))
    card = folder / "MODEL_CARD.md"
    line = ""
    if card.exists():
        line = next((ln.strip() for ln in card.read_text(encoding="utf-8", errors="replace").splitlines()
                     if ln.strip() and not ln.startswith("#")), "")
    attrs = (folder / "attributes.json").exists()
    return (f"{name:<16} {cfg.n_bars:>2} bars  {cfg.representation:<7} z={cfg.z_dim:<4} "
            f"{'sampled acc ' + format(sampled, '.3f') if sampled is not None else '':<18} "
            f"{'attributes' if attrs else '':<10}  {line[:70]}")


def cmd_sample(args: argparse.Namespace) -> int:

    if args.n < 1:
        raise UserError("-n must be at least 1")
    chords = parse_progression(args.chords) if getattr(args, "chords", None) else None
    eng = _engine(args)
    section_verbs = sections.section_engine(eng)
    if section_verbs is not None:  # a multi-track model: one MIDI track per stream
        return sections.sample(args, section_verbs)
    needs_conditioned(eng, chords is not None)
    template = eng.codec.new_clip(args.tempo, "sample")
    if chords is not None:
        res = _sample_over(eng, args, template, chords)
    else:
        res = _call(eng.sample, args.n, temperature=args.temperature, seed=args.seed, template=template,
                    velocity=_velocity(args), prior=args.prior)
    out = Path(args.output)
    extra = _chord_tracks(chords, res.clips)
    if out.suffix.lower() in (".mid", ".midi"):
        clip, markers = _concat(res.clips, [f"sample {i + 1}" for i in range(len(res.clips))])
        if extra:
            extra = [_concat(extra, [""] * len(extra))[0]]
        _write(out, [clip.copy(name="samples"), *extra], markers)
    else:
        for i, c in enumerate(res.clips):
            _write(out / f"sample_{i + 1:03d}.mid", [c, *extra[i:i + 1]])
    return 0


def _sample_over(eng: Engine, args: argparse.Namespace, template: Clip, chords: Any) -> Any:
    """``args.n`` samples, each as long as the progression (whole model windows), over its chords."""
    from latentcomposer.model.engine import Generated

    n_steps = max(chords.end_step, eng.cfg.n_steps)
    cond = condition_for(eng, chords, n_steps)
    windows = len(cond)
    clips = []
    for i in range(args.n):
        z = _call(eng.sample_z, windows, seed=args.seed + i, prior=args.prior)
        clip = _call(eng.decode, z, temperature=args.temperature, seed=args.seed + i, template=template,
                     velocity=_velocity(args), name=f"sample {i + 1}", join=True, n_steps=n_steps,
                     condition=cond)[0]
        clips.append(clip)
    return Generated(clips, [], None)


def _chord_tracks(chords: Any, clips: list[Any]) -> list[Any]:
    """A chord track for each clip (none without chords), so the file carries the progression."""
    if chords is None:
        return []
    from latentcomposer.app.harmony import chord_clip

    return [chord_clip(chords.slice(0, max(1, c.n_bars) * 16), c.copy(length=max(1, c.n_bars) * c.bar_ticks),
                       program=0) for c in clips]


def cmd_reconstruct(args: argparse.Namespace) -> int:
    given = parse_progression(args.chords) if getattr(args, "chords", None) else None
    eng = _engine(args)
    section_verbs = sections.section_engine(eng)
    if section_verbs is not None:  # a multi-track model reads and writes one track per stream
        return sections.reconstruct(args, section_verbs)
    if args.keep:
        raise UserError(f"--keep needs a multi-track model (e.g. trio_16bar); {eng.name} has one stream")
    needs_conditioned(eng, given is not None)
    if not eng.condition_dim:
        clip = _read_clip(args.input, args.track, eng)
        res = _call(eng.reconstruct, clip, temperature=args.temperature, seed=args.seed, velocity=_velocity(args))
        _warn(res.warnings)
        _write(args.output, res.clips)
        return 0
    clip, found = read_clip_and_chords(args.input, args.track, eng, say=given is None)
    chords = given or found  # None: the model reads the chords it detects in the melody
    n_steps = eng.clip_steps(clip)
    cond = condition_for(eng, chords, n_steps, fit=True)
    code = _call(eng.encode, [clip], seed=args.seed, condition=cond)
    _warn(code.warnings)
    out = _call(eng.decode, code.mu, temperature=args.temperature, seed=args.seed, template=clip,
                velocity=_velocity(args), name=f"{clip.name} (reconstructed)".strip(), join=True, n_steps=n_steps,
                condition=cond)
    _write(args.output, [*out, *_chord_tracks(chords, out)])
    return 0


def cmd_encode(args: argparse.Namespace) -> int:
    import numpy as np

    eng = _engine(args)
    clip = _read_clip(args.input, args.track, eng)
    code = _call(eng.encode, [clip], seed=args.seed)
    _warn(code.warnings)
    buf = io.BytesIO()
    np.save(buf, code.mu)
    try:
        atomic_write_bytes(args.output, buf.getvalue())  # refuses devices and pipes; never half-written
    except OSError as exc:
        raise UserError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {args.output}: {code.mu.shape[0]} chunk(s) x {code.mu.shape[1]} dims ({eng.name})")
    return 0


def cmd_decode(args: argparse.Namespace) -> int:

    from latentcomposer.core import Clip

    z = _read_latents(args.input)
    eng = _engine(args)
    _check_latents(args.input, z, eng)
    clips = _call(eng.decode, z, temperature=args.temperature, seed=args.seed, template=Clip(tempo=args.tempo),
                  velocity=_velocity(args), name="decoded", join=True)
    _write(args.output, clips)
    return 0


MAX_NPY_BYTES = 64 * 2**20
LATENT_ABS_MAX = 1000.0  # codes of a trained model lie within a few units of 0


def _read_latents(path: str) -> Any:
    """A 2-D float array from a .npy file, checked before any model loads: size, dtype, values."""
    import numpy as np

    from latentcomposer.io.files import FileProblem, read_capped

    try:
        data = read_capped(path, MAX_NPY_BYTES, "a .npy file")
    except FileProblem as exc:
        raise UserError(f"{path}: {exc.reason}") from None
    try:
        z = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - numpy raises ValueError/EOFError/OSError... on bad data
        raise UserError(f"{path}: not a readable .npy array ({type(exc).__name__}: {str(exc)[:120]})") from None
    if not isinstance(z, np.ndarray) or z.dtype.kind not in "fiu":
        raise UserError(f"{path}: holds {getattr(z, 'dtype', type(z).__name__)} values; latent codes are numbers "
                        "(write them with `latentcomposer encode`)")
    if z.ndim == 1:
        z = z[None]
    if z.ndim != 2 or z.size == 0:
        raise UserError(f"{path}: shape {z.shape}; latent codes are [chunks, z_dim] with 1 or more chunks")
    z = z.astype(np.float32)
    if not np.isfinite(z).all() or np.abs(z).max() > LATENT_ABS_MAX:
        raise UserError(f"{path}: holds NaN, infinite or huge values (over {LATENT_ABS_MAX:g}); "
                        "latent codes are finite numbers near 0")
    return z


def _check_latents(path: str, z: Any, eng: Any) -> None:
    from latentcomposer.core.clip import MAX_CLIP_QUARTERS

    if z.shape[1] != eng.z_dim:
        raise UserError(f"{path}: shape {z.shape}; {eng.name} needs [chunks, {eng.z_dim}]")
    max_rows = max(1, MAX_CLIP_QUARTERS // (4 * max(1, int(getattr(eng.cfg, "n_bars", 1)))))
    if z.shape[0] > max_rows:
        raise UserError(f"{path}: {z.shape[0]:,} chunks; {eng.name} decodes up to {max_rows:,} at once "
                        "(1,024 bars): split the array")


def cmd_interpolate(args: argparse.Namespace) -> int:
    if not args.output and not args.out_dir:
        raise UserError("give -o OUT.mid and/or --out-dir DIR")
    given = parse_progression(args.chords) if getattr(args, "chords", None) else None
    eng = _engine(args)
    section_verbs = sections.section_engine(eng)
    if section_verbs is not None:  # a multi-track model: sections in, one track per stream out
        return sections.interpolate(args, section_verbs)
    needs_conditioned(eng, given is not None)
    chords = None
    if eng.condition_dim:
        a, found = read_clip_and_chords(args.a, None, eng, say=given is None)
        b, _ = read_clip_and_chords(args.b, None, eng, say=False)
        chords = given or found  # every step over A's chords (given, its chord track, or detected)
    else:
        a, b = _read_clip(args.a, None, eng), _read_clip(args.b, None, eng)
    cond = condition_for(eng, chords, max(eng.clip_steps(a), eng.clip_steps(b)), fit=True)
    res = _call(eng.interpolate, a, b, steps=args.steps, method=args.method, temperature=args.temperature,
                seed=args.seed, velocity=_velocity(args), condition=cond)
    _warn(res.warnings)
    if args.output:
        clip, markers = _concat(res.clips, [c.name for c in res.clips])
        _write(args.output, [clip.copy(name="interpolation")], markers)
    if args.out_dir:
        for i, c in enumerate(res.clips):
            _write(Path(args.out_dir) / f"step_{i + 1:02d}.mid", [c])
    return 0


_SHIFT = re.compile(r"^\s*([A-Za-z][\w-]*)\s*=\s*([+-]?\d+(\.\d*)?|[+-]?\.\d+)\s*$")


def cmd_attribute(args: argparse.Namespace) -> int:
    shifts = []
    for s in args.shift:
        m = _SHIFT.match(s)
        if not m:
            raise UserError(f"bad --shift {s!r}: use NAME=AMOUNT, e.g. density=+1.5")
        amount = float(m.group(2))
        if not -valid.SHIFT_MAX <= amount <= valid.SHIFT_MAX:
            raise UserError(f"bad --shift {s!r}: amounts are -{valid.SHIFT_MAX:g} to +{valid.SHIFT_MAX:g} "
                            "(1 = one step along the attribute)")
        shifts.append((m.group(1), amount))
    eng = _engine(args)
    clip = _read_clip(args.input, args.track, eng)
    code = _call(eng.encode, [clip], seed=args.seed)
    _warn(code.warnings)
    z = code.mu
    for name, amount in shifts:
        z = _call(eng.shift, z, name, amount=amount)
    label = ", ".join(f"{n} {a:+g}" for n, a in shifts)
    out = _call(eng.decode, z, temperature=args.temperature, seed=args.seed, template=clip, velocity=_velocity(args),
                name=f"{clip.name} ({label})", join=True, n_steps=eng.clip_steps(clip))
    _write(args.output, out)
    return 0


def _bar_list(specs: list[str] | None) -> list[int]:
    out: list[int] = []
    for spec in specs or ["1"]:
        for part in spec.split(","):
            part = part.strip()
            if not part.isdigit() or int(part) < 1:
                raise UserError(f"bad bar number {part!r}: use 1-based numbers like --bars 1,2")
            out.append(int(part) - 1)
    return out


def cmd_transfer(args: argparse.Namespace) -> int:
    bars = _bar_list(args.bars)
    eng = _engine(args)
    x1, x2 = _read_clip(args.x1, None, eng), _read_clip(args.x2, None, eng)
    res = _call(eng.context_transfer, x1, x2, bars_from_x1=bars, temperature=args.temperature, seed=args.seed,
                velocity=_velocity(args))
    _write(args.output, res.clips)
    return 0


def cmd_resample_bar(args: argparse.Namespace) -> int:
    if args.bar < 1:
        raise UserError("--bar is 1-based (1 = the first bar)")
    eng = _engine(args)
    clip = _read_clip(args.input, None, eng)
    toward = _read_clip(args.toward, None, eng) if args.toward else None
    res = _call(eng.resample_bar, clip, args.bar - 1, temperature=args.temperature, seed=args.seed, toward=toward,
                amount=args.amount, velocity=_velocity(args))
    _write(args.output, res.clips)
    return 0


def cmd_humanize(args: argparse.Namespace) -> int:
    eng = _engine(args)
    clip = _read_clip(args.input, None, eng)  # a drum model reads the drum tracks, merged
    res = _call(eng.humanize, clip, seed=args.seed)
    _warn(res.warnings)
    _write(args.output, res.clips)
    return 0
