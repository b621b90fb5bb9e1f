"""Render resources/latentcomposer.svg into the icon sizes desktops use (run once after the SVG changes;
the outputs are committed): packaging/linux/icons/hicolor/<N>x<N>/apps/latentcomposer.png for
16..512 plus scalable/apps/latentcomposer.svg, and packaging/windows/latentcomposer.ico.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "latentcomposer.svg"
HICOLOR = ROOT / "packaging" / "linux" / "icons" / "hicolor"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)  # freedesktop hicolor sizes (Windows .ico: up to 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return img


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 1
    for size in SIZES:
        out = HICOLOR / f"{size}x{size}" / "apps" / "latentcomposer.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not render(renderer, size).save(str(out), "PNG"):
            print(f"could not write {out}", file=sys.stderr)
            return 1
    scalable = HICOLOR / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SVG, scalable / "latentcomposer.svg")
    ico = ROOT / "packaging" / "windows" / "latentcomposer.ico"
    ok = render(renderer, 256).save(str(ico), "ICO")
    print(f"icons: {len(SIZES)} PNG sizes + scalable SVG in {HICOLOR}; {ico.name}: {'written' if ok else 'no ICO plugin'}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
