"""File menu work: new, open MIDI (choosing tracks), open/save projects, exports, recovery.

Every failure (a damaged MIDI file or project, a disk that is full) becomes an error dialog through
:mod:`latentcomposer.ui.messages` and leaves the session exactly as it was. MIDI files are read off
the UI thread with a progress dialog and Cancel (:func:`read_midi_file`); what becomes of their tracks is decided in
:mod:`latentcomposer.app.midi_import`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from latentcomposer.app import autosave, exporting, section_book
from latentcomposer.app.exporting import ExportCancelled, ExportError, safe_filename
from latentcomposer.app.harmony import export_clips, take_chord_track, warm_key
from latentcomposer.app.midi_import import MIDI_SUFFIXES, MidiTracks, read_tracks
from latentcomposer.app.project import SUFFIX, ProjectError, apply_to_session, load_project, save_project
from latentcomposer.app.session import Session
from latentcomposer.app.state import ClipItem, new_uid
from latentcomposer.io.midifile import MidiFileError, MidiFileTooLong, ReadCancelled

from . import dialogs, messages
from .background import Cancelled, Progress, off_ui_thread, progress_dialog

if TYPE_CHECKING:
    from .main_window import MainWindow

def is_pristine(session: Session) -> bool:
    """A fresh session: one empty clip (or the untouched welcome example), never saved, nothing to undo."""
    return (session.path is None and not session.modified and len(session.items) == 1
            and (not session.current_clip.notes or session.items[0].origin == "example"))


def read_midi_file(parent: QWidget, path: Path, first_bars: int | None = None) -> MidiTracks | None:
    """A MIDI file's tracks, read and parsed on a worker thread; None (after an error dialog) when it
    cannot be read, or when the user cancelled (a status message says so). ``first_bars``: only the
    first N bars (a file longer than the app reads: the error dialog offers its first bars).

    Issue 27, defect 4: a 200k-note file takes seconds. After
    :data:`~latentcomposer.ui.background.BUSY_AFTER_MS` a window-modal progress dialog ("readProgress")
    shows how far the parser got, with **Cancel**: the window returns at once and the worker stops at
    its next progress report (:func:`~latentcomposer.ui.background.off_ui_thread`). The event loop keeps
    turning meanwhile (painting, timers, playback). The detected key of each track is worked out on the
    worker too (the key button asks for it as soon as the clip is shown)."""
    progress = Progress("Open MIDI file", "readProgress")

    def report(fraction: float) -> None:
        if progress.cancelled:
            raise ReadCancelled(str(path))
        progress.report(fraction)

    def work() -> MidiTracks:
        tracks = read_tracks(path, report) if first_bars is None else read_tracks(path, report, first_bars)
        for clip in tracks.clips:  # the key button's detection, here rather than on the UI thread
            if progress.cancelled:
                raise ReadCancelled(str(path))
            warm_key(clip)
        return tracks

    try:
        return off_ui_thread(parent, f"Reading {path.name}…", work, progress)
    except (Cancelled, ReadCancelled):
        say = getattr(parent, "show_message", None)
        if callable(say):
            say(f"Opening {path.name} cancelled")
        return None
    except MidiFileTooLong as exc:  # offer the beginning (the reader cuts the notes held past it)
        offer = f"Open the first {exc.max_bars:,} bars"
        if first_bars is None and messages.choose(parent, "MIDI file too long", str(exc),
                                                  [offer, "Cancel"]) == offer:
            return read_midi_file(parent, path, exc.max_bars)
        return None
    except MidiFileError as exc:
        messages.error(parent, "Cannot open MIDI file", str(exc))
        return None


class WavJob(QObject):
    progress = Signal(float)
    done = Signal(object, str)  # path or None, error message ("" if none, "cancelled")


class FileController(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.wav_job: WavJob | None = None
        self.wav_dialog: QProgressDialog | None = None
        self._cancel = threading.Event()
        self.opened_midi: Path | None = None  # the MIDI file a fresh session was opened from (Save As's name)

    @property
    def session(self) -> Session:
        return self.window.session

    def _error(self, title: str, exc: Exception | str) -> None:
        messages.error(self.window, title, str(exc))

    # --- unsaved changes ---------------------------------------------------------------------
    def maybe_save_changes(self) -> bool:
        """True when it is fine to throw the session away (saved, discarded, or nothing to save)."""
        if not self.session.modified:
            return True
        answer = messages.ask_save_changes(self.window, f"“{self.session.title}”")
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new(self) -> None:
        if self.maybe_save_changes():
            self.session.reset()
            self.opened_midi = None
            self.window.autosaver.remove()
            self.window.show_message("New session")

    # --- opening -----------------------------------------------------------------------------
    def open_path(self, path: str | Path) -> bool:
        p = Path(path)
        if p.suffix.lower() == SUFFIX:
            return self.open_project(p)
        return self.open_midi(p)

    def open_midi(self, path: str | Path | None = None) -> bool:
        """Read a MIDI file; with several tracks ask which. The clips join the session (undoable), or
        replace it when it is the untouched empty one of a fresh start."""
        path = self._ask_open(path, "Open MIDI file", messages.MIDI_FILTER)
        if path is None:
            return False
        tracks = read_midi_file(self.window, path)
        if tracks is None:
            return False
        tracks, chords = take_chord_track(tracks)  # a chord track becomes the clips' chord lane
        rows, merge = None, False
        if tracks.several:
            answer = dialogs.pick_tracks(self.window, list(tracks.clips), tracks.name)
            if isinstance(answer, str):  # dialogs.AS_SECTION: "Open as a Section…" (issue 24)
                return self.window.sections.open_section(path)
            if answer is None or not answer[0]:
                return False
            rows, merge = answer
        imported = tracks.choose(rows, merge)
        if is_pristine(self.session):
            self.session.reset([ClipItem(new_uid(), c, "imported", imported.source, None if c.is_drum else chords)
                                for c in imported.clips])
            self.opened_midi = path
        else:
            self.session.add_clips(imported.clips, origin="imported", source=imported.source, label=imported.label,
                                   chords=chords)
        self._remember(path)
        n = len(imported.clips)
        cut = (f" — only its first {tracks.first_bars:,} bars: the file is longer than latentcomposer reads"
               if tracks.first_bars else "")
        self.window.show_message(f"Opened {n} clip{'s' if n != 1 else ''} from {path.name}{cut}", 12000)
        self.window.roll.zoom_fit()
        return True

    def open_project(self, path: str | Path | None = None) -> bool:
        path = self._ask_open(path, "Open project", messages.PROJECT_FILTER)
        if path is None:
            return False
        try:
            data = load_project(path)
        except ProjectError as exc:
            self._error("Cannot open project", exc)
            return False
        if not self.maybe_save_changes():
            return False
        self.window.autosaver.remove()
        apply_to_session(self.session, data, path)
        self.opened_midi = None
        self.window.project_loaded()
        self._remember(path)
        self.window.show_message(f"Opened project {path.name}")
        return True

    def _ask_open(self, path: str | Path | None, title: str, file_filter: str) -> Path | None:
        """``path``, or the one the user picks in an open dialog (None if cancelled)."""
        if path is None:
            path = messages.open_path(self.window, title, file_filter, self._folder())
        return None if path is None else Path(path)

    def _remember(self, path: Path) -> None:
        """Put ``path`` first in File > Open Recent."""
        self.window.prefs.add_recent(path)
        self.window.refresh_recent()

    def _folder(self) -> str:
        recent = self.window.prefs.recent_files()
        return str(Path(recent[0]).parent) if recent else ""

    # --- saving ------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.session.path is None:
            return self.save_as()
        return self._save_to(self.session.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if path is None:
            # a session opened from tune.mid proposes tune.lcproj beside it, not "Untitled" (issue 27)
            stem = self.opened_midi.stem if self.session.path is None and self.opened_midi else self.session.title
            folder = str(self.opened_midi.parent) if self.session.path is None and self.opened_midi else self._folder()
            suggested = str(Path(folder or ".") / f"{safe_filename(stem, 'project')}{SUFFIX}")
            path = messages.save_path(self.window, "Save project", messages.PROJECT_FILTER, suggested)
            if path is None:
                return False
        path = Path(path)
        if path.suffix.lower() != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        try:
            save_project(path, self.session)
        except ProjectError as exc:
            self._error("Cannot save project", exc)
            return False
        self.session.mark_saved(path)
        self.window.autosaver.remove()
        self._remember(path)
        self.window.show_message(f"Saved {path.name}")
        return True

    # --- exports -----------------------------------------------------------------------------
    def midi_save_path(self, title: str, name: str, path: str | Path | None = None) -> Path | None:
        """Where a MIDI export goes: ``path``, else asked (``name``.mid in the last folder suggested);
        ".mid" added when the name has no MIDI suffix. None when the user cancelled."""
        if path is None:
            suggested = str(Path(self._folder() or ".") / f"{safe_filename(name)}.mid")
            path = messages.save_path(self.window, title, messages.MIDI_FILTER, suggested)
            if path is None:
                return None
        p = Path(path)
        return p if p.suffix.lower() in MIDI_SUFFIXES else p.with_name(p.name + ".mid")

    def export_midi(self, all_clips: bool = False, path: str | Path | None = None) -> bool:
        items = list(self.session.items) if all_clips else [self.session.current]
        clips = export_clips(items)  # each clip with its chord lane as a chord track ("Chords")
        name = self.session.title if all_clips else self.session.current_clip.name
        path = self.midi_save_path("Export MIDI", name, path)
        if path is None:
            return False
        try:
            exporting.export_midi(path, clips)
        except MidiFileError as exc:
            self._error("Cannot export MIDI", exc)
            return False
        chords = " with chord tracks" if len(clips) > len(items) else ""
        self.window.show_message(f"Exported {len(items)} clip{'s' if len(items) != 1 else ''}{chords} to {path.name}")
        return True

    def export_wav(self, path: str | Path | None = None) -> bool:
        """Render the current clip (a section: all its parts) to WAV on a worker thread with a cancellable
        progress dialog."""
        if self.wav_job is not None:
            self.window.show_message("A WAV export is already running")
            return False
        if path is None:
            suggested = str(Path(self._folder() or ".") / f"{safe_filename(self.session.current_clip.name)}.wav")
            path = messages.save_path(self.window, "Export WAV", messages.WAV_FILTER, suggested)
            if path is None:
                return False
        path = Path(path)
        if path.suffix.lower() != ".wav":
            path = path.with_name(path.name + ".wav")
        clips = section_book.play_clips(self.session)  # a section: every part, as playback plays them
        soundfont = self.session.playback.soundfont or self.window.prefs.get_str("playback/soundfont")
        dialog = progress_dialog(self.window, f"Rendering {path.name}…", "Export WAV", "wavProgress")
        job = WavJob(self)
        self.wav_job, self.wav_dialog = job, dialog
        self._cancel.clear()
        dialog.canceled.connect(self._cancel.set)
        job.progress.connect(lambda f: self._wav_progress(dialog, f))
        job.done.connect(self._wav_done)

        def work() -> None:
            try:
                out = exporting.render_wav(path, clips, soundfont=soundfont, progress=job.progress.emit,
                                           cancelled=self._cancel.is_set)
                job.done.emit(out, "")
            except ExportCancelled:
                job.done.emit(None, "cancelled")
            except ExportError as exc:
                job.done.emit(None, str(exc))
            except Exception as exc:  # never a traceback for the user
                job.done.emit(None, f"rendering failed ({type(exc).__name__}: {exc})")

        dialog.show()
        threading.Thread(target=work, name="latentcomposer-wav", daemon=True).start()
        return True

    def _wav_progress(self, dialog: QProgressDialog, fraction: float) -> None:
        if dialog.wasCanceled():
            self._cancel.set()
        else:
            dialog.setValue(int(fraction * 1000))

    def _wav_done(self, path: Path | None, problem: str) -> None:
        dialog, self.wav_dialog, self.wav_job = self.wav_dialog, None, None
        if dialog is not None:
            dialog.close()
            dialog.deleteLater()
        if problem == "cancelled":
            self.window.show_message("WAV export cancelled")
        elif problem:
            self._error("Cannot export WAV", problem)
        elif path is not None:
            self.window.show_message(f"Exported {path.name}")

    # --- recovery ----------------------------------------------------------------------------
    def offer_recovery(self) -> bool:
        """If an earlier run crashed, offer its autosave; True if one was recovered."""
        scanned = autosave.scan(self.window.autosaver.directory)
        for q in scanned.quarantined:
            where = f"moved to {q.moved_to}" if q.moved_to else "left where it was"
            self.window.show_message(f"A damaged autosave ({q.original.name}) could not be read: {q.problem}; "
                                     f"{where}")
        found = scanned.recoverable
        if not found:
            return False
        latest = found[0]
        more = f"\n\n({len(found) - 1} older autosave(s) also found.)" if len(found) > 1 else ""
        answer = messages.choose(
            self.window, "Recover unsaved work?",
            f"latentcomposer did not close properly last time.\n\nRecover {latest.description}?{more}",
            ["Recover", "Discard", "Not now"])
        if answer == "Discard":
            for r in found:
                autosave.discard(r)
            return False
        if answer != "Recover":
            return False
        original = Path(latest.original) if latest.original else None
        apply_to_session(self.session, latest.data, original, modified=True)
        self.window.project_loaded()
        autosave.discard(latest)
        self.window.autosaver.save()
        self.window.show_message(f"Recovered {latest.description}")
        return True
