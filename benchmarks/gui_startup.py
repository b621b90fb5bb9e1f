"""Start-up time of the desktop app: process start to a shown, painted, usable main window.

Runs the app in a fresh process (offscreen unless a display is set), with empty temporary user
folders and no model, and prints the figure. The issue's target is <= 2 s; torch must not be imported
by then. With models installed in ``models/`` it also prints, in one run, launch -> window, -> model
ready, -> clip encoded, -> first slider decode and -> final (search) decode, with the model started
after the window (the old start-up) and before it (``ui.main_window.early_models``, issue 30), each with
the torch-free runtime the engine now picks for the default model on the CPU (model/numpy_runtime.py)
and, for comparison, with the torch runtime forced (``Engine.load(runtime="torch")``, as before it).
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
app.setOrganizationName("latentcomposer")
app.setApplicationName("latentcomposer")
from latentcomposer.ui.main_window import MainWindow, early_models
from latentcomposer.ui.preferences import Preferences
kwargs = {}
if "--torch" in sys.argv:  # the torch runtime, as before the torch-free one (issue 30)
    from latentcomposer.model import engine as _engine
    _load = _engine.Engine.load
    _engine.Engine.load = lambda *a, **k: _load(*a, **{**k, "runtime": "torch"})
if "--clip" in sys.argv:  # a clip to encode, so that a slider move decodes
    from latentcomposer.app.session import Session
    from latentcomposer.core.examples import example_clip
    kwargs["session"] = Session([example_clip("twinkle")])
if "--early" in sys.argv:  # the app's start-up (ui.main_window.run): the model starts loading first
    prefs = Preferences()
    kwargs.update(models=early_models(prefs), prefs=prefs)
w = MainWindow(**kwargs)
w.show()
app.processEvents()
w.roll.canvas.repaint()
print("READY", time.perf_counter() - t0, "torch" in sys.modules, flush=True)
if "--model" in sys.argv:
    def wait(pred, limit=180):
        while time.perf_counter() - t0 < limit and not pred():
            app.processEvents()
            time.sleep(0.002)
        return time.perf_counter() - t0
    t_model = wait(lambda: w.models.state not in ("idle", "loading"))
    print("MODEL", t_model, w.models.state, w.model_label.text(), flush=True)
    if "--clip" in sys.argv and w.models.state == "ready":
        ctl = w.latent_tools.ctl
        t_code = wait(lambda: ctl.code is not None and bool(w.latent_panel.rows))
        row = next(iter(w.latent_panel.rows.values()))
        row.slider.setValue(150)
        t_first = wait(lambda: ctl.preview is not None)
        t_final = wait(lambda: ctl.preview is not None and not w.latent_tools.worker.is_busy())
        print("DECODE", t_code, t_first, t_final, ctl.decoding, "torch" in sys.modules, flush=True)
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


def model_run(folder: Path, early: bool, torch_runtime: bool = False) -> dict[str, float]:
    """Launch -> window, -> model ready, -> clip encoded, -> first slider decode shown (the quick greedy
    one with search decoding) and -> the final decode, in seconds, with the installed models."""
    env = {**os.environ, "LATENTCOMPOSER_DATA_DIR": str(folder / "data"),
           "LATENTCOMPOSER_CONFIG_DIR": str(folder / "config")}
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    args = [sys.executable, "-c", CHILD, "--model", "--clip"] + (["--early"] if early else []) \
        + (["--torch"] if torch_runtime else [])
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO)
    assert proc.stdout is not None
    got: dict[str, float] = {}
    for line in proc.stdout:
        parts = line.split()
        now = time.perf_counter() - start
        if parts and parts[0] == "READY":
            got["window"], got["inside"] = now, float(parts[1])
        elif parts and parts[0] == "MODEL":
            got["model"] = now if parts[2] == "ready" else float("nan")
        elif parts and parts[0] == "DECODE":
            inside = float(parts[2])  # the child's clock started at its first line; shift to launch
            offset = got["window"] - got["inside"]
            got["encoded"] = float(parts[1]) + offset
            got["first_decode"] = inside + offset
            got["final_decode"] = float(parts[3]) + offset
            got["torch"] = float(parts[5] == "True")
    proc.wait(timeout=60)
    return got


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
        print("\nwith the installed models (default model, a 'Twinkle' clip, one slider move), seconds "
              "after launch, median of the runs (baseline: the model starts loading after the window):")
        keys = ("window", "model", "encoded", "first_decode", "final_decode")
        print("| runtime, start | " + " | ".join(keys) + " | torch imported by the final decode |")
        print("|---|" + "---|" * (len(keys) + 1))
        for torch_runtime, early in ((True, True), (False, False), (False, True)):
            rows = []
            for _ in range(max(1, runs // 2)):
                with tempfile.TemporaryDirectory() as tmp:
                    rows.append(model_run(Path(tmp), early, torch_runtime))
            med = {k: statistics.median(r.get(k, float("nan")) for r in rows) for k in keys}
            label = ("torch" if torch_runtime else "torch-free") + ", " + \
                ("early (before the window)" if early else "after the window")
            torch_seen = "yes" if any(r.get("torch") for r in rows) else "no"
            print(f"| {label} | " + " | ".join(f"{med[k]:.2f}" for k in keys) + f" | {torch_seen} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
