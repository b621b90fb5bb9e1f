"""A section: several clips (one per stream: melody, bass, accompaniment) that share bars and tempo and
that the latent tools treat as one thing (issue 24). Immutable, as clips are: every edit returns a new
section, so undo swaps sections and worker threads can hold them.

Invariants: one track per stream of the section's codec, in the codec's order; every track's clip has
the section's tempo and ppq; each track has its own GM program and MIDI channel (what playback and
export use; decoded clips take them over from the section they replace).

:class:`SectionTools` runs the latent verbs through the engine (model/sections.py): encode, decode,
sample, interpolate, and regenerate with some streams kept (the kept streams verbatim, the others
decoded from a z searched for with the kept ones fixed; see model/sections.py). Call them off the UI
thread, as every engine call.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from latentcomposer.core import DRUM_CHANNEL, Clip, Note
from latentcomposer.data.section_midi import SectionFile, read_section, section_tracks, write_section
from latentcomposer.data.trio_codec import MultiStreamCodec, StreamMapping
from latentcomposer.io.midifile import write_midi

from .state import new_uid

if TYPE_CHECKING:  # torch: imported where the tools are made (off the UI thread), not with the section
    from latentcomposer.model.engine import EncodeResult, Engine


@dataclass(frozen=True)
class SectionTrack:
    stream: str  # the codec's stream name
    clip: Clip
    program: int  # GM program, 0-127
    channel: int  # MIDI channel, 0-15 (not 9: drums)

    def __post_init__(self) -> None:
        if not 0 <= self.program <= 127:
            raise ValueError(f"{self.stream}: GM program {self.program} is outside 0-127")
        if not 0 <= self.channel <= 15 or self.channel == 9:
            raise ValueError(f"{self.stream}: channel {self.channel + 1} must be 1-16 and not 10 (drums)")

    @property
    def playable(self) -> Clip:
        """The clip with the track's program and channel (what playback and export read)."""
        return self.clip.copy(program=self.program, channel=self.channel, is_drum=False)


@dataclass(frozen=True)
class Section:
    uid: str
    name: str
    tracks: tuple[SectionTrack, ...]
    tempo: float
    selected: str  # the stream the roll edits (the others dimmed)
    source: str = ""
    drums: Clip | None = None  # a drum part beside the streams (channel 10); the model tools never read it

    @classmethod
    def from_streams(cls, codec: MultiStreamCodec, streams: Mapping[str, Clip | None], name: str = "section",
                     tempo: float | None = None, source: str = "") -> Section:
        given = [c for c in streams.values() if c is not None]
        tempo = tempo if tempo is not None else (given[0].tempo if given else 120.0)
        ppq = given[0].ppq if given else Clip().ppq
        tracks = []
        for spec in codec.specs:
            clip = streams.get(spec.name) or Clip(ppq=ppq, name=spec.label)
            program = clip.program if streams.get(spec.name) is not None and clip.program else spec.program
            tracks.append(SectionTrack(spec.name, _fit(clip, tempo, ppq, spec.label), program, spec.channel))
        return cls(new_uid(), name, tuple(tracks), tempo, codec.streams[0], source)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], codec: MultiStreamCodec,
                  mapping: StreamMapping | None = None) -> tuple[Section, SectionFile]:
        """"Open as a section": the file's tracks mapped to streams (guessed unless ``mapping``); the
        :class:`SectionFile` keeps the tracks and the mapping for :meth:`remap`."""
        read = read_section(path, codec, mapping)
        return cls.from_streams(codec, read.section, Path(path).stem, source=str(path)), read

    def remap(self, codec: MultiStreamCodec, file: SectionFile, mapping: StreamMapping) -> Section:
        """The same file read with an edited mapping (the section keeps its id, name and programs)."""
        streams = codec.streams_from_tracks(file.clips, mapping)
        fresh = Section.from_streams(codec, streams, self.name, self.tempo, self.source)
        return replace(self, tracks=tuple(replace(t, program=o.program, channel=o.channel)
                                          for t, o in zip(fresh.tracks, self.tracks, strict=True)))

    # --- reading ----------------------------------------------------------------------------------
    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(t.stream for t in self.tracks)

    def track(self, stream: str) -> SectionTrack:
        for t in self.tracks:
            if t.stream == stream:
                return t
        raise KeyError(f"no stream '{stream}' in section '{self.name}' (streams: {', '.join(self.streams)})")

    @property
    def n_bars(self) -> int:
        return max((t.clip.n_bars for t in self.tracks if t.clip.notes), default=0)

    def clips(self) -> dict[str, Clip | None]:
        """{stream: playable clip, or None when the stream is empty} (what the engine reads; never the
        drum part)."""
        return {t.stream: t.playable if t.clip.notes else None for t in self.tracks}

    def play_clips(self) -> list[Clip]:
        """Every part as it sounds: the streams (their programs and channels), then the drums."""
        parts = [t.playable for t in self.tracks]
        return parts + ([self.drums] if self.drums is not None else [])

    def export(self, path: str | os.PathLike[str], codec: MultiStreamCodec) -> Path:
        """A MIDI file with one track per stream (its program and channel), the drums (channel 10) last."""
        if self.drums is None:
            return write_section(path, codec, {t.stream: t.playable for t in self.tracks})
        tracks = [*section_tracks(codec, {t.stream: t.playable for t in self.tracks}),
                  self.drums.copy(name="Drums", is_drum=True, channel=DRUM_CHANNEL)]
        return write_midi(path, tracks)

    # --- edits ------------------------------------------------------------------------------------
    def with_clip(self, stream: str, clip: Clip) -> Section:
        t = self.track(stream)
        fitted = _fit(clip, self.tempo, self.tracks[0].clip.ppq, t.clip.name)
        return self._with(replace(t, clip=fitted))

    def with_program(self, stream: str, program: int) -> Section:
        return self._with(replace(self.track(stream), program=program))

    def with_channel(self, stream: str, channel: int) -> Section:
        return self._with(replace(self.track(stream), channel=channel))

    def select(self, stream: str) -> Section:
        self.track(stream)
        return replace(self, selected=stream)

    def _with(self, track: SectionTrack) -> Section:
        return replace(self, tracks=tuple(track if t.stream == track.stream else t for t in self.tracks))

    def with_streams(self, streams: Mapping[str, Clip], name: str | None = None) -> Section:
        """New clips for the given streams (decoded ones), the section's programs, channels and tempo kept."""
        out = self
        for s, clip in streams.items():
            out = out.with_clip(s, clip)
        return replace(out, uid=new_uid(), name=name or self.name)


def _fit(clip: Clip, tempo: float, ppq: int, name: str) -> Clip:
    """The clip on the section's shared tempo and ppq (a clip of another ppq is rescaled)."""
    if clip.ppq != ppq:
        f = ppq / clip.ppq
        notes = tuple(Note(round(n.start * f), n.pitch, max(round(n.start * f) + 1, round(n.end * f)), n.velocity)
                      for n in clip.notes)
        clip = clip.copy(notes=notes, ppq=ppq, length=round(clip.length * f), time_signature_changes=())
    return clip.copy(tempo=tempo, tempo_changes=(), name=clip.name or name)


class SectionTools:
    """The latent verbs on sections, through the engine (model/sections.py)."""

    def __init__(self, engine: Engine) -> None:
        from latentcomposer.model.sections import SectionEngine

        self.sections = SectionEngine(engine)
        self.codec = self.sections.codec

    def encode(self, section: Section, seed: int | None = 0) -> EncodeResult:
        return self.sections.encode(section.clips(), seed)

    def decode(self, z: np.ndarray, like: Section, temperature: float = 0.0, seed: int | None = 0,
               name: str | None = None) -> Section:
        """A section decoded from z in the shape of ``like`` (its tempo, programs, channels, length)."""
        n_steps = max(16, like.n_bars * 16)
        template = like.tracks[0].clip.copy(notes=())
        return like.with_streams(self.sections.decode(z, temperature, seed, template, n_steps), name)

    def sample(self, n: int, temperature: float = 1.0, seed: int | None = 0, tempo: float = 120.0) -> list[Section]:
        res = self.sections.sample(n, temperature, seed, tempo)
        return [Section.from_streams(self.codec, dict(s), f"sample {i + 1}", tempo, "sampled")
                for i, s in enumerate(res.sections)]

    def interpolate(self, a: Section, b: Section, steps: int = 5, temperature: float = 0.0,
                    seed: int | None = 0) -> list[Section]:
        res = self.sections.interpolate(a.clips(), b.clips(), steps, temperature=temperature, seed=seed)
        return [a.with_streams(s, f"{a.name} → {b.name} {i + 1}/{steps}") for i, s in enumerate(res.sections)]

    def regenerate(self, section: Section, keep: Sequence[str], temperature: float = 0.0, seed: int | None = 0,
                   iterations: int | None = None) -> Section:
        """The kept streams as they are, the others regenerated (model/sections.py's ``regenerate``;
        ``iterations`` None: its measured default, ``KEEP_ITERATIONS``)."""
        more = {} if iterations is None else {"iterations": iterations}
        res = self.sections.regenerate(section.clips(), keep, temperature, seed, **more)
        new = {s: c for s, c in res.sections[0].items() if s not in keep}
        return section.with_streams(new, f"{section.name} (kept {', '.join(keep)})")
