"""Screenshot of the "Learn my style…" dialog (docs/screenshots/personalize_dialog.png), offscreen.

The dialog scans a real folder (the Bach soprano lines of benchmarks/finetune_speed.py) for mel_2bar and
shows the before/after figures and validation curve of a finished run, read from that benchmark's
``--json`` output (a real run; training it again here would take minutes):

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_personalize.py --json /tmp/mel_decoder.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", type=Path, required=True, help="benchmarks/finetune_speed.py --json output")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "personalize_dialog.png")
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from latentcomposer.app.model_service import ModelService
    from latentcomposer.model.finetune import PersonalizeResult
    from latentcomposer.paths import cache_dir
    from latentcomposer.ui.personalize_dialog import PersonalizeDialog, result_html

    app = QApplication.instance() or QApplication([])
    record = json.loads(args.json.read_text())
    info = record["info"]
    dlg = PersonalizeDialog(ModelService().installed(), record["model"])
    dlg.resize(680, 720)
    dlg.show()
    dlg.scan_folder(cache_dir() / "composers" / "bach_soprano")
    end = time.monotonic() + 60
    while time.monotonic() < end and dlg.found.topLevelItemCount() == 0:
        app.processEvents()
        time.sleep(0.02)
    dlg.name_edit.setText("bach_soprano")
    dlg.progress.setValue(1000)
    tr = info.get("training") or {}
    dlg.time_left.setText(f"done in {record['seconds'] / 60:.1f} min")
    dlg.curve.set_points([tuple(p) for p in tr.get("curve", [])])
    result = PersonalizeResult("bach_soprano", Path("."), info["level"], info, info.get("notes", []))
    dlg.result_label.setText(result_html(result))
    for _ in range(20):
        app.processEvents()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    dlg.grab().save(str(args.out))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
