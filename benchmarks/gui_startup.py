"""Start-up time of the desktop app: process start to a shown, painted, usable main window.

Runs the app in a fresh process (offscreen unless a display is set), with empty temporary user
folders and no model, and prints the figure. The issue's target is <= 2 s; torch must not be imported
by then. With models installed in ``models/`` it also prints how long the background model load takes.
Usage: python benchmarks/gui_startup.py [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHILD = r"""
import sys, time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
app = QApplication([])
from latentcomposer.ui.main_window import MainWindow
w = MainWindow()
w.show()
app.processEvents()
w.roll.canvas.repaint()
print("READY", time.perf_counter() - t0, "torch" in sys.modules, flush=True)
if "--model" in sys.argv:
    while time.perf_counter() - t0 < 120 and w.models.state in ("idle", "loading"):
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()
    print("MODEL", time.perf_counter() - t0, w.models.state, w.model_label.text(), flush=True)
w.shutdown()
"""


def one_run(folder: Path) -> tuple[float, float, bool]:
    env = {**os.environ, "LATENTCOMPOSER_DATA_DIR": str(folder / "data"),
           "LATENTCOMPOSER_CONFIG_DIR": str(folder / "config"), "LATENTCOMPOSER_MODELS_DIR": str(folder / "models")}
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env, cwd=REPO)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("READY"):
            wall = time.perf_counter() - start
            _, inside, torch = line.split()
            proc.wait(timeout=60)
            return wall, float(inside), torch == "True"
    proc.wait(timeout=60)
    raise RuntimeError("the app did not start")


def model_run(folder: Path) -> str:
    """Time until the first installed model (repo ``models/``) is loaded in the background."""
    env = {**os.environ, "LATENTCOMPOSER_DATA_DIR": str(folder / "data"),
           "LATENTCOMPOSER_CONFIG_DIR": str(folder / "config")}
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = subprocess.run([sys.executable, "-c", CHILD, "--model"], capture_output=True, text=True, env=env,
                         cwd=REPO, timeout=180).stdout
    ready = next((line for line in out.splitlines() if line.startswith("READY")), "READY ? ?").split()
    model = next((line for line in out.splitlines() if line.startswith("MODEL")), "")
    if not model:
        return "model: no result"
    _, secs, state, label = model.split(" ", 3)
    return (f"with the installed models: window usable after {float(ready[1]):.2f} s, model {state} after "
            f"{float(secs):.2f} s in the background ({label})")


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        one_run(Path(tmp))  # warm the file cache
        results = [one_run(Path(tmp)) for _ in range(runs)]
    walls = [r[0] for r in results]
    insides = [r[1] for r in results]
    print(f"gui start-up, process start to usable window: median {statistics.median(walls):.2f} s "
          f"(min {min(walls):.2f}, max {max(walls):.2f}, {runs} runs); inside Python: "
          f"{statistics.median(insides):.2f} s; torch imported: {any(r[2] for r in results)}")
    if (REPO / "models").is_dir() and any((REPO / "models").glob("*/model.safetensors")):
        with tempfile.TemporaryDirectory() as tmp:
            print(model_run(Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
