"""``play``, ``render`` and ``soundfont``: hear a MIDI file, render it to WAV, choose the SoundFont."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from latentcomposer.commands import UserError
from latentcomposer.core import Clip
from latentcomposer.io.audio import AudioWriteError
from latentcomposer.io.midifile import MidiFileError, read_midi
from latentcomposer.io.playback import (
    DEFAULT_SAMPLE_RATE,
    FluidSynthBackend,
    MidiPortBackend,
    OutputBackend,
    PlaybackUnavailable,
    Sequencer,
    default_soundfont,
    list_output_ports,
    remember_soundfont,
    remembered_soundfont,
    render_frames,
    render_to_wav,
    settings_path,
)
from latentcomposer.io.progress import ProgressBar

PROGRESS_MIN_SECONDS = 30.0  # show a progress bar when the audio is at least this long


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("play", help="play a MIDI file through FluidSynth or a MIDI port")
    p.add_argument("file", nargs="?", help="a .mid file")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--port", metavar="NAME", help="a MIDI output port (a unique part of its name)")
    out.add_argument("--virtual", action="store_true",
                     help="open a virtual MIDI output named 'latentcomposer' (for a DAW to record)")
    out.add_argument("--fluidsynth", action="store_true", help="play through FluidSynth (the default)")
    p.add_argument("--list-ports", action="store_true", help="list the MIDI output ports and exit")
    p.add_argument("--soundfont", metavar="F", help="a .sf2 file for FluidSynth (default: the remembered one)")
    p.add_argument("--tempo", type=float, metavar="BPM", help="play at this tempo instead of the file's")
    p.add_argument("--loop", action="store_true", help="loop the whole file until Ctrl-C")
    p.set_defaults(func=cmd_play)

    p = sub.add_parser("render", help="render a MIDI file to a WAV file with FluidSynth")
    p.add_argument("file", help="a .mid file")
    p.add_argument("-o", "--output", metavar="OUT.wav", help="the WAV to write (default: FILE with .wav)")
    p.add_argument("--soundfont", metavar="F", help="a .sf2 file (default: the remembered one)")
    p.add_argument("--sample-rate", type=int, default=DEFAULT_SAMPLE_RATE, metavar="HZ",
                   help=f"samples per second (default {DEFAULT_SAMPLE_RATE})")
    p.add_argument("--tempo", type=float, metavar="BPM", help="render at this tempo instead of the file's")
    p.add_argument("--no-effects", action="store_true", help="no reverb or chorus")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("soundfont", help="show or choose the SoundFont used for playback and rendering")
    p.add_argument("path", nargs="?", help="a .sf2 file to remember as the default")
    p.add_argument("--forget", action="store_true", help="forget the chosen file (use the installed one)")
    p.set_defaults(func=cmd_soundfont)


def _read(path: str) -> list[Clip]:
    try:
        return read_midi(path)
    except MidiFileError as exc:
        raise UserError(str(exc)) from None


def _check_tempo(bpm: float | None) -> None:
    if bpm is not None and not 1.0 <= bpm <= 1000.0:
        raise UserError(f"tempo {bpm:g} bpm is outside 1-1000")


def cmd_render(args: argparse.Namespace) -> int:
    _check_tempo(args.tempo)
    if not 8000 <= args.sample_rate <= 96000:
        raise UserError(f"sample rate {args.sample_rate} Hz is not supported (use 8000-96000)")
    clips = _read(args.file)
    out = Path(args.output) if args.output else Path(args.file).with_suffix(".wav")
    if out.resolve() == Path(args.file).resolve():
        raise UserError(f"{out}: the output would overwrite the input")
    total = render_frames(clips, args.sample_rate, tempo=args.tempo)
    seconds = total / args.sample_rate
    bar = ProgressBar(f"render {Path(args.file).name}") if seconds >= PROGRESS_MIN_SECONDS else None
    t0 = time.perf_counter()
    try:
        render_to_wav(clips, out, args.soundfont, args.sample_rate,
                      progress=(lambda done, n: bar.update(done, n)) if bar else None,
                      effects=not args.no_effects, tempo=args.tempo)
    except PlaybackUnavailable as exc:
        raise UserError(f"cannot render: {exc}") from None
    except AudioWriteError as exc:
        raise UserError(str(exc)) from None
    elapsed = time.perf_counter() - t0
    print(f"wrote {out} ({seconds:.1f} s, {args.sample_rate} Hz stereo) in {elapsed:.1f} s "
          f"({seconds / max(elapsed, 1e-9):.0f}x real time)")
    return 0


def _list_ports() -> int:
    try:
        names = list_output_ports(strict=True)
    except PlaybackUnavailable as exc:
        raise UserError(str(exc)) from None
    if not names:
        print("no MIDI output ports (use --virtual, or play through FluidSynth)")
    for name in names:
        print(name)
    return 0


def _backend(args: argparse.Namespace) -> OutputBackend:
    if args.port:
        return MidiPortBackend(args.port)
    if args.virtual:
        return MidiPortBackend(virtual=True)
    return FluidSynthBackend(args.soundfont)


def cmd_play(args: argparse.Namespace) -> int:
    if args.list_ports:
        return _list_ports()
    if not args.file:
        raise UserError("give a MIDI file to play (or --list-ports)")
    _check_tempo(args.tempo)
    clips = _read(args.file)
    backend = _backend(args)
    done = threading.Event()
    errors: list[str] = []
    seq = Sequencer(backend, position_hz=10.0)
    seq.on_finished = done.set

    def on_error(message: str) -> None:
        errors.append(message)
        done.set()

    seq.on_error = on_error
    try:
        seq.set_clips(clips)
        if args.tempo:
            seq.set_tempo(args.tempo)
        if args.loop:
            first = clips[0]
            seq.set_loop(0, max(first.bar_ticks, first.n_bars * first.bar_ticks))
        try:
            seq.play()
        except PlaybackUnavailable as exc:
            raise UserError(f"cannot play: {exc}") from None
        total = seq.end_tick
        tty = sys.stderr.isatty()
        what = "looping (Ctrl-C to stop)" if args.loop else "playing"
        print(f"{what} {args.file} through {backend.name}", file=sys.stderr)
        while not done.wait(0.25):
            if tty:
                sys.stderr.write(f"\r  {_clock(seq.position_tick, seq)} / {_clock(total, seq)} ")
                sys.stderr.flush()
        if tty:
            sys.stderr.write("\n")
    finally:
        seq.close()
    if errors:
        raise UserError(errors[-1])
    return 0


def _clock(tick: int, seq: Sequencer) -> str:
    seconds = tick * 60.0 / (seq.tempo * seq.ppq)
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def cmd_soundfont(args: argparse.Namespace) -> int:
    try:
        if args.forget:
            remember_soundfont(None)
        elif args.path:
            FluidSynthBackend(args.path, audio=False).open()  # loads it: a damaged file fails here
            print(f"remembered {remember_soundfont(args.path)} (in {settings_path()})")
            return 0
    except PlaybackUnavailable as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot save the choice in {settings_path()} ({exc.strerror or exc})") from None
    chosen, current = remembered_soundfont(), default_soundfont()
    if current is None:
        print("no SoundFont: install one (e.g. `sudo apt-get install timgm6mb-soundfont`) or choose a .sf2 file")
        return 1
    print(f"{current} ({'chosen' if chosen else 'installed'})")
    return 0
