"""Issue 26's latent-space figures (model/latent_figures.py): monotonicity of an interpolation's distances,
the distances themselves, side effects of a slider in training stds, and the met / missed verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from latentcomposer.model.latent_figures import (
    attribute_distance,
    is_monotonic,
    middle_vs_ends,
    reversals,
    side_effect,
    slider_figures,
    token_distance,
    verdict,
)


def test_monotonic_allows_plateaus_but_not_a_step_back() -> None:
    assert is_monotonic([0.0, 0.1, 0.1, 0.5, 1.0])
    assert not is_monotonic([0.0, 0.3, 0.2, 1.0])
    assert reversals([0.0, 0.3, 0.2, 1.0, 0.9]) == 2
    assert is_monotonic([0.0, 0.3, 0.29, 1.0], tol=0.02)  # a fall within the tolerance
    assert is_monotonic([0.0])


def test_token_distance_counts_differing_steps() -> None:
    ref = np.array([60, 129, 62, 128])
    steps = np.array([[60, 129, 62, 128], [60, 129, 64, 128], [61, 128, 64, 129]])
    assert token_distance(steps, ref).tolist() == [0.0, 0.25, 1.0]
    # tokens with extra dims (e.g. piano arrays): a step differs when any of its entries does
    ref3 = np.zeros((4, 2), int)
    s3 = np.zeros((2, 4, 2), int)
    s3[1, 0, 1] = 1
    assert token_distance(s3, ref3).tolist() == [0.0, 0.25]


def test_attribute_distance_is_in_training_stds() -> None:
    values = np.array([[5.0, 60.0], [7.0, 60.0], [5.0, 66.0]])
    d = attribute_distance(values, values[0], np.array([2.0, 3.0]))
    assert d.tolist() == pytest.approx([0.0, 1.0, 2.0])
    assert attribute_distance(values, values[0], np.array([0.0, 3.0]))[1] == pytest.approx(2.0)  # std 0 -> 1


def test_middle_vs_ends() -> None:
    vals = np.array([[1.0, 0.9, 0.8, 1.0], [1.0, 1.0, 0.7, 0.98]])
    mid, ends = middle_vs_ends(vals)
    assert mid == pytest.approx((0.9 + 0.8 + 1.0 + 0.7) / 4)
    assert ends == pytest.approx((1.0 + 1.0 + 1.0 + 0.98) / 4)
    with pytest.raises(ValueError):
        middle_vs_ends(np.ones((3, 2)))


def test_side_effect_is_the_span_over_the_travel_in_stds() -> None:
    assert side_effect(np.array([5.0, 4.0, 6.0]), 4.0) == pytest.approx(0.5)
    assert math.isnan(side_effect(np.array([1.0, 2.0]), 0.0))


def test_slider_figures_separate_the_moved_attribute_from_side_effects() -> None:
    amounts = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    windows = 4
    density = amounts[:, None] * 2 + np.arange(windows)[None]  # rises with the amount in every window
    register = np.full((5, windows), 70.0)
    register[-1] = 73.0  # jumps at the top end: a side effect of 3 / std 6 = 0.5 sigma
    rests = np.full((5, windows), 0.2)  # unchanged
    fig = slider_figures(amounts, {"density": density, "register": register, "rests": rests}, "density",
                         {"density": 3.0, "register": 6.0, "rests": 0.1})
    assert fig["spearman"] == pytest.approx(1.0)
    assert fig["spearman_per_window"] == pytest.approx(1.0)
    assert fig["changed_share"] == 1.0
    assert fig["side_effects"] == {"register": pytest.approx(0.5), "rests": 0.0}
    assert (fig["worst_side"], fig["worst_side_sigma"]) == ("register", pytest.approx(0.5))


def test_verdicts() -> None:
    assert verdict(0.96, 0.95, "min") == "met"
    assert verdict(0.94, 0.95, "min") == "missed"
    assert verdict(0.05, 0.1, "max") == "met"
    assert verdict(0.1, 0.1, "max") == "missed"
    assert verdict(-0.01, 0.01, "gap") == "met"
    assert verdict(0.02, 0.01, "gap") == "missed"
    assert verdict(None, 0.1, "max") == "-"
    assert verdict(float("nan"), 0.1, "max") == "-"
