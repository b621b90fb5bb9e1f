"""Progressive previews (issue 30): with search decoding, a slider move shows the quick greedy decode at
once and the search decode replaces it when ready; the newest request still wins."""

from __future__ import annotations

import threading
from typing import Any

from latentcomposer.app.latent import compose
from latentcomposer.app.latent.controller import QUICK_PREVIEW

from .latent_rig import Rig, rig, tiny_models  # noqa: F401


def expected(r: Rig, value: float, decoding: str) -> list[Any]:
    eng = r.engine._engine
    code = r.tools.ctl.code
    z = compose(eng, code.base, {"density": value}, None)
    clip = r.session.current_clip
    return eng.decode(z, temperature=0.0, seed=r.tools.ctl.seed, template=clip, name=clip.name, join=True,
                      n_steps=code.n_steps, decoding=decoding)[0].notes


def test_slider_move_shows_greedy_at_once_then_the_search_decode(rig: Rig, qtbot) -> None:  # noqa: F811
    rig.load()
    rig.idle()
    eng = rig.engine._engine
    assert rig.tools.ctl.decoding == "search" and eng.supports_search
    # two slider values whose greedy and search decodes differ, so each stage is visible
    values = [v / 100 for v in range(-300, 301, 25)
              if expected(rig, v / 100, "greedy") != expected(rig, v / 100, "search")]
    assert len(values) >= 2, "the tiny model decodes the same both ways everywhere"
    first, second = values[0], values[-1]
    gate = threading.Event()
    real = eng.decode_full
    searches: list[float] = []

    def slow_search(*args: Any, **kwargs: Any) -> Any:
        temperature = args[1] if len(args) > 1 else kwargs.get("temperature", 0.0)
        decoding = args[4] if len(args) > 4 else kwargs.get("decoding")
        if temperature <= 0 and decoding != "greedy":
            searches.append(1.0)
            assert gate.wait(20), "the test never released the search decode"
        return real(*args, **kwargs)

    eng.decode_full = slow_search  # type: ignore[method-assign]
    slider = rig.panel.rows["density"].slider
    slider.setValue(round(first * 100))
    # the greedy result is shown while the search decode is still running
    qtbot.waitUntil(lambda: rig.tools.overlay.clip is not None
                    and rig.tools.overlay.clip.notes == expected(rig, first, "greedy"), timeout=10000)
    assert rig.tools.worker.is_busy("preview") and searches
    # a newer move while the first search runs: the newest request wins in the end
    slider.setValue(round(second * 100))
    gate.set()
    rig.idle()
    assert rig.tools.overlay.clip.notes == expected(rig, second, "search")
    assert rig.tools.ctl.preview is not None and dict(rig.tools.ctl.preview.request.sliders)["density"] == second
    # the quick decodes ran on the worker with greedy decoding, never on the UI thread
    quick = [k for _a, k in rig.engine.called("decode") if k.get("decoding") == "greedy"]
    assert quick and threading.main_thread() not in rig.engine_threads()
    assert not rig.tools.worker.is_busy(QUICK_PREVIEW)


def test_greedy_decoding_is_not_progressive(rig: Rig, qtbot) -> None:  # noqa: F811
    rig.load()
    rig.idle()
    rig.tools.set_decoding("greedy")
    rig.idle()
    before = len(rig.engine.called("decode"))
    rig.panel.rows["density"].slider.setValue(120)
    rig.idle()
    calls = rig.engine.called("decode")[before:]
    assert len(calls) == 1 and calls[0][1].get("decoding") is None
    assert rig.tools.overlay.clip.notes == expected(rig, 1.2, "greedy")


def test_interpolation_shows_greedy_thumbnails_then_the_search_ones(rig: Rig, qtbot) -> None:  # noqa: F811
    rig.load()
    rig.idle()
    s = rig.session
    s.set_slot("a", s.items[0].uid)
    s.set_slot("b", s.items[1].uid)
    view = rig.timeline.interpolation
    view.steps.setValue(3)
    view.temperature.setValue(0.0)
    raw = rig.engine._engine
    a, b = s.items[0].clip, s.items[1].clip
    want = {mode: [c.notes for c in raw.interpolate(a, b, steps=5, decoding=mode).clips]
            for mode in ("greedy", "search")}
    gate = threading.Event()
    real = raw.interpolate

    def slow(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("decoding") != "greedy":
            assert gate.wait(20)
        return real(*args, **kwargs)

    raw.interpolate = slow  # type: ignore[method-assign]
    view.generate_button.click()
    qtbot.waitUntil(lambda: len(view.thumbs) == 5 and view.result is not None, timeout=10000)
    assert [c.notes for c in view.result.clips] == want["greedy"]
    assert view.progress.isVisible() and "refining" in view.warning.text()
    gate.set()
    rig.idle()
    qtbot.waitUntil(lambda: not view.progress.isVisible())
    assert [c.notes for c in view.result.clips] == want["search"]
    assert len(view.thumbs) == 5 and "refining" not in view.warning.text()
