"""Slider move -> piano-roll paint latency, and UI event-loop stalls, with the real latent tools.

Builds the piano roll, the latent tools and the slider panel (offscreen unless a display is asked for),
loads a model, encodes a clip of the model's length and drives N slider moves (default 1,000) at a
mouse-like rate (one every ``--interval-ms``, from a timer on the event loop, as a drag would). For each
move it records when the roll's preview layer first painted a result of that move or a later one
(coalescing drops the in-between ones by design), and a 1 ms heartbeat timer records every gap in the
event loop. Targets (issue 8): 50 ms for a 2-bar model, 100 ms for a 16-bar model, on a 2-core CPU.

    python benchmarks/gui_slider.py [--models mel_2bar mel_16bar] [--moves 1000] [--interval-ms 8]

Uses the installed models when present, else random models of the same configs (speed does not
depend on the weights' values).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def model_folder(name: str) -> Path:
    """The installed model, or a random one of the same config in a temporary folder."""
    from latentcomposer.model.checkpoint import CheckpointError, build_model, resolve_model_dir, save_model
    from latentcomposer.model.config import get_config

    try:
        return resolve_model_dir(name)
    except CheckpointError:
        cfg = get_config(name).model
        folder = Path(tempfile.mkdtemp()) / name
        save_model(build_model(cfg).eval(), cfg, folder)
        print(f"  ({name} is not installed: a random model of its config)")
        return folder


def run(name: str, moves: int, interval_ms: float) -> dict[str, float]:
    from latentcomposer.app.model_service import ModelInfo
    from latentcomposer.app.session import Session
    from latentcomposer.core.examples import example_clip
    from latentcomposer.model.engine import Engine
    from latentcomposer.ui.latent_panel import LatentPanel
    from latentcomposer.ui.latent_tools import LatentTools
    from latentcomposer.ui.piano_roll import PianoRoll

    app = QApplication.instance() or QApplication([])
    folder = model_folder(name)
    engine = Engine.load(folder, device="cpu")
    bars = engine.cfg.n_bars
    tune = example_clip("twinkle").concatenate(example_clip("mary"))  # 16 bars
    clip = tune.slice_bars(0, bars).copy(name=f"{bars} bars")

    class Models:  # the engine is loaded above (not part of what is measured)
        on_status = None
        ready, state, message, model_name = True, "ready", f"{name} ready", name

        def __init__(self) -> None:
            self.engine = engine

        def installed(self) -> list[ModelInfo]:
            return [ModelInfo(name, folder, True)]

    session = Session([clip])
    window = QWidget()
    lay = QHBoxLayout(window)
    roll = PianoRoll(session, window)
    tools = LatentTools(session, Models(), roll=roll, parent=window)
    panel = LatentPanel(tools, window)
    lay.addWidget(roll, 3)
    lay.addWidget(panel, 1)
    window.resize(1280, 720)
    window.show()
    deadline = time.monotonic() + 60
    while tools.ctl.code is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.002)
    if tools.ctl.code is None:
        raise SystemExit(f"{name}: the clip was not encoded")
    roll.zoom_fit()
    key = next(k for k in ("density", "dim1", "z1") if k in panel.rows)
    slider = panel.rows[key].slider

    paints: list[tuple[float, int]] = []
    tools.overlay.painted.connect(lambda stamp: paints.append((time.perf_counter(), stamp)))
    beats: list[float] = []
    heart = QTimer()
    heart.setTimerType(Qt.TimerType.PreciseTimer)
    heart.setInterval(1)
    heart.timeout.connect(lambda: beats.append(time.perf_counter()))
    sent: list[tuple[float, int]] = []
    lo, hi = slider.minimum(), slider.maximum()
    positions = [round(lo + (hi - lo) * abs(k % 100 - 50) / 50) for k in range(moves)]  # drags to and fro

    def move() -> None:
        if len(sent) >= moves:
            driver.stop()
            return
        slider.setValue(positions[len(sent)])
        sent.append((time.perf_counter(), tools.request_gen))

    driver = QTimer()
    driver.setTimerType(Qt.TimerType.PreciseTimer)
    driver.setInterval(max(1, round(interval_ms)))
    driver.timeout.connect(move)
    before = tools.worker.queue.executed
    heart.start()
    driver.start()
    end = time.monotonic() + moves * interval_ms / 1000 * 4 + 30
    while (len(sent) < moves or not tools.worker.queue.idle or tools.worker.is_busy()) and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.0005)
    settle = time.perf_counter() + 0.3
    while time.perf_counter() < settle:
        app.processEvents()
        time.sleep(0.0005)
    heart.stop()
    latencies = []
    k = 0
    for t_move, gen in sent:
        while k < len(paints) and (paints[k][0] < t_move or paints[k][1] < gen):
            k += 1
        if k < len(paints):
            latencies.append((paints[k][0] - t_move) * 1000)
    gaps = [(b - a) * 1000 for a, b in zip(beats, beats[1:], strict=False)]
    decodes = tools.worker.queue.executed - before
    tools.shutdown()
    window.close()
    return {"moves": len(sent), "decodes": decodes, "reflected": len(latencies),
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
            "max": max(latencies), "stall_max": max(gaps), "stalls_16": sum(g > 16 for g in gaps),
            "stalls_50": sum(g > 50 for g in gaps), "gap_p99": percentile(gaps, 99)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["mel_2bar", "mel_16bar"])
    ap.add_argument("--moves", type=int, default=1000)
    ap.add_argument("--interval-ms", type=float, default=8.0, help="time between slider moves (a mouse: 8-16)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: leave torch's default)")
    args = ap.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    print(f"CPU cores: {os.cpu_count()}, load average: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for name in args.models:
        r = run(name, args.moves, args.interval_ms)
        print(f"{name}: {r['moves']} moves -> {r['decodes']} decodes; move-to-paint ms "
              f"p50 {r['p50']:.1f}  p95 {r['p95']:.1f}  p99 {r['p99']:.1f}  max {r['max']:.1f} "
              f"({r['reflected']} moves measured)")
        print(f"{'':{len(name)}}  event loop: longest gap {r['stall_max']:.1f} ms, gaps > 16 ms: {r['stalls_16']}, "
              f"> 50 ms: {r['stalls_50']} (gap p99 {r['gap_p99']:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
