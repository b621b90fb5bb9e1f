"""A bad autosave never stops the app from starting (issue 31): the window comes up, recovery is
offered only for what can be read, and the rest is moved aside."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import dialogs, make_window  # noqa: F401  (autouse fixture: no real dialogs)
from tests.user_dirs import user_dirs  # noqa: F401  (autouse fixture)

from .test_project_hostile import bad_autosaves


def test_app_starts_with_bad_autosaves(qtbot: object, user_dirs: dict[str, Path],  # noqa: F811
                                       dialogs: object) -> None:  # noqa: F811
    """What ``latentcomposer gui`` does before its event loop: build the window, offer recovery."""
    folder = user_dirs["data"] / "autosave"
    folder.mkdir(parents=True)
    made = bad_autosaves(folder)
    w = make_window(qtbot)
    assert w.files.offer_recovery() is False  # nothing to offer, no question, no exception
    assert not any(p.exists() for p in made)
    assert len(list((folder / "damaged").iterdir())) == len(made)
    w.shutdown()
