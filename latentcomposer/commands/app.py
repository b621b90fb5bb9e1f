"""``gui``, ``run`` and ``demo``: start the desktop app, or the headless demo without a display."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from latentcomposer.commands import UserError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("gui", help="start the desktop app (the default)")
    p.add_argument("file", nargs="?", help="a MIDI file or .lcproj project to open")
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("run", help="the desktop app if there is a display, else the headless demo")
    p.add_argument("--out", default="out/demo", help="folder for the demo's files (default: out/demo)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="headless demo: writes example MIDI files and says what it did")
    p.add_argument("--out", default="out/demo", help="folder for the demo's files (default: out/demo)")
    p.set_defaults(func=cmd_demo)


def have_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def display_problem() -> str | None:
    """Why a window cannot open here (None if it can). ``QT_QPA_PLATFORM`` (e.g. offscreen) counts as a display."""
    if os.environ.get("QT_QPA_PLATFORM") or have_display():
        return None
    return ("no display found (DISPLAY/WAYLAND_DISPLAY unset); run `latentcomposer demo` for the headless "
            "demo, or set QT_QPA_PLATFORM=offscreen")


def _gui_main() -> object | None:
    try:
        from latentcomposer.ui import main_window  # noqa: F401
    except ImportError as exc:
        if (exc.name or "").startswith("latentcomposer.ui"):
            return None
        raise UserError(f"the desktop window cannot start: {exc}") from None
    return main_window


def cmd_gui(args: argparse.Namespace) -> int:
    problem = display_problem()
    if problem:
        raise UserError(problem)
    mod = _gui_main()
    if mod is None:
        raise UserError("the desktop window is not built yet in this version; try `latentcomposer demo`")
    return int(mod.run(getattr(args, "file", None)))  # type: ignore[attr-defined]


def cmd_run(args: argparse.Namespace) -> int:
    if not have_display():
        print("No display found (DISPLAY/WAYLAND_DISPLAY unset): running the headless demo instead.")
        return cmd_demo(args)
    if _gui_main() is None:
        print("The desktop window is not built yet in this version: running the headless demo instead.")
        return cmd_demo(args)
    return cmd_gui(argparse.Namespace(file=None))


def cmd_demo(args: argparse.Namespace) -> int:
    from latentcomposer.app.demo import run_demo

    out = Path(args.out)
    for line in run_demo(out):
        print(line)
    return 0
