"""Several streams as one representation: a :class:`MultiStreamCodec` composed of one codec per stream
(the trio: melody and bass as melody tokens, the accompaniment as piano arrays).

A section's step is the streams' steps packed into one array ``[R, 3]`` (:mod:`.trio`): a
token-per-step stream takes one row (its token in column 0), a piano stream its 16 note slots. So
the engine, the window code and the trainer handle a section as any other token array ``[T, R, 3]``,
and nothing outside this codec asks which stream a row belongs to (:meth:`MultiStreamCodec.split`,
:meth:`MultiStreamCodec.join`).

A section is a mapping ``{stream name: Clip}`` (:meth:`encode_streams`, :meth:`decode_streams`). The
:class:`~.codec_base.Codec` protocol's single-clip methods read one clip as the trio's training data
read POP909's piano: its lowest notes the bass (:func:`trio.split_bass`), the rest the accompaniment,
no melody (a warning says so); decoding a single clip merges the streams.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from latentcomposer.core import Clip, Note

from . import trio
from .codec_base import (
    CANNOT,
    REDUCED,
    AttributeTable,
    Augmenter,
    Codec,
    CodecError,
    Encoded,
    WindowSet,
    transpose_augmenter,
)
from .melody_codec import MelodyCodec
from .poly_codec import PolyCodec

STEPS_PER_BAR = 16
# GM programs (0-based) and channels (0-based) a section's streams are written with
GM_PROGRAMS = {"melody": 73, "bass": 33, "accompaniment": 0}  # flute, fingered bass, acoustic grand
CHANNELS = {"melody": 0, "bass": 1, "accompaniment": 2}
MELODY_WORDS = ("MELODY", "VOCAL", "VOICE", "LEAD", "SING", "SOLO")
BASS_WORDS = ("BASS",)
ACC_WORDS = ("PIANO", "ACCOMP", "KEYS", "CHORD", "HARMONY", "PAD", "GUITAR", "STRING", "ORGAN")
IGNORED_WORDS = ("BRIDGE",)  # POP909's second melody: in none of the trio's streams


@dataclass(frozen=True)
class StreamSpec:
    name: str  # "melody", "bass", "accompaniment"
    label: str  # in a composer's words
    codec: Codec  # how one stream is held (a token per step, or a [16, 3] note array per step)
    program: int  # GM program the stream is written and played with
    channel: int
    # a token stream given several voices keeps its highest (a melody) or its lowest (a bass: the
    # notes :func:`trio.split_bass` picks, each cut where the next starts)
    voice: str = "highest"

    @property
    def rows(self) -> int:
        """Rows of the packed step: 1 for a token per step, else the stream's note slots."""
        shape = np.shape(self.codec.silent_token)
        return 1 if shape == () else int(shape[0])


@dataclass(frozen=True)
class StreamMapping:
    """Which of a file's tracks (indices into its clips) make each stream; with
    ``bass_from_accompaniment`` the bass is the accompaniment's lowest notes (as in training)."""

    tracks: dict[str, tuple[int, ...]]
    bass_from_accompaniment: bool = False
    reasons: tuple[str, ...] = ()

    def describe(self, clips: Sequence[Clip]) -> str:
        parts = []
        for stream, idx in self.tracks.items():
            names = ", ".join(f"'{clips[i].name}'" for i in idx) or "none"
            parts.append(f"{stream}: {names}")
        if self.bass_from_accompaniment:
            parts.append("bass: the accompaniment's lowest notes")
        return "; ".join(parts)


class MultiStreamCodec:
    """A representation made of named streams, each held by its own codec (see the module doc)."""

    aux_shapes: dict[str, tuple[int, ...]] = {}
    aux_class_names: tuple[str, ...] = ()
    condition_dim = 0
    pitched = True

    def __init__(self, name: str, label: str, specs: Sequence[StreamSpec]) -> None:
        self.name, self.label = name, label
        self.specs = tuple(specs)
        self.streams = tuple(s.name for s in self.specs)
        self.rows: dict[str, slice] = {}
        r = 0
        for s in self.specs:
            self.rows[s.name] = slice(r, r + s.rows)
            r += s.rows
        self.step_rows = r
        self.vocab = max(int(s.codec.vocab) for s in self.specs)
        self.silent_token = self.join({s.name: np.asarray(s.codec.silent_token)[None] for s in self.specs})[0]

    def spec(self, stream: str) -> StreamSpec:
        for s in self.specs:
            if s.name == stream:
                return s
        raise CodecError(f"no stream '{stream}' in {self.label} (streams: {', '.join(self.streams)})")

    # --- packing --------------------------------------------------------------------------------
    def split(self, tokens: np.ndarray) -> dict[str, np.ndarray]:
        """[..., T, R, 3] -> {stream: its own tokens [..., T] or [..., T, rows, 3]}."""
        a = np.asarray(tokens)
        return {s.name: a[..., self.rows[s.name].start, 0] if s.rows == 1 else a[..., self.rows[s.name], :]
                for s in self.specs}

    def join(self, parts: Mapping[str, np.ndarray]) -> np.ndarray:
        """The inverse of :meth:`split` (every stream given, all of one length)."""
        first = np.asarray(parts[self.specs[0].name])
        lead = first.shape if self.specs[0].rows == 1 else first.shape[:-2]
        dtype = np.result_type(*[np.asarray(parts[s.name]).dtype for s in self.specs])
        out = np.zeros((*lead, self.step_rows, 3), dtype)
        for s in self.specs:
            if s.rows == 1:
                out[..., self.rows[s.name].start, 0] = parts[s.name]
            else:
                out[..., self.rows[s.name], :] = parts[s.name]
        return out

    # --- sections -------------------------------------------------------------------------------
    def encode_streams(self, parts: Mapping[str, Clip | None], n_steps: int | None = None) -> Encoded:
        """A section {stream: clip or None (silent)} -> packed tokens [T, R, 3] (T: whole bars
        covering the longest stream, or ``n_steps``)."""
        unknown = sorted(set(parts) - set(self.streams))
        if unknown:
            raise CodecError(f"unknown stream(s) {unknown} for {self.label} (streams: {', '.join(self.streams)})")
        given = [c for c in parts.values() if c is not None and c.notes]
        if n_steps is None:
            steps = [len(self.spec(k).codec.encode(c).tokens) for k, c in parts.items() if c is not None and c.notes]
            n_steps = max(steps, default=STEPS_PER_BAR)
        warnings: list[str] = []
        arrays: dict[str, np.ndarray] = {}
        for s in self.specs:
            clip = parts.get(s.name)
            silent = np.repeat(np.asarray(s.codec.silent_token)[None], n_steps, 0).astype(np.int64)
            if clip is None or not clip.notes:
                arrays[s.name] = silent
                continue
            enc = s.codec.encode(lowest_voice(clip) if s.voice == "lowest" and not clip.is_monophonic() else clip)
            if s.voice == "lowest" and not clip.is_monophonic():
                warnings.append(f"{s.label.lower()}: clip '{clip.name}' is polyphonic: using its lowest voice")
            warnings += [f"{s.label.lower()}: {w}" for w in enc.warnings]
            tok = enc.tokens[:n_steps]
            silent[: len(tok)] = tok
            arrays[s.name] = silent
        if not given:
            warnings.append("the section has no notes")
        return Encoded(self.join(arrays), None, warnings)

    def decode_streams(self, tokens: np.ndarray, template: Clip | None = None, velocity: int | None = None,
                       name: str = "", templates: Mapping[str, Clip] | None = None) -> dict[str, Clip]:
        """Packed tokens [T, R, 3] -> {stream: clip}, each clip with its stream's GM program, channel and
        name (tempo and ppq from ``templates[stream]`` or ``template``)."""
        out: dict[str, Clip] = {}
        for s in self.specs:
            tmpl = (templates or {}).get(s.name, template)
            part = self.split(tokens)[s.name]
            clip = s.codec.decode(part, None, tmpl, velocity, f"{name} {s.label.lower()}".strip())
            out[s.name] = clip.copy(program=s.program, channel=s.channel, is_drum=False)
        return out

    def streams_from_tracks(self, clips: Sequence[Clip], mapping: StreamMapping) -> dict[str, Clip | None]:
        """A file's tracks -> the section's streams by ``mapping`` (several tracks of a stream merged)."""
        out: dict[str, Clip | None] = {}
        for stream in self.streams:
            idx = mapping.tracks.get(stream, ())
            merged: Clip | None = None
            for i in idx:
                merged = clips[i] if merged is None else merged.merge(clips[i])
            out[stream] = merged
        if mapping.bass_from_accompaniment and out.get("accompaniment") is not None:
            acc = out["accompaniment"]
            assert acc is not None
            bass, rest = trio.split_bass(list(acc.notes))
            out["bass"] = acc.copy(notes=tuple(sorted(bass)), name="bass")
            out["accompaniment"] = acc.copy(notes=tuple(sorted(rest)))
        return out

    # --- the Codec protocol (one clip) ----------------------------------------------------------
    def fit(self, clip: Clip) -> int:
        return CANNOT if clip.is_drum else REDUCED

    def choose_clip(self, clips: Sequence[Clip]) -> tuple[Clip, str]:
        return PolyCodec().choose_clip(clips)

    def new_clip(self, tempo: float, name: str) -> Clip:
        return Clip(tempo=tempo, name=name)

    def encode(self, clip: Clip) -> Encoded:
        if clip.is_drum:
            raise CodecError(f"clip '{clip.name}' is drums; this is a {self.label.lower()} model")
        bass, rest = trio.split_bass(list(clip.notes))
        enc = self.encode_streams({"bass": clip.copy(notes=tuple(sorted(bass))),
                                   "accompaniment": clip.copy(notes=tuple(sorted(rest)))},
                                  n_steps=len(PolyCodec().encode(clip).tokens))
        enc.warnings.insert(0, f"clip '{clip.name}' is one part: read as the accompaniment with its lowest notes "
                               "as the bass, no melody (open a multi-track file as a section for all streams)")
        return enc

    def fix_chunk_starts(self, chunks: np.ndarray) -> np.ndarray:
        parts = self.split(chunks)
        fixed = {s.name: s.codec.fix_chunk_starts(np.array(parts[s.name], copy=True)) for s in self.specs}
        return self.join(fixed).astype(chunks.dtype)

    def decode(self, tokens: np.ndarray, aux: dict[str, np.ndarray] | None, template: Clip | None,
               velocity: int | None, name: str) -> Clip:
        """One clip holding every stream's notes (the section view is :meth:`decode_streams`)."""
        parts = self.decode_streams(tokens, template, velocity, name)
        notes: list[Note] = []
        for c in parts.values():
            notes += list(c.notes)
        base = next(iter(parts.values()))
        return base.copy(notes=tuple(sorted(notes)), name=name, program=0, channel=None)

    def encode_condition(self, clip: Clip, n_steps: int) -> np.ndarray | None:
        return None

    # --- data -----------------------------------------------------------------------------------
    def corpus_windows(self, split: str, n_bars: int, hop_steps: int = STEPS_PER_BAR) -> WindowSet:
        from latentcomposer.io.progress import ProgressBar

        corpus = trio.trio_corpus(progress=ProgressBar("building the trio cache"))
        starts, _, dropped = corpus.window_starts(split, n_bars, max(1, hop_steps // STEPS_PER_BAR))
        return WindowSet({"tokens": corpus.windows(starts, n_bars * STEPS_PER_BAR)},  # uint8: 54 bytes a step
                         {"too sparse": dropped}, f"POP909 melody / bass / accompaniment split '{split}'",
                         {"songs": corpus.summary()})

    def clip_windows(self, clips: Sequence[Clip], n_bars: int) -> tuple[dict[str, np.ndarray], int, str]:
        length = n_bars * STEPS_PER_BAR
        empty = np.zeros((0, length, self.step_rows, 3), np.int64)
        pitched = [c for c in clips if not c.is_drum and c.notes]
        if not pitched:
            return {"tokens": empty}, 0, "file has no pitched notes"
        parts = self.streams_from_tracks(clips, guess_mapping(clips))
        tokens = self.encode_streams(parts).tokens
        wins = [tokens[s:s + length] for s in range(0, len(tokens) - length + 1, STEPS_PER_BAR)]
        if not wins:
            return {"tokens": empty}, 0, ""
        return {"tokens": self.fix_chunk_starts(np.stack(wins))}, 0, ""

    def augmenter(self, train: Mapping[str, np.ndarray], options: Mapping[str, Any]) -> Augmenter | None:
        return transpose_augmenter(options, trio.transpose_windows)

    # --- attributes -----------------------------------------------------------------------------
    def attributes(self) -> AttributeTable:
        """The section's density (note onsets per bar, all streams), then every stream's own attributes,
        named "<stream> <attribute>" (measured on its part)."""
        table: AttributeTable = {"density": (self._density, "note onsets per bar, all streams together")}
        for s in self.specs:
            for attr, (fn, text) in s.codec.attributes().items():
                table[f"{s.name} {attr}"] = (_on_stream(self, s.name, fn), f"{s.label.lower()}: {text}")
        return table

    def summary(self, values: dict[str, np.ndarray]) -> dict[str, float]:
        return {}

    def _density(self, window: np.ndarray) -> float:
        w = np.asarray(window)
        return float((w[..., 0] < 128).sum() / max(1, len(w) // STEPS_PER_BAR))


def _on_stream(codec: MultiStreamCodec, stream: str, fn: Any) -> Any:
    def measure(window: np.ndarray) -> float:
        return float(fn(codec.split(window)[stream]))
    return measure


def lowest_voice(clip: Clip) -> Clip:
    """The clip's bass line (:func:`trio.split_bass`), one voice: each note cut where the next starts."""
    bass = sorted(trio.split_bass(list(clip.notes))[0])
    notes = [n if k + 1 == len(bass) or n.end <= bass[k + 1].start else
             Note(n.start, n.pitch, bass[k + 1].start, n.velocity) for k, n in enumerate(bass)]
    return clip.copy(notes=tuple(notes))


def _mean_pitch(clip: Clip) -> float:
    return float(np.mean([n.pitch for n in clip.notes])) if clip.notes else 0.0


def guess_mapping(clips: Sequence[Clip]) -> StreamMapping:
    """Which tracks of a file are the melody, the bass and the accompaniment (an editable guess):
    by track name first (POP909: MELODY, PIANO; BRIDGE is left out), then GM bass programs (32-39);
    of the rest, the highest one-voice track is the melody and the others the accompaniment. With no
    bass track the bass is taken out of the accompaniment (its lowest notes), as in training."""
    tracks: dict[str, list[int]] = {s: [] for s in trio.STREAMS}
    reasons: list[str] = []
    rest: list[int] = []
    for i, c in enumerate(clips):
        if c.is_drum or not c.notes:
            continue
        up = c.name.upper()
        if any(w in up for w in IGNORED_WORDS):
            reasons.append(f"'{c.name}' left out (a second melody)")
        elif any(w in up for w in BASS_WORDS) or 32 <= c.program <= 39:
            tracks["bass"].append(i)
            reasons.append(f"'{c.name}' is the bass (its name or GM program)")
        elif any(w in up for w in MELODY_WORDS):
            tracks["melody"].append(i)
            reasons.append(f"'{c.name}' is the melody (its name)")
        elif any(w in up for w in ACC_WORDS):
            tracks["accompaniment"].append(i)
            reasons.append(f"'{c.name}' is the accompaniment (its name)")
        else:
            rest.append(i)
    if not tracks["melody"] and rest:
        mono = [i for i in rest if clips[i].is_monophonic()] or (rest if len(rest) > 1 else [])
        if mono:
            top = max(mono, key=lambda i: _mean_pitch(clips[i]))
            tracks["melody"].append(top)
            rest.remove(top)
            reasons.append(f"'{clips[top].name}' is the melody (the highest one-voice track)")
    for i in rest:
        tracks["accompaniment"].append(i)
        reasons.append(f"'{clips[i].name}' is the accompaniment")
    from_acc = not tracks["bass"] and bool(tracks["accompaniment"])
    return StreamMapping({k: tuple(v) for k, v in tracks.items()}, from_acc, tuple(reasons))


TRIO = MultiStreamCodec("trio", "Trio", (
    StreamSpec("melody", "Melody", MelodyCodec(), GM_PROGRAMS["melody"], CHANNELS["melody"]),
    StreamSpec("bass", "Bass", MelodyCodec(), GM_PROGRAMS["bass"], CHANNELS["bass"], voice="lowest"),
    StreamSpec("accompaniment", "Accompaniment", PolyCodec(), GM_PROGRAMS["accompaniment"],
               CHANNELS["accompaniment"]),
))
assert TRIO.step_rows == trio.STEP_ROWS and TRIO.rows["accompaniment"] == trio.ACC_ROWS
