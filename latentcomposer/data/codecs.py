"""The representation registry: a config's ``representation`` name -> its :class:`Codec`.

The engine, the trainer, the app and the CLI talk to a codec, never to a representation's module, so
drums (and every representation after them) are another entry here, not a special case anywhere else.
A new representation is a module with a class that satisfies :class:`~.codec_base.Codec` and one line
in :data:`CODECS`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np

from latentcomposer.core import Clip
from latentcomposer.io.midifile import MidiFileError, read_midi

from .chord_melody_codec import ChordMelodyCodec, ChordRelativeMelodyCodec
from .codec_base import (
    CANNOT,
    NATURAL,
    REDUCED,
    Codec,
    CodecError,
    Encoded,
    WindowSet,
    template_velocity,
)
from .corpora import SkipCounter
from .drum_codec import DrumCodec
from .melody_codec import MelodyCodec
from .poly_codec import PolyChordsCodec, PolyCodec
from .trio_codec import TRIO, MultiStreamCodec

__all__ = ["CANNOT", "CODECS", "NATURAL", "REDUCED", "Codec", "CodecError", "DrumCodec", "Encoded",
           "MelodyCodec", "MultiStreamCodec", "PolyCodec", "WindowSet", "best_codec_for_clip", "codec_for", "file_windows",
           "from_model", "model_arrays", "register_codec", "template_velocity", "to_model"]

CODECS: dict[str, Codec] = {"melody": MelodyCodec(), "drums": DrumCodec(), "poly": PolyCodec(),
                            "melody_chords": ChordMelodyCodec(),
                            "melody_chords_rel": ChordRelativeMelodyCodec(), "poly_chords": PolyChordsCodec(), "trio": TRIO}

FILE_METRES = {(4, 4), (2, 4), (2, 2)}  # metres whose bars are 16 sixteenths (or pairs of them)


def register_codec(codec: Codec) -> None:
    """Add a representation (tests and plug-ins; built-in ones are listed in :data:`CODECS`)."""
    CODECS[codec.name] = codec


def codec_for(representation: str) -> Codec:
    try:
        return CODECS[representation]
    except KeyError:
        raise CodecError(f"unknown representation {representation!r} (known: {', '.join(CODECS)})") from None


def to_model(codec: Codec, tokens: np.ndarray, condition: np.ndarray | None
             ) -> tuple[np.ndarray, np.ndarray | None]:
    """Tokens [N, T] and their condition [N, T, Cs] (or None) as the model reads them: the same for
    every codec but one whose model works in another form (the chord-relative melody)."""
    conv = getattr(codec, "to_model", None)
    return (tokens, condition) if conv is None else conv(tokens, condition)


def from_model(codec: Codec, tokens: np.ndarray, condition: np.ndarray | None) -> np.ndarray:
    """The inverse of :func:`to_model` for decoded tokens (``condition`` as the user gave it)."""
    conv = getattr(codec, "from_model", None)
    return tokens if conv is None else conv(tokens, condition)


def model_arrays(codec: Codec, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A training / evaluation batch ({"tokens", "condition", and the encoder's own copy "enc_tokens",
    "enc_condition" when there is one}) in the model's form (:func:`to_model`)."""
    if getattr(codec, "to_model", None) is None:
        return arrays
    out = dict(arrays)
    for tok, cond in (("tokens", "condition"), ("enc_tokens", "enc_condition")):
        if tok in out and cond in out:
            toks, c = to_model(codec, np.asarray(out[tok]), np.asarray(out[cond]))
            out[tok], out[cond] = toks, np.asarray(c)
    return out


def best_codec_for_clip(clip: Clip, representations: Iterable[str]) -> str | None:
    """Of ``representations``, the one that holds ``clip`` most naturally (None if none can)."""
    best, best_fit = None, CANNOT
    for name in representations:
        codec = CODECS.get(name)
        fit = codec.fit(clip) if codec is not None else CANNOT
        if fit > best_fit:
            best, best_fit = name, fit
    return best


def file_windows(paths: Iterable[str | os.PathLike[str]], n_bars: int, codec: Codec
                 ) -> tuple[dict[str, np.ndarray], SkipCounter, int]:
    """Windows of ``codec``'s kind from MIDI files or folders: (arrays {"tokens": [N, T], extras}, the
    skips with their reasons, the number of files used)."""
    from .midi_windows import expand_paths

    skipped = SkipCounter()
    parts: list[dict[str, np.ndarray]] = []
    used = 0
    for path in expand_paths(paths):
        try:
            clips: Sequence[Clip] = read_midi(path)
        except MidiFileError as exc:
            skipped.skip(f"file unreadable ({type(exc).__name__})")
            continue
        ts = clips[0].time_signature
        if (ts.numerator, ts.denominator) not in FILE_METRES or clips[0].time_signature_changes:
            skipped.skip(f"file not in 4/4 ({ts})")
            continue
        arrays, dropped, why_none = codec.clip_windows(clips, n_bars)
        if why_none:
            skipped.skip(why_none)
            continue
        if dropped:
            skipped.counts["window mostly rests"] += dropped
        if len(arrays["tokens"]) == 0:
            skipped.skip(f"file shorter than {n_bars} bars of {codec.label.lower()}")
            continue
        used += 1
        parts.append(arrays)
    if not parts:
        return {"tokens": np.zeros((0, n_bars * 16), np.int64)}, skipped, used
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}, skipped, used
