"""Data files for a non-editable install (the rest of the metadata is in pyproject.toml).

A wheel carries, under ``<prefix>/share`` (``.data/data`` inside the wheel):

* ``share/latentcomposer/models/<name>/...``: every complete model folder of ``models/`` (found by
  ``latentcomposer.paths.models_dir``),
* ``share/latentcomposer/resources/...``: the icon and the other files of ``resources/``,
* ``share/applications/latentcomposer.desktop`` and ``share/icons/hicolor/<size>/apps/latentcomposer.*``:
  where Linux desktops look (so ``pip install --user`` puts the app in the menu).

The list is computed here so that a new model folder ships without editing any list; packaging/README.md
says why the models are in the main wheel rather than a companion distribution.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
SKIP_SUFFIXES = (".tmp", ".pt")


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and not p.name.endswith(SKIP_SUFFIXES))


def data_files() -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    models = ROOT / "models"
    if models.is_dir():
        for m in sorted(p for p in models.iterdir() if p.is_dir() and not p.name.startswith(".")):
            # a model, or a model's companion (Drumify's tap encoder beside drums_2bar)
            if (m / "config.json").is_file() and ((m / "model.safetensors").is_file()
                                                  or (m / "tap_encoder.safetensors").is_file()):
                out.append((f"share/latentcomposer/models/{m.name}", _files(m)))
    if (ROOT / "resources").is_dir():
        out.append(("share/latentcomposer/resources", _files(ROOT / "resources")))
    linux = ROOT / "packaging" / "linux"
    if (linux / "latentcomposer.desktop").is_file():
        out.append(("share/applications", ["packaging/linux/latentcomposer.desktop"]))
    icons = linux / "icons" / "hicolor"
    if icons.is_dir():
        for size in sorted(p for p in icons.iterdir() if p.is_dir()):
            out.append((f"share/icons/hicolor/{size.name}/apps", _files(size / "apps")))
    return out


# an editable install (`make setup`) reads models/ and resources/ from the checkout: copying ~110 MB of
# models into the venv would only leave a stale second copy
setup(data_files=[] if "editable_wheel" in sys.argv else data_files())
