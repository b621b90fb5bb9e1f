"""What the screenshot scripts share: user folders in a temporary place (so a run never touches the
user's settings), the offscreen platform, and waiting on the event loop for a condition.

    from shot_rig import isolate_user_dirs, waiter   (scripts/ is the script's own folder)
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def isolate_user_dirs() -> Path:
    """Data and config folders under a fresh temporary folder (returned); QT_QPA_PLATFORM offscreen
    unless set. Call before importing the app."""
    tmp = Path(tempfile.mkdtemp(prefix="lc-shots-"))
    for var, sub in (("LATENTCOMPOSER_DATA_DIR", "data"), ("LATENTCOMPOSER_CONFIG_DIR", "config")):
        (tmp / sub).mkdir()
        os.environ[var] = str(tmp / sub)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return tmp


def waiter(app: Any, default_timeout: float) -> Callable[..., None]:
    """``wait(what, ok, timeout=default_timeout)``: process events until ``ok()`` (then a little more,
    so the result is painted); exits with a message after ``timeout`` seconds."""

    def wait(what: str, ok: Callable[[], bool], timeout: float = default_timeout) -> None:
        end = time.monotonic() + timeout
        while not ok():
            if time.monotonic() > end:
                raise SystemExit(f"timed out waiting for {what}")
            app.processEvents()
            time.sleep(0.02)
        for _ in range(20):
            app.processEvents()
            time.sleep(0.01)

    return wait


def start_app(timeout: float, out: str | os.PathLike[str]) -> tuple[Any, Callable[..., None], Path]:
    """(the QApplication, a :func:`waiter` on it, the output folder, made). Call after
    :func:`isolate_user_dirs`."""
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    return app, waiter(app, timeout), folder


def shown_window(session: Any = None, size: tuple[int, int] = (1500, 940)) -> Any:
    """The app's main window as a user sees it, with the repository's models, an in-memory output and no
    background start-up work; shown at ``size``."""
    from latentcomposer.app.model_service import ModelService
    from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
    from latentcomposer.ui.main_window import MainWindow

    repo = Path(__file__).resolve().parents[1]
    w = MainWindow(session, playback=PlaybackService(InMemoryBackend()), models=ModelService(root=repo / "models"),
                   background=False)
    w.resize(*size)
    w.show()
    return w
