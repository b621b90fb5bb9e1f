"""The latent tools' Qt-free rules: coalescing, locks, model choice, controller state and its storage."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from latentcomposer.app.latent import (
    EngineInfo,
    LatentController,
    LatestOnlyQueue,
    decode_preview,
    encode_clip,
    join_clips,
    keep_pitches,
    keep_rhythm,
    map_plane,
    model_for_clip,
    model_representation,
)
from latentcomposer.app.model_service import ModelService
from latentcomposer.app.session import Session
from latentcomposer.core import Clip, StepNote
from latentcomposer.core.examples import example_clip, example_drums
from tests.app.piano_models import chord_clip


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.helpers_models import make_tiny_models

    return make_tiny_models(tmp_path_factory.mktemp("models"), ("tiny_2bar", "tiny_drums"))


@pytest.fixture(scope="module")
def engine(tiny_root: Path):  # noqa: ANN201
    from latentcomposer.model.engine import Engine

    return Engine.load(tiny_root / "tiny_2bar", device="cpu")


def test_latest_only_queue_coalesces_per_channel() -> None:
    q = LatestOnlyQueue()
    t1, start1, _ = q.submit("preview", lambda: 1)
    t2, start2, replaced = q.submit("preview", lambda: 2)
    t3, start3, _ = q.submit("bars", lambda: 3)
    assert start1 and not start2 and not start3  # one drain at a time
    assert replaced == t1 and q.coalesced == 1 and q.is_latest("preview", t2)
    assert [q.take()[1], q.take()[1]] == [t2, t3]  # oldest channel first, each its newest job
    assert q.take() is None and q.idle
    assert q.accept("preview", t2) and not q.accept("preview", t2)  # shown once
    assert not q.accept("preview", t1)  # older than what is shown: stale
    t4, start4, _ = q.submit("preview", lambda: 4)
    t5, _, _ = q.submit("preview", lambda: 5)
    assert start4 and q.take()[1] == t5
    assert q.cancel("preview") is None  # nothing pending any more
    assert not q.accept("preview", t5)  # asked for before the cancel: dropped
    t6, _, _ = q.submit("preview", lambda: 6)
    assert q.take()[1] == t6 and q.accept("preview", t6)


def test_latest_only_queue_is_thread_safe() -> None:
    q = LatestOnlyQueue()
    done: list[int] = []

    def producer() -> None:
        for k in range(500):
            _t, start, _r = q.submit(f"c{k % 3}", lambda: None)
            if start:
                while (item := q.take()) is not None:
                    done.append(item[1])

    threads = [threading.Thread(target=producer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    while (item := q.take()) is not None:
        done.append(item[1])
    assert q.submitted == 2000 and q.executed == len(done) == q.submitted - q.coalesced


def melody(*notes: tuple[int, int, int]) -> Clip:
    return Clip.from_steps([StepNote(p, s, e) for p, s, e in notes], n_steps=16, name="m")


def test_keep_rhythm_and_keep_pitches() -> None:
    ref = melody((60, 0, 4), (62, 4, 8), (64, 8, 16))
    dec = melody((70, 0, 2), (72, 2, 6), (74, 6, 12), (76, 12, 16))
    r = keep_rhythm(ref, dec)
    assert [(n.start, n.end) for n in r.notes] == [(n.start, n.end) for n in ref.notes]
    assert [n.pitch for n in r.notes] == [70, 72, 74]  # the decoded pitch sounding at each original onset
    p = keep_pitches(ref, dec)
    assert [(n.start, n.end) for n in p.notes] == [(n.start, n.end) for n in dec.notes]
    assert [n.pitch for n in p.notes] == [60, 62, 64, 60]  # the original sequence, cycled
    assert keep_rhythm(ref, dec.with_notes([])).notes == ()


def test_model_for_clip() -> None:
    """Switch only to a representation that holds the clip strictly better (Codec.fit); ties keep."""
    models = [("mel_2bar", "melody"), ("drums_2bar", "drums"), ("mel_16bar", "melody"), ("poly_2bar", "poly"),
              ("poly_8bar", "poly")]
    drums, tune, chords = example_drums(2), example_clip("mary"), chord_clip()
    assert model_for_clip(drums, "mel_2bar", "melody", models) == "drums_2bar"
    assert model_for_clip(tune, "drums_2bar", "drums", models) == "mel_2bar"
    assert model_for_clip(tune, "mel_16bar", "melody", models) is None
    assert model_for_clip(drums, "mel_2bar", "melody", models[:1]) is None  # nothing fits: keep it
    # chords: a melody model reads only their top voice (REDUCED), a piano model holds them (NATURAL)
    assert model_for_clip(chords, "mel_2bar", "melody", models) == "poly_2bar"
    assert model_for_clip(chords, "mel_16bar", "melody", models[:3]) is None  # no piano model: keep it
    assert model_for_clip(chords, "poly_8bar", "poly", models) is None  # a tie keeps the current one
    assert model_for_clip(chords, "drums_2bar", "drums", models) == "poly_2bar"
    assert model_for_clip(chords, "drums_2bar", "drums", models[:3]) == "mel_2bar"  # its top voice
    # a melody: a piano model holds it only REDUCED, so a melody model is chosen over it
    assert model_for_clip(tune, "poly_8bar", "poly", models) == "mel_2bar"
    assert model_for_clip(tune, "poly_8bar", "poly", models[1:2] + models[3:]) is None
    assert model_for_clip(drums, "poly_2bar", "poly", models) == "drums_2bar"
    assert model_for_clip(tune.with_notes([]), "drums_2bar", "drums", models) is None  # empty: keep it


def test_model_representation(tmp_path: Path) -> None:
    from latentcomposer.model.config import get_config
    from latentcomposer.model.poly_train import get_poly_config
    from latentcomposer.model.registry import config_doc

    for name, cfg in (("d", get_config("tiny_drums").model), ("p", get_poly_config("tiny_poly_2bar").model)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(json.dumps(config_doc(cfg)))
    assert model_representation(tmp_path / "d") == "drums"
    assert model_representation(tmp_path / "p") == "poly"
    assert model_representation(tmp_path / "missing") == "melody"
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text(json.dumps({"model": {"representation": "drums"}}))
    assert model_representation(tmp_path / "bad") == "melody"  # not a model config the registry reads


def test_engine_info_and_map_plane(engine) -> None:  # noqa: ANN001
    info = EngineInfo.of(engine)
    assert [s.key for s in info.specs][:7] == ["density", "range", "register", "interval", "syncopation", "rests",
                                               "in-key"]
    assert [s.label for s in info.specs][7:] == ["Dim 1", "Dim 2", "Dim 3", "Dim 4"]
    plane = info.plane
    assert plane.fitted and plane.reference.shape == (20, 2)
    z = np.zeros((1, info.z_dim), np.float32)
    moved = z + plane.vector(1.0, -2.0)
    assert np.allclose(plane.project(moved) - plane.project(z), [[1.0, -2.0]], atol=1e-5)
    flat = map_plane(None, 8)  # no principal directions shipped: z1, z2
    assert not flat.fitted and np.allclose(flat.project(np.arange(8.0))[0], [0.0, 1.0])


def test_controller_preview_store_and_restore(engine) -> None:  # noqa: ANN001
    session = Session([example_clip("twinkle"), example_clip("mary")])
    ctl = LatentController(session)
    ctl.set_engine(EngineInfo.of(engine))
    assert ctl.preview_request() is None
    out = encode_clip(engine, session.current_uid, session.current_clip)
    ctl.accept_encoding(out)
    ctl.sliders["density"] = 1.5
    ctl.temperature = 0.2
    result = decode_preview(engine, ctl.preview_request())
    assert ctl.accept_preview(result)
    assert np.allclose(result.z, engine.shift(out.mu, "density", 1.5))
    assert ctl.store() and not ctl.store()  # the second time nothing changed
    assert session.latent.model == "tiny_2bar" and session.latent.sliders["density"] == 1.5
    clip = ctl.apply()
    assert session.current_clip == clip and session.undo_stack.can_undo
    other = LatentController(Session())
    other.session.reset(list(session.items), session.current_uid, session.latent)
    other.set_engine(EngineInfo.of(engine))
    assert other.restore()
    assert other.sliders["density"] == 1.5 and other.temperature == 0.2
    assert np.allclose(other.code.base, out.mu)
    ctl.set_map_point(0.5, 0.5)
    assert np.any(ctl.offset)
    assert ctl.reset_to_encoded() and not ctl.moved


def test_join_clips() -> None:
    a, b = example_clip("mary").slice_bars(0, 2), example_clip("twinkle").slice_bars(0, 3)
    joined = join_clips([a, b], "both")
    assert joined.n_bars == 5 and len(joined.notes) == len(a.notes) + len(b.notes) and joined.name == "both"


def test_model_service_device_and_queued_requests(user_dirs: dict[str, Path]) -> None:
    for name in ("a", "b"):
        folder = user_dirs["models"] / name
        folder.mkdir()
        (folder / "config.json").write_text("{}")
        (folder / "model.safetensors").write_bytes(b"")
    gate = threading.Event()
    loaded: list[str] = []

    def loader(name: str, folder: Path) -> object:
        gate.wait(5)
        loaded.append(name)
        return SimpleNamespace(device="cpu")  # the engine's attributes the service reads

    service = ModelService(loader=loader)
    assert service.start("a", device="cpu") and service.device == "cpu"
    assert service.start("b")  # asked while "a" loads: loads after it
    gate.set()
    service.wait(5)
    import time

    deadline = time.monotonic() + 5
    while service.model_name != "b" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert loaded == ["a", "b"] and service.model_name == "b" and service.ready


def test_latent_module_imports_neither_torch_nor_qt() -> None:
    code = ("import sys, latentcomposer.app.latent; "
            "bad = [m for m in ('torch', 'PySide6', 'pyqtgraph') if m in sys.modules]; print(bad); "
            "sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
