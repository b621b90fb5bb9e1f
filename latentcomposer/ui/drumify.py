"""Drumify: a drum part that follows a clip's rhythm, added as a new clip (Magenta Studio's Drumify).

Works on melody, piano and drum clips. The Drumify model (``models/drumify_2bar``: a tap encoder
paired with the drums_2bar model, :mod:`latentcomposer.model.drumify`) is loaded on the latent tools'
worker the first time it is asked for -- or the loaded drum engine is used when it is the pair -- and
the drum part is computed there too; the UI thread only adds the finished clip (one undo step).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from latentcomposer.core import Clip

if TYPE_CHECKING:
    from .latent_tools import LatentTools

NO_MODEL = ("Drumify needs its drum models, which are not installed here: models/drumify_2bar (the rhythm "
            "reader) and the drums_2bar model it pairs with. Reinstall latentcomposer, or set "
            "LATENTCOMPOSER_MODELS_DIR to a folder that has them.")
CHANNEL = "drumify"


def _folder(tools: LatentTools) -> Path | None:
    """The Drumify model folder the app's models root (or the user's) holds, with its pair beside it."""
    from latentcomposer.model.drumify_config import DEFAULT_NAME, is_drumify_folder, read_drumify_config
    from latentcomposer.model.registry import model_roots

    roots = [Path(tools.models.root)] + (model_roots() if getattr(tools.models, "with_user_models", False) else [])
    for root in roots:
        folder = root / DEFAULT_NAME
        if is_drumify_folder(folder):
            cfg, _ = read_drumify_config(folder)
            if (root / cfg.pairs_with / "model.safetensors").is_file():
                return folder
    return None


def _runner(tools: LatentTools, folder: Path) -> Any:
    """(On the worker.) The loaded Drumify, kept on the tools; the current engine when it is the pair."""
    from latentcomposer.model.drumify import Drumify
    from latentcomposer.model.drumify_config import read_drumify_config

    cached = getattr(tools, "_drumify", None)
    if cached is not None and cached.folder == folder:
        return cached
    cfg, _ = read_drumify_config(folder)
    engine = tools.engine
    real = getattr(engine, "engine", engine)  # tests wrap engines in a recorder
    pair = folder.parent / cfg.pairs_with
    if real is not None and getattr(real, "folder", None) == pair and real.codec.name == "drums":
        made = Drumify.load(folder, engine=real)
    else:
        made = Drumify.load(folder, device=getattr(tools.models, "device", "auto") or "auto")
    tools._drumify = made  # type: ignore[attr-defined]
    return made


def drumify(tools: LatentTools, uid: str, seed: int = 0, temperature: float = 0.0) -> bool:
    """Ask for a drum part following clip ``uid``; False (with a message) when it cannot be done now."""
    session = tools.session
    if not session.has(uid):
        return False
    clip: Clip = session.item(uid).clip
    if not clip.notes:
        tools.say("Drumify: the clip is empty — draw or open a melody, chords or drums first")
        return False
    folder = _folder(tools)
    if folder is None:
        tools.say(NO_MODEL)
        return False

    def job() -> Clip:
        out: Clip = _runner(tools, folder).drumify(clip, temperature=temperature, seed=seed).clips[0]
        return out

    def done(result: Clip) -> None:
        if not result.notes:
            tools.say(f"Drumify found no rhythm to follow in '{clip.name}'")
            return
        session.add_clip(result, origin="drumify", source=f"Drumify of '{clip.name}', seed {seed}",
                         label="Drumify")
        tools.say(f"Drumify: added '{result.name}' ({len(result.notes)} hits) — Undo removes it")

    tools.say(f"Drumify: writing drums for '{clip.name}'…")
    tools.worker.submit(CHANNEL, job, done, lambda msg: tools.say(f"Drumify could not be done: {msg}"))
    return True
