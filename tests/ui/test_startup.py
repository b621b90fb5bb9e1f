"""Start-up: no torch, works with no audio/MIDI/GPU; the ``gui`` command; screenshots for the docs.

Start-up *time* is measured by ``benchmarks/gui_startup.py``, not asserted here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from latentcomposer.core.examples import example_clip, example_drums

from .conftest import make_window

REPO = Path(__file__).resolve().parents[2]


def run_python(code: str, tmp_path: Path, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "LATENTCOMPOSER_DATA_DIR": str(tmp_path / "data"),
           "LATENTCOMPOSER_CONFIG_DIR": str(tmp_path / "config"),
           "LATENTCOMPOSER_MODELS_DIR": str(tmp_path / "models")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=REPO)


def test_window_starts_without_torch(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from latentcomposer.ui.main_window import MainWindow\n"
        "w = MainWindow()\n"
        "w.show(); app.processEvents()\n"
        "w.start_background(); app.processEvents()\n"
        "print('torch' in sys.modules, w.model_label.text())\n"
        "w.shutdown()\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    torch_loaded, label = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert torch_loaded == "False" and label.startswith("Model: no model installed")


def test_the_default_model_encodes_and_decodes_without_torch(tmp_path: Path) -> None:
    """Issue 30: the model loads (before the window is built), encodes the clip and decodes a slider
    move (the quick greedy decode and the final search decode) with torch never imported: the
    torch-free runtime (model/numpy_runtime.py) serves it."""
    from tests.helpers_models import make_tiny_model

    make_tiny_model(tmp_path / "models" / "tiny_2bar")
    code = (
        "import sys, time\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from latentcomposer.app.session import Session\n"
        "from latentcomposer.core.examples import example_clip\n"
        "from latentcomposer.ui.main_window import MainWindow, early_models\n"
        "from latentcomposer.ui.preferences import Preferences\n"
        "prefs = Preferences()\n"
        "w = MainWindow(session=Session([example_clip('twinkle')]), models=early_models(prefs), prefs=prefs)\n"
        "w.show(); app.processEvents()\n"
        "def wait(pred):\n"
        "    end = time.monotonic() + 120\n"
        "    while time.monotonic() < end and not pred():\n"
        "        app.processEvents(); time.sleep(0.005)\n"
        "    assert pred()\n"
        "wait(lambda: w.models.state == 'ready')\n"
        "ready = 'torch' in sys.modules\n"
        "ctl = w.latent_tools.ctl\n"
        "wait(lambda: ctl.code is not None and bool(w.latent_panel.rows))\n"
        "next(iter(w.latent_panel.rows.values())).slider.setValue(150)\n"
        "wait(lambda: ctl.preview is not None and not w.latent_tools.worker.is_busy())\n"
        "print('torch', ready, 'torch' in sys.modules, ctl.decoding, w.models.model_name)\n"
        "w.shutdown()\n"
    )
    result = run_python(code, tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "torch False False search tiny_2bar"


def test_gui_command_opens_a_file_and_quits(tmp_path: Path) -> None:
    from latentcomposer.io.midifile import write_midi

    midi = write_midi(tmp_path / "tune.mid", [example_clip("mary")])
    code = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from latentcomposer.cli import main\n"
        "import time\n"
        "start = time.monotonic()\n"
        "def done():\n"
        "    w = next((x for x in app.topLevelWidgets() if x.objectName() == 'mainWindow'), None)\n"
        "    if (w is None or not w.session.current_clip.notes) and time.monotonic() - start < 60:\n"
        "        QTimer.singleShot(100, done)  # a busy machine: the window is not up yet\n"
        "        return\n"
        "    print('clip:', w.session.current_clip.name, len(w.session.current_clip.notes))\n"
        "    w.close()\n"
        "QTimer.singleShot(1500, done)\n"
        f"sys.exit(main(['gui', {str(midi)!r}]))\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "clip: Mary 26" in result.stdout


def test_gui_command_without_display_says_so(monkeypatch: Any, capsys: Any) -> None:
    from latentcomposer import cli

    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert cli.main(["gui"]) == 2
    err = capsys.readouterr().err
    assert "no display" in err and "latentcomposer demo" in err


def test_screenshots(qtbot: Any, tmp_path: Path) -> None:
    """Screenshots of the window with a loaded clip. They go to docs/screenshots/ when
    LATENTCOMPOSER_SCREENSHOTS=1 (to refresh the docs), else to a temporary folder."""
    out = REPO / "docs" / "screenshots" if os.environ.get("LATENTCOMPOSER_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    w = make_window(qtbot)
    s = w.session
    s.replace_clip(example_clip("ode_to_joy").copy(name="Ode to Joy"), "load")
    s.add_clip(example_clip("twinkle"), origin="imported", source="twinkle.mid")
    s.add_clip(example_clip("mary").copy(name="Mary (generated)"), origin="generated")
    s.set_current(s.items[0].uid)
    s.set_slot("a", s.items[0].uid)
    s.set_slot("b", s.items[1].uid)
    notes = s.current_clip.notes
    s.set_velocity(notes[:8], lambda n: 40 + 10 * notes.index(n))
    s.select(s.current_clip.notes[8:12])
    w.playback_ui.set_loop_region(0, 4 * 1920)
    w.roll.zoom_fit()
    w.roll.set_playhead(1920 + 960)
    w.playback_ui._on_position(1920 + 960)
    w.show_message("Opened 3 clips from songs.mid")
    w.default_dock_sizes()
    QApplication.processEvents()
    w.roll.zoom_fit()
    QApplication.processEvents()
    for name, widget in (("main_window.png", w), ("piano_roll.png", w.roll)):
        path = out / name
        assert widget.grab().save(str(path))
        assert path.stat().st_size > 10_000
    # the drum lane view, with the fill of the example beat selected
    s.add_clip(example_drums())
    s.select([n for n in s.current_clip.notes if n.start >= 3 * 1920 + 960][:4])
    w.playback_ui.set_loop_region(0, 2 * 1920)
    QApplication.processEvents()
    w.roll.zoom_fit()
    w.roll.set_playhead(1920 + 480)
    QApplication.processEvents()
    assert w.roll.drum_mode
    path = out / "drum_lanes.png"
    assert w.roll.grab().save(str(path)) and path.stat().st_size > 10_000
    w.shutdown()
