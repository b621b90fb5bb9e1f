"""Groove: a drum clip played with a drummer's timing and dynamics (GrooVAE's "humanize").

The engine's :meth:`~latentcomposer.model.engine.Engine.humanize` (the CLI's ``humanize`` verb) keeps
the clip's hits and predicts their velocities and microtiming. Here it runs on the latent tools'
worker and the result is shown as a preview over the roll ("Groove — not applied yet"): Apply to
clip or Add as clip, as with every other preview. It needs a drum model; a drum clip loads one by
itself when it becomes the current clip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from latentcomposer.core import Clip

if TYPE_CHECKING:
    from latentcomposer.model.engine import Engine

    from .latent_tools import LatentTools

NOT_DRUMS = ("Groove works on drum clips: it gives the hits a drummer's timing and dynamics. "
             "For a melody, try Re-roll or Variations instead.")


def _humanize(engine: Engine, clip: Clip, seed: int) -> Clip:
    return engine.humanize(clip, seed=seed).clips[0]


def groove(tools: LatentTools, uid: str, seed: int = 0) -> bool:
    """Ask for clip ``uid``'s groove; False (with a message) when it cannot be done now."""
    session = tools.session
    if not session.has(uid):
        return False
    clip = session.item(uid).clip
    if not clip.notes:
        tools.say("Groove: the clip is empty — draw or open some drums first")
        return False
    if not clip.is_drum:
        tools.say(NOT_DRUMS)
        return False
    info = tools.info
    if info is None or info.kind != "drums":
        tools.say("Groove needs the drum model: it is loaded when a drum clip is shown; try again in a moment")
        if uid != session.current_uid:
            session.set_current(uid)
        return False

    def done(result: Clip) -> None:
        if session.has(uid) and session.item(uid).clip is clip:
            if uid != session.current_uid:
                session.set_current(uid)
            tools.ctl.show_preview(result.copy(name=f"{clip.name} (groove)".strip()), "Groove", uid=uid)
            tools.say("Groove ready: Apply to clip keeps it, Add as clip makes a new one")

    tools.say(f"Groove: working out the feel for '{clip.name}'…")
    return tools.ctl.run("groove", lambda engine: _humanize(engine, clip, seed), done,
                         lambda msg: tools.say(f"Groove could not be done: {msg}"))
