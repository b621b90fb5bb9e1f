"""Which models are installed, their model cards, and loading one lazily in a background thread.

Nothing here imports torch: scanning ``models/`` only looks at files. :meth:`ModelService.start`
loads a model on a daemon thread, so the window and the editor work at once; on the CPU the default
model loads without torch at all (model/numpy_runtime.py), other models import it there. The loader defaults to
``latentcomposer.model.engine.Engine.load(folder)``; tests inject their own.

States: ``"none"`` (no model installed), ``"idle"``, ``"loading"``, ``"ready"``, ``"error"``;
``on_status(state, message)`` is called on whichever thread changes it (the GUI marshals it).

Devices: ``"auto"`` (a CUDA GPU if torch sees one, else the CPU), ``"cpu"`` or ``"cuda"``. When
``"cuda"`` is asked for and torch sees no CUDA GPU, the default loader loads on the CPU instead of
failing (``Engine.load`` itself refuses a missing GPU), and the "ready" message says so
(:data:`CUDA_FALLBACK`); :attr:`ModelService.device` keeps the choice.
"""

from __future__ import annotations

import functools
import importlib
import logging
import platform
import shutil
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latentcomposer.model.drumify_config import is_companion
from latentcomposer.paths import user_models_dir

from .paths import models_dir

if TYPE_CHECKING:
    from latentcomposer.model.engine import Engine

log = logging.getLogger(__name__)

CARD_FILE = "MODEL_CARD.md"
DEFAULT_MODEL = "mel_2bar"
Loader = Callable[[str, Path], "Engine"]


@dataclass(frozen=True)
class ModelInfo:
    name: str
    folder: Path
    complete: bool  # has config.json and model.safetensors
    # in a composer's words, from the model registry ("Piano · 8 bars"); the folder name if unreadable
    label: str = ""
    representation: str = ""  # the registry's representation name ("melody", "drums", "poly"); "" if unreadable

    @property
    def title(self) -> str:
        """What the model list shows: the label, else the folder name."""
        return self.label or self.name

    def card(self) -> str | None:
        """The model card's Markdown, or None when the folder has none (or it cannot be read)."""
        try:
            return (self.folder / CARD_FILE).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None


def scan_models(root: Path | None = None) -> list[ModelInfo]:
    """Every folder under ``root`` with weights or a model card, complete ones first."""
    root = models_dir() if root is None else Path(root)
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    out = []
    for folder in folders:
        complete = (folder / "config.json").is_file() and (folder / "model.safetensors").is_file()
        if not complete and is_companion(folder):
            continue  # a model's companion (Drumify's tap encoder), not a model to choose
        if complete or (folder / CARD_FILE).is_file():
            label, rep = _describe(folder) if complete else (folder.name, "")
            out.append(ModelInfo(folder.name, folder, complete, label, rep))
    return sorted(out, key=lambda m: (not m.complete, m.name))


def _describe(folder: Path) -> tuple[str, str]:
    """(label, representation) of a model folder as the model registry reads it (no torch); the
    folder name and "" when its config cannot be read."""
    from latentcomposer.model.registry import CheckpointError, read_entry

    try:
        entry = read_entry(folder)
    except (CheckpointError, TypeError, ValueError, KeyError, AttributeError):  # (odd types: issue 31)
        return folder.name, ""
    return entry.label, str(entry.cfg.representation)


def list_titles(models: list[ModelInfo]) -> dict[str, str]:
    """name -> what a model list shows: the registry's label ("Melody · 16 bars"), with the folder
    name added where two installed models share a label."""
    counts: dict[str, int] = {}
    for m in models:
        counts[m.title] = counts.get(m.title, 0) + 1
    return {m.name: m.title if counts[m.title] == 1 or m.title == m.name else f"{m.title} ({m.name})"
            for m in models}


def _default_loader(name: str, folder: Path, device: str = "auto") -> Engine:
    """``latentcomposer.model.engine.Engine.load(folder, device)`` — imported here, on the loader thread."""
    try:
        engine = importlib.import_module("latentcomposer.model.engine")
    except ImportError as exc:
        raise RuntimeError(f"the model engine is not available in this version ({exc})") from None
    cls: Any = getattr(engine, "Engine", None)
    if cls is None or not hasattr(cls, "load"):
        raise RuntimeError("latentcomposer.model.engine has no Engine.load()")
    loaded: Engine = cls.load(str(folder), device=device)
    return loaded


CUDA_FALLBACK = "CUDA is not available, running on the CPU"


def engine_device(engine: Any) -> str:
    """The engine's device as text ("cpu", "cuda") without importing torch (``Engine.device_name``;
    ``.device`` for engines that have no name for it)."""
    return str(getattr(engine, "device_name", None) or engine.device)


def cuda_available() -> bool:
    """Whether torch sees a CUDA GPU. Imports torch: call it on the loader thread only."""
    try:
        torch = importlib.import_module("torch")
        return bool(torch.cuda.is_available())
    except Exception:  # no torch, a broken driver: no CUDA
        return False


@functools.lru_cache(maxsize=1)
def gpu_summary() -> str:
    """A cheap guess at the accelerator, without importing torch (which decides for real later)."""
    if sys.platform == "darwin" and platform.machine() == "arm64":
        return "GPU: Apple silicon (MPS)"
    if Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi"):
        return "GPU: NVIDIA GPU found"
    return "GPU: none found — models run on the CPU"


class ModelService:
    """Knows the installed models and loads one in the background."""

    def __init__(self, root: Path | None = None, loader: Loader | None = None) -> None:
        self.root = models_dir() if root is None else Path(root)
        self.with_user_models = root is None  # the default roots: the user's own models are listed too
        self.loader = loader or _default_loader
        self.device = "auto"  # auto | cpu | cuda, for the default loader
        self._queued: ModelInfo | None = None  # asked for while another load was running
        self.on_status: Callable[[str, str], None] | None = None
        self.models: list[ModelInfo] = []
        self.engine: Engine | None = None
        self.model_name: str | None = None
        self.loading_name: str | None = None  # the model being loaded (or queued to be), else None
        self.state = "none"
        self.message = "no model installed"
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> list[ModelInfo]:
        self.models = scan_models(self.root)
        if self.with_user_models:  # the user's own (finetune / "Learn my style…"); a shipped name wins
            taken = {m.name for m in self.models}
            self.models += [m for m in scan_models(user_models_dir()) if m.name not in taken]
            self.models.sort(key=lambda m: (not m.complete, m.name))
        if self.state in ("none", "idle"):
            if self.installed():
                self._set("idle", f"{len(self.installed())} model(s) installed, not loaded")
            else:
                self._set("none", "no model installed")
        return self.models

    def installed(self) -> list[ModelInfo]:
        return [m for m in self.models if m.complete]

    def cards(self) -> list[tuple[str, str]]:
        """(model name, Markdown) for every model folder with a card."""
        return [(m.name, card) for m in self.models if (card := m.card()) is not None]

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def start(self, name: str | None = None, device: str | None = None) -> bool:
        """Load ``name`` (default: mel_2bar if installed, else the first) on a background thread, on
        ``device`` (auto/cpu/cuda; default: the last one asked for). Asked while another load runs, it
        loads after that one.

        Returns False (and stays in state ``"none"``) when no model is installed.
        """
        models = self.installed()
        if not models:
            self._set("none", "no model installed")
            return False
        if not name:  # the 2-bar melody model is the liveliest for sliders; else the first installed
            name = next((m.name for m in models if m.name == DEFAULT_MODEL and m.complete), models[0].name)
        info = next((m for m in models if m.name == name), None)
        if info is None:
            self._set("error", f"model {name!r} is not installed")
            return False
        with self._lock:
            same = (device is None or device == self.device) and self._queued is None
            if same and info.name == self.loading_name and self._thread is not None and self._thread.is_alive():
                return True  # already loading it (started early, before the window was built: issue 30)
            announce = same and self.loading_name is None and self.state == "ready" and self.model_name == info.name
            if not announce:
                if device is not None:
                    self.device = device
                self.loading_name = info.name
                if self._thread is not None and self._thread.is_alive():
                    self._queued = info
                    return True
                self._set("loading", f"loading {info.name}…")
                self._thread = threading.Thread(target=self._load, args=(info,), daemon=True,
                                                name="latentcomposer-model-loader")
                self._thread.start()
        if announce:  # loaded already (an early start): tell the listeners that came since
            self._set("ready", self.message)
        return True

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _load(self, info: ModelInfo) -> None:
        while True:
            self._load_one(info)
            with self._lock:
                queued, self._queued = self._queued, None
                if queued is None:
                    self.loading_name = None
                    return
                info = queued
                self.loading_name = info.name
                self._set("loading", f"loading {info.name}…")

    def _load_one(self, info: ModelInfo) -> None:
        fell_back = False
        try:
            if self.loader is _default_loader:
                wanted = self.device
                if wanted.startswith("cuda") and not cuda_available():
                    log.warning("%s: CUDA was chosen but is not available; loading on the CPU", info.name)
                    wanted, fell_back = "cpu", True
                engine = _default_loader(info.name, info.folder, wanted)
            else:
                engine = self.loader(info.name, info.folder)
            from .latent.units import prefetch  # (app.latent imports this module)

            prefetch(info.folder)  # a calibrated model's file hashes: here, not on the UI thread
        except Exception as exc:  # any failure becomes a status message, never a crash
            log.warning("could not load model %s: %s", info.name, exc)
            self.loading_name = self._queued.name if self._queued is not None else None
            self._set("error", f"{info.name}: {exc}")
            return
        self.engine, self.model_name = engine, info.name
        self.loading_name = self._queued.name if self._queued is not None else None
        self._set("ready", f"{info.name} ready ({engine_device(engine)})"
                  + (f" — {CUDA_FALLBACK}" if fell_back else ""))

    def _set(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        if self.on_status:
            try:
                self.on_status(state, message)
            except Exception:
                log.exception("model status callback failed")
