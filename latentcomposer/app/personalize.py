""""Learn my style…" without Qt: scan a folder (or the project's clips) for a model, then personalize
it on a background thread (model/finetune.py), reporting through one callback.

Events, ``on_event(kind, payload)``, called on the job's thread (the GUI marshals them):

* ``"scanned"``: a :class:`~latentcomposer.data.style_files.StyleScan` (what was found, file by file);
* ``"progress"``: a :class:`~latentcomposer.model.finetune.Progress` (phase, step, time left, the
  held-out validation curve);
* ``"done"``: a :class:`~latentcomposer.model.finetune.PersonalizeResult` (the new model's name, folder,
  before/after figures);
* ``"error"``: the message of a user-facing error (bad folder, taken name, disk full).

Torch is imported on the job's thread only, when training starts (the scan reads files and config.json).
:meth:`PersonalizeJob.cancel` stops training at the next step; the best weights so far are written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from latentcomposer.core import Clip
from latentcomposer.core.errors import UserFacingError
from latentcomposer.data.codecs import codec_for
from latentcomposer.data.style_files import StyleScan, scan_clips, scan_folder

log = logging.getLogger(__name__)
EventFn = Callable[[str, Any], None]


def model_window(folder: Path) -> tuple[str, int]:
    """(representation, window bars) of a model folder, read from its config.json (no torch)."""
    from latentcomposer.model.registry import read_entry

    entry = read_entry(folder)
    return entry.cfg.representation, entry.cfg.n_bars


def scan_for_model(folder: Path, source: Path | Sequence[Clip]) -> StyleScan:
    """What ``source`` (a folder of MIDI files, or clips) holds for the model in ``folder``."""
    representation, n_bars = model_window(folder)
    codec = codec_for(representation)
    if isinstance(source, Path):
        return scan_folder(source, codec, n_bars)
    return scan_clips(list(source), codec, n_bars)


class PersonalizeJob:
    """One scan-then-train job for one source model; at most one thread runs at a time."""

    def __init__(self, model_name: str, model_folder: Path, on_event: EventFn) -> None:
        self.model_name = model_name
        self.model_folder = model_folder
        self.on_event = on_event
        self.scan: StyleScan | None = None
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self, fn: Callable[[], None], name: str) -> None:
        if self._thread is not None:
            self._thread.join(2.0)  # a scan that has reported is ending: wait for it (a blink)
        if self.running:
            raise RuntimeError("a personalization job is already running")
        self._thread = threading.Thread(target=self._guard, args=(fn,), daemon=True, name=name)
        self._thread.start()

    def _guard(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except UserFacingError as exc:
            self.on_event("error", str(exc))
        except Exception as exc:  # a bug must not take the app down: report it as a message
            log.exception("personalization failed")
            self.on_event("error", f"the job failed: {type(exc).__name__}: {exc}")

    def start_scan(self, source: Path | Sequence[Clip]) -> None:
        """Scan ``source`` on the job's thread; ``"scanned"`` (or ``"error"``) follows."""
        def work() -> None:
            self.scan = scan_for_model(self.model_folder, source)
            self.on_event("scanned", self.scan)

        self._run(work, "latentcomposer-style-scan")

    def start(self, name: str, options: Any) -> None:
        """Personalize on the last scan into a new model ``name`` (``options``: FinetuneOptions)."""
        scan = self.scan
        if scan is None:
            raise RuntimeError("scan a folder first")
        self._cancel.clear()

        def work() -> None:
            from latentcomposer.model.finetune import personalize

            scan.check_usable(self.model_name)
            result = personalize(self.model_folder, scan, name, options,
                                 progress=lambda p: self.on_event("progress", p), cancel=self._cancel)
            self.on_event("done", result)

        self._run(work, "latentcomposer-personalize")

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
