"""Screenshots of sections in the window (issue 24): the import dialog, the section view and, with a
trio model, a composer's tour of the latent tools, timed.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_sections.py [--file PATH] [--model NAME]

Opens a POP909 song as a section (by default song 040, from the trio's *test* split, so no one takes it
for training material) and saves ``section_import.png`` (the dialog mapping the file's tracks to
melody / bass / accompaniment, as guessed) and ``section_view.png`` (the roll shows the three parts
together, the melody editable, the section panel beside it).

With ``--model`` (a trio model in ``models/``, e.g. trio_16bar) it goes on as a composer would, through
the panel's own buttons, timing each step (wall clock, printed at the end; under load these vary):
Encode; Sample a new section (``section_trio_sample.png``); back on the song, keep the melody and
Regenerate the bass and accompaniment (``section_trio_busy.png`` while the model writes,
``section_trio_regenerate.png`` after); Blend the song into the sample (``section_trio_blend.png``: the
thumbnails); where the Drumify models are installed (``drumify_2bar``, ``drums_2bar``) Add Drums; Encode
again and move two Section sliders (``section_trio_sliders.png``: the preview over the roll); export the
section as MIDI and read the file back (one track per part, its program and channel); Play (into an
in-memory port: which channels sound); Export WAV (FluidSynth, when its library and a SoundFont are
here: the file must not be silent). User settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shot_rig import isolate_user_dirs, waiter  # noqa: E402  (scripts/ is this script's folder)

DEFAULT_FILE = REPO.parent / "shared" / "data" / "pop909" / "040" / "040.mid"  # a test-split song


def tiny_model(tmp: Path) -> str:
    """A tiny random trio model (and the shipped Drumify pair) in a temporary models folder."""
    import os

    import torch

    from latentcomposer.model.checkpoint import build_model, save_model
    from latentcomposer.model.trio_config import get_trio_config

    cfg = get_trio_config("tiny_trio").model
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    with torch.no_grad():
        model.dec_acc.pitch_out.bias[128] += 2.0
    save_model(model, cfg, tmp / "models" / cfg.name)
    for name in ("drums_2bar", "drumify_2bar"):
        if (REPO / "models" / name).is_dir():
            (tmp / "models" / name).symlink_to(REPO / "models" / name, target_is_directory=True)
    os.environ["LATENTCOMPOSER_MODELS_DIR"] = str(tmp / "models")
    return str(cfg.name)


class Tour:
    """The window, its section panel, a waiter and the timings."""

    def __init__(self, window: Any, wait: Callable[..., None], out: Path, bars: int) -> None:
        from latentcomposer.ui.section_panel import SectionPanel

        self.window, self.wait, self.out, self.bars = window, wait, out, bars
        panel = window.findChild(SectionPanel, "sectionPanel")
        assert panel is not None
        self.panel = panel
        self.ctl = window.sections
        self.times: list[tuple[str, float]] = []

    def timed(self, what: str, start: Callable[[], object], done: Callable[[], bool]) -> float:
        t0 = time.monotonic()
        start()
        self.wait(what, done)
        dt = time.monotonic() - t0 - 0.2  # the waiter's painting pause
        self.times.append((what, dt))
        print(f"  {what}: {dt:.1f} s", flush=True)
        return dt

    def idle(self) -> bool:
        return not self.ctl.running

    def frame(self, bars: int | None = None) -> None:
        """The roll from the bar before the current clip's first note, ``bars`` wide."""
        view = self.window.roll.view
        clip = self.window.session.current_clip
        view.px_per_beat = max(8.0, view.viewport_w * 0.97 / ((bars or self.bars) * 4))
        view.key_height = 7.0
        first = clip.notes[0].start if clip.notes else 0
        start = max(0, (first // clip.bar_ticks - 1) * clip.bar_ticks)
        view.set_scroll(x=start * view.px_per_tick, y=(127.5 - 64) * view.key_height - view.viewport_h / 2)
        view.changed.emit()
        self.wait("the roll", lambda: True)

    def show_box(self, name: str) -> None:
        """Scroll the section panel so its group ``name`` is in view."""
        from PySide6.QtWidgets import QScrollArea, QWidget

        scroll = self.window.findChild(QScrollArea, "sectionScroll")
        box = self.panel.findChild(QWidget, name)
        if scroll is not None and box is not None:
            scroll.ensureWidgetVisible(box, 0, 8)
        self.wait("the panel", lambda: True)

    def shot(self, name: str, widget: Any = None) -> None:
        (widget or self.window).grab().save(str(self.out / name))
        print("saved", self.out / name, flush=True)


def open_song(tour: Tour, path: str) -> None:
    from latentcomposer.ui import section_import

    window, wait, out = tour.window, tour.wait, tour.out

    def ask(parent, clips, guess, name, codec):  # type: ignore[no-untyped-def]
        dlg = section_import.SectionImportDialog(clips, guess, name, codec, parent)
        dlg.show()
        wait("the dialog", lambda: dlg.isVisible())
        dlg.grab().save(str(out / "section_import.png"))
        mapping = dlg.mapping()
        dlg.close()
        return mapping

    section_import.ask_mapping = ask
    t0 = time.monotonic()
    if not window.sections.open_section(path):
        raise SystemExit("could not open the file as a section")
    tour.times.append(("open the song as a section (read + split the piano)", time.monotonic() - t0))
    tour.frame()
    tour.shot("section_view.png")


def model_tour(tour: Tour, model: str) -> None:
    panel, ctl, window, session = tour.panel, tour.ctl, tour.window, tour.window.session
    for key, dock in window.docks.items():  # the section panel gets the whole right side
        if key not in ("sectionPanel", "clipList") and window.dockWidgetArea(dock) == \
                window.dockWidgetArea(window.docks["sectionPanel"]):
            dock.hide()
    ctl.reveal()
    tour.timed("load the model", lambda: window.latent_tools.load_model(model, "cpu"),
               lambda: ctl.model_problem() is None)
    tour.wait("the clip's own encode", lambda: not window.latent_tools.worker.is_busy())
    song = ctl.current_ref()
    assert song is not None

    tour.timed("Encode the song", panel.encode_btn.click, tour.idle)
    assert song.uid in ctl.codes
    panel.temperature.setValue(0.5)
    tour.timed("Sample a new section (temperature 0.5)", panel.sample_btn.click, tour.idle)
    sampled = ctl.refs()[-1]
    tour.frame(16)
    tour.shot("section_trio_sample.png")

    ctl.show_section(song.uid)
    panel.rows["melody"].button.click()
    panel.keep(["melody"])
    before = {s: session.item(uid).clip.notes for s, uid in song.tracks}
    t0 = time.monotonic()
    panel.regen_btn.click()
    tour.wait("the busy state", lambda: True, 5)
    tour.shot("section_trio_busy.png", panel)
    tour.wait("regenerate", tour.idle)
    tour.times.append(("Regenerate keeping the melody", time.monotonic() - t0 - 0.4))
    print(f"  regenerate: {tour.times[-1][1]:.1f} s")
    after = {s: session.item(uid).clip.notes for s, uid in song.tracks}
    assert after["melody"] == before["melody"] and after["bass"] != before["bass"]
    tour.frame()
    tour.shot("section_trio_regenerate.png")

    panel.blend_a.setCurrentIndex(panel.blend_a.findData(song.uid))
    panel.blend_b.setCurrentIndex(panel.blend_b.findData(sampled.uid))
    panel.steps.setValue(5)
    tour.timed("Blend the song into the sample (5 steps)", panel.blend_btn.click,
               lambda: tour.idle() and len(panel.thumbs) == 5)
    tour.show_box("sectionBlendBox")
    tour.shot("section_trio_blend.png")
    tour.shot("section_trio_blend_panel.png", panel)
    t0 = time.monotonic()
    panel.add_btn.click()
    tour.times.append(("Add the chosen step as a section", time.monotonic() - t0))
    ctl.show_section(song.uid)

    has_drums = False
    from latentcomposer.paths import models_dir

    if all((models_dir() / n).is_dir() for n in ("drumify_2bar", "drums_2bar")):
        tour.timed("Add Drums (Drumify; its models load the first time)", panel.drums_btn.click,
                   lambda: "section-drums" not in ctl.running)
        section = ctl.current()
        has_drums = section is not None and section.drums is not None
        print("  drums added:", has_drums, window.statusBar().currentMessage())

    tour.timed("Encode again (for the sliders)", panel.encode_btn.click, tour.idle)
    sliders = panel.sliders
    tour.wait("the sliders", lambda: bool(sliders.sliders) and all(x.isEnabled() for x in sliders.sliders.values()))
    bars = list(sliders.sliders.values())
    worker = window.latent_tools.worker

    def moved(slider: Any, value: int) -> Callable[[], None]:
        return lambda: slider.setValue(value)

    tour.timed("Section slider 1 -> preview", moved(bars[0], 15),
               lambda: sliders.preview is not None and not worker.is_busy("section-slide"))
    tour.timed("Section slider 2 -> preview", moved(bars[1], -10),
               lambda: sliders.base is not None and not worker.is_busy("section-slide")
               and sliders.stamp and sliders.preview is not None)
    tour.frame()
    tour.show_box("sectionSliders")
    tour.shot("section_trio_sliders.png")
    tour.shot("section_trio_sliders_panel.png", panel)
    t0 = time.monotonic()
    assert sliders.apply()
    tour.times.append(("Apply the sliders", time.monotonic() - t0))

    export_and_play(tour)


def export_and_play(tour: Tour) -> None:
    import numpy as np

    from latentcomposer.data.section_midi import read_section
    from latentcomposer.io.midifile import read_midi

    ctl, window = tour.ctl, tour.window
    section = ctl.current()
    assert section is not None
    path = Path(tempfile_dir()) / "section.mid"
    t0 = time.monotonic()
    out = ctl.export(path)
    tour.times.append(("Export Section as MIDI", time.monotonic() - t0))
    assert out is not None
    import mido

    parts = []  # (track name, program, channel, notes) of every track of the file, read with mido
    for track in mido.MidiFile(str(out)).tracks:
        name = next((m.name for m in track if m.type == "track_name"), "")
        prog = next(((m.program, m.channel) for m in track if m.type == "program_change"), (0, -1))
        ons = sum(1 for m in track if m.type == "note_on" and m.velocity > 0)
        if name or ons:
            parts.append((name, prog[0], prog[1], ons))
    print("  exported tracks (name, program, channel, notes):", parts)
    want = [(t.program, t.channel, len(t.clip.notes)) for t in section.tracks]
    want += [(0, 9, len(section.drums.notes))] if section.drums is not None else []
    assert [p[1:] for p in parts if p[3] or p[0]] [-len(want):] == want, (parts, want)
    tracks = read_midi(out)
    assert sum(len(c.notes) for c in tracks) == sum(w[2] for w in want)
    again = read_section(out, ctl.codec)  # the app's "open as a section" reading, guessed mapping
    print("  reopened as a section:", {s: len(c.notes) if c else 0 for s, c in again.section.items()},
          "mapping", again.mapping.tracks)
    for t in section.tracks:
        read = again.section.get(t.stream)
        assert len(read.notes if read is not None else ()) == len(t.clip.notes), t.stream

    backend = window.playback_ui.service.backend
    window.playback_ui.toggle_play()
    tour.wait("playback", lambda: True, 5)
    time.sleep(1.5)
    tour.wait("playback", lambda: True, 5)
    window.playback_ui.stop()
    if hasattr(backend, "notes"):
        chans = sorted({ch for _t, kind, ch, _n in backend.notes() if kind == "on"})
        print("  Play: channels sounding in the first 1.5 s:", [c + 1 for c in chans])

    wav = Path(tempfile_dir()) / "section.wav"
    files = window.files
    start = time.monotonic()
    if files.export_wav(wav):
        tour.wait("the WAV", lambda: files.wav_job is None, 600)
        tour.times.append(("Export WAV (FluidSynth offline)", time.monotonic() - start))
        if wav.is_file():
            with wave.open(str(wav)) as w:
                frames = w.readframes(w.getnframes())
                rate, n, ch = w.getframerate(), w.getnframes(), w.getnchannels()
            samples = np.frombuffer(frames, np.int16).astype(np.float32) / 32768
            rms = float(np.sqrt(np.mean(samples ** 2))) if samples.size else 0.0
            print(f"  WAV: {n / rate:.1f} s, {ch} channels, rms {rms:.4f}, peak {float(np.abs(samples).max()):.3f}")
            assert rms > 1e-3, "the WAV is silent"
        else:
            print("  WAV not written:", window.statusBar().currentMessage())


_TMP: list[str] = []


def tempfile_dir() -> str:
    import tempfile

    if not _TMP:
        _TMP.append(tempfile.mkdtemp(prefix="lc-section-check-"))
    return _TMP[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", default=str(DEFAULT_FILE))
    ap.add_argument("--model", default="", help="a trio model in models/ (optional)")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    ap.add_argument("--bars", type=int, default=8, help="bars in view")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--tiny", action="store_true",
                    help="use a tiny random trio model (to check the layout; not for the docs)")
    args = ap.parse_args()
    tmp = isolate_user_dirs()
    if args.tiny:
        args.model = tiny_model(tmp)

    from PySide6.QtWidgets import QApplication

    from latentcomposer.app.model_service import ModelService
    from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
    from latentcomposer.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    wait = waiter(app, args.timeout)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    window = MainWindow(playback=PlaybackService(InMemoryBackend()), models=ModelService(), background=False)
    window.resize(1440, 900)
    window.show()
    wait("the window", lambda: window.isVisible())
    tour = Tour(window, wait, out, args.bars)
    open_song(tour, args.file)
    if args.model:
        model_tour(tour, args.model)
    print("\nWall-clock times (this machine, as loaded now):")
    for what, dt in tour.times:
        print(f"  {dt:7.2f} s  {what}")
    window.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
