"""Screenshots of sections in the window (issue 24): the import dialog and the section view.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_sections.py [--file PATH] [--model NAME]

Opens a POP909 file as a section and saves ``section_import.png`` (the dialog mapping the file's
tracks to melody / bass / accompaniment, as guessed) and ``section_view.png`` (the main window: the
roll shows the three parts together, the melody editable, the section panel beside it). With
``--model`` (a trio model installed in ``models/``, e.g. trio_16bar) it also loads it, keeps the
melody and regenerates the rest, blends to a sampled section and saves ``section_blend.png``; then,
where the Drumify models are installed (``drumify_2bar`` and ``drums_2bar``), adds drums to the section,
encodes it, moves two section sliders and saves ``section_band.png`` (the drum part in its colour, the
sliders' preview over the roll, the panel's Drums and Section sliders boxes).
User settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shot_rig import isolate_user_dirs, waiter  # noqa: E402  (scripts/ is this script's folder)

DEFAULT_FILE = REPO.parent / "shared" / "data" / "pop909" / "003" / "003.mid"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", default=str(DEFAULT_FILE))
    ap.add_argument("--model", default="", help="a trio model in models/ (optional)")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    ap.add_argument("--bars", type=int, default=8, help="bars in view")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--tiny", action="store_true",
                    help="use a tiny random trio model (to check the layout; not for the docs)")
    args = ap.parse_args()
    tmp = isolate_user_dirs()
    if args.tiny:
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
        for name in ("drums_2bar", "drumify_2bar"):  # the shipped Drumify pair, for the drums
            if (REPO / "models" / name).is_dir():
                (tmp / "models" / name).symlink_to(REPO / "models" / name, target_is_directory=True)
        os.environ["LATENTCOMPOSER_MODELS_DIR"] = str(tmp / "models")
        args.model = cfg.name

    from PySide6.QtWidgets import QApplication

    from latentcomposer.app.model_service import ModelService
    from latentcomposer.app.playback_service import InMemoryBackend, PlaybackService
    from latentcomposer.ui import section_import
    from latentcomposer.ui.main_window import MainWindow
    from latentcomposer.ui.section_panel import SectionPanel

    app = QApplication.instance() or QApplication(sys.argv)
    wait = waiter(app, args.timeout)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    window = MainWindow(playback=PlaybackService(InMemoryBackend()), models=ModelService(), background=False)
    window.resize(1440, 860)
    window.show()
    wait("the window", lambda: window.isVisible())

    def ask(parent, clips, guess, name, codec):  # type: ignore[no-untyped-def]
        dlg = section_import.SectionImportDialog(clips, guess, name, codec, parent)
        dlg.show()
        wait("the dialog", lambda: dlg.isVisible())
        dlg.grab().save(str(out / "section_import.png"))
        mapping = dlg.mapping()
        dlg.close()
        return mapping

    section_import.ask_mapping = ask
    if not window.sections.open_section(args.file):
        raise SystemExit("could not open the file as a section")
    roll = window.roll
    view = roll.view
    clip = window.session.current_clip
    view.px_per_beat = max(8.0, view.viewport_w * 0.97 / (args.bars * 4))
    view.key_height = 9.0
    first = clip.notes[0].start if clip.notes else 0  # from the bar before the melody comes in
    start = max(0, (first // clip.bar_ticks - 1) * clip.bar_ticks)
    view.set_scroll(x=start * view.px_per_tick, y=(127.5 - 62) * view.key_height - view.viewport_h / 2)
    view.changed.emit()
    wait("the roll", lambda: True)
    panel = window.findChild(SectionPanel, "sectionPanel")
    assert panel is not None
    window.grab().save(str(out / "section_view.png"))
    print("saved", out / "section_import.png", out / "section_view.png", f"({clip.name})")

    if args.model:
        window.latent_tools.load_model(args.model, "cpu")
        wait("the model", lambda: window.sections.model_problem() is None)
        first = window.sections.current_ref()
        assert first is not None
        panel.keep(["melody"])
        window.sections.regenerate(["melody"])
        wait("regenerate", lambda: not window.sections.running)
        window.sections.sample(0.8)
        wait("sample", lambda: not window.sections.running)
        refs = window.sections.refs()
        window.sections.interpolate(first.uid, refs[-1].uid, 5)
        wait("blend", lambda: not window.sections.running and bool(panel.thumbs))
        window.sections.show_section(first.uid)
        wait("the section", lambda: True)
        window.grab().save(str(out / "section_blend.png"))
        print("saved", out / "section_blend.png")

        if window.sections.add_drums(("melody", "accompaniment"), seed=1):
            wait("drums", lambda: "section-drums" not in window.sections.running)
            window.sections.encode()
            wait("encode", lambda: not window.sections.running)
            sliders = panel.sliders
            wait("the sliders", lambda: bool(sliders.sliders) and all(x.isEnabled() for x in sliders.sliders.values()))
            bars = list(sliders.sliders.values())
            bars[0].setValue(15)
            bars[1].setValue(-10)
            wait("the preview", lambda: sliders.preview is not None
                 and not window.latent_tools.worker.is_busy("section-slide"))
            for key, dock in window.docks.items():  # the section panel gets the whole right side
                if key not in ("sectionPanel", "clipList") and window.dockWidgetArea(dock) == \
                        window.dockWidgetArea(window.docks["sectionPanel"]):
                    dock.hide()
            window.sections.reveal()
            window.resize(1440, 1000)
            wait("the panel", lambda: True)
            window.grab().save(str(out / "section_band.png"))
            panel.grab().save(str(out / "section_panel_band.png"))
            print("saved", out / "section_band.png", out / "section_panel_band.png")
        else:
            print("no Drumify models here: section_band.png not made")
    window.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
