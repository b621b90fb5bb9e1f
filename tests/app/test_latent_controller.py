"""The latent controller's rules without Qt (an InlineHost runs its jobs at once): what a model load
stores (and that it is not an edit), what session events re-encode, when it switches model, and the
typed panel state in project files old and new."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latentcomposer.app.latent import InlineHost, LatentController
from latentcomposer.app.model_service import ModelService
from latentcomposer.app.project import load_project, save_project
from latentcomposer.app.session import Session
from latentcomposer.app.state import LatentState, PanelState
from latentcomposer.core.examples import example_clip, example_drums


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.helpers_models import make_tiny_models

    return make_tiny_models(tmp_path_factory.mktemp("models"), ("tiny_2bar", "tiny_drums"))


def loaded(session: Session, root: Path, name: str = "tiny_2bar") -> tuple[LatentController, InlineHost]:
    """A controller whose model service loaded ``name`` (the status call the GUI marshals is made here)."""
    models = ModelService(root=root)
    host = InlineHost()
    ctl = LatentController(session, models, host)
    host.controller = ctl
    assert ctl.start_model(name, "cpu")
    models.wait(60)
    ctl.on_model_status(models.state, models.message)
    assert ctl.info is not None and ctl.info.name == name, models.message
    return ctl, host


def test_a_model_load_stores_its_state_without_making_the_session_modified(tiny_root: Path) -> None:
    session = Session([example_clip("twinkle"), example_clip("mary")])
    session.mark_saved(Path("/nonexistent/saved.lcproj"))
    ctl, _host = loaded(session, tiny_root)
    assert ctl.code is not None and ctl.code.origin == "encoded"
    latent = session.latent
    assert latent.model == "tiny_2bar" and latent.panel is not None and latent.panel.device == "cpu"
    assert not session.modified  # loading a model and encoding the clip are not edits
    ctl.set_slider("density", 1.0)
    assert ctl.shown is not None and ctl.shown.label == "Latent preview"
    assert session.modified and latent.sliders["density"] == 1.0  # a slider move is one


def test_session_events_re_encode_and_a_drum_clip_switches_model(tiny_root: Path) -> None:
    session = Session([example_clip("twinkle"), example_clip("mary"), example_drums(2)])
    ctl, host = loaded(session, tiny_root)
    first = ctl.code
    ctl.set_slider("density", 1.5)
    session.set_current(session.items[1].uid)  # another clip: the preview goes, the new clip is encoded
    assert ctl.shown is None and ctl.sliders["density"] == 0.0
    assert ctl.code is not None and ctl.code is not first and ctl.code.uid == session.current_uid
    ctl.set_slider("density", 1.0)
    session.replace_clip(session.current_clip.transpose(2), "Transpose")  # an edit by hand: start again
    assert ctl.sliders["density"] == 0.0 and ctl.code is not None
    assert ctl.code.clip == session.current_clip
    session.set_current(session.items[2].uid)  # drums: a drum model is installed, so it is loaded
    assert any("switching to tiny_drums" in m for m in host.messages)
    assert ctl.models is not None
    ctl.models.wait(60)
    ctl.on_model_status(ctl.models.state, ctl.models.message)
    assert ctl.info is not None and ctl.info.kind == "drums" and ctl.code is not None


def test_the_panel_state_round_trips_and_old_projects_are_read(tmp_path: Path) -> None:
    panel = PanelState(source="abc", shape=(2, 8), origin="sampled", n_steps=64, seed=3, temperature=0.4,
                       lock="rhythm", device="cpu", map_offset=(0.5, -1.0))
    state = LatentState(model="tiny_2bar", codes={"abc": [0.0] * 16}, panel=panel, extra={"map_view": [0, 0, 1]})
    assert LatentState.from_dict(state.to_dict()) == state
    old = state.to_dict()
    old["extra"] = {"map_view": [0, 0, 1], "panel": old.pop("panel")}  # how projects kept it before
    assert LatentState.from_dict(old) == state
    odd = PanelState.from_dict({"seed": "x", "temperature": float("nan"), "shape": [2], "map_offset": [1, "a"]})
    assert odd == PanelState()  # values it does not understand fall back to the defaults
    session = Session([example_clip("twinkle")])
    session.update_latent(model="tiny_2bar", panel=panel)
    path = save_project(tmp_path / "p.lcproj", session)
    assert load_project(path).latent.panel == panel


def test_restore_takes_a_saved_code_back(tiny_root: Path) -> None:
    session = Session([example_clip("twinkle")])
    ctl, _host = loaded(session, tiny_root)
    ctl.sample()
    ctl.set_temperature(0.3)
    ctl.store()
    assert ctl.code is not None and ctl.code.origin == "sampled"
    base = ctl.code.base.copy()
    other = Session()
    other.reset(list(session.items), session.current_uid, session.latent)
    ctl2, _ = loaded(other, tiny_root)
    assert ctl2.code is not None and ctl2.code.origin == "restored"  # the saved base, with the new posterior
    assert np.allclose(ctl2.code.base, base) and ctl2.temperature == 0.3 and ctl2.shown is not None


@pytest.fixture(scope="module")
def piano_root(tiny_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny_2bar, tiny_drums and a tiny piano model."""
    from tests.app.piano_models import make_tiny_piano

    root = tmp_path_factory.mktemp("piano-models")
    for folder in tiny_root.iterdir():
        (root / folder.name).symlink_to(folder)
    make_tiny_piano(root / "tiny_poly_2bar")
    return root


def settle(ctl: LatentController) -> None:
    """Wait for the model service's load and hand its status to the controller (as the GUI does)."""
    assert ctl.models is not None
    ctl.models.wait(60)
    ctl.on_model_status(ctl.models.state, ctl.models.message)


def test_a_chord_clip_goes_to_a_piano_model_and_a_melody_back_to_a_melody_model(piano_root: Path) -> None:
    from tests.app.piano_models import chord_clip

    session = Session([chord_clip(4), example_clip("twinkle"), example_drums(2)])
    models = ModelService(root=piano_root)
    host = InlineHost()
    ctl = LatentController(session, models, host)
    host.controller = ctl
    assert ctl.start_model("tiny_2bar", "cpu")  # a melody model could read the chords' top voice...
    settle(ctl)
    assert any("polyphonic (chords): switching to tiny_poly_2bar (Piano · 2 bars)" in m for m in host.messages)
    settle(ctl)  # ...but the piano model holds them whole
    assert ctl.info is not None and ctl.info.name == "tiny_poly_2bar" and ctl.info.kind == "piano"
    assert ctl.code is not None and ctl.code.uid == session.items[0].uid
    assert not any("highest voice" in m for m in host.messages)
    session.set_current(session.items[1].uid)  # a melody: the piano model holds it only reduced
    assert any("'Twinkle' is a melody: switching to tiny_2bar" in m for m in host.messages), host.messages
    settle(ctl)
    assert ctl.info is not None and ctl.info.name == "tiny_2bar" and ctl.code is not None
    session.set_current(session.items[2].uid)
    settle(ctl)
    assert ctl.info is not None and ctl.info.kind == "drums"
    session.set_current(session.items[0].uid)  # drums cannot read chords; melody and piano can: piano wins
    settle(ctl)
    assert ctl.info is not None and ctl.info.name == "tiny_poly_2bar"
    n = len(host.messages)
    ctl.load_model("tiny_2bar", "cpu")  # the user's pick stays, even for chords (their top voice)
    settle(ctl)
    assert ctl.info is not None and ctl.info.name == "tiny_2bar" and ctl.code is not None
    assert not any("switching" in m for m in host.messages[n:])
    assert any("highest voice" in m for m in host.messages[n:])
