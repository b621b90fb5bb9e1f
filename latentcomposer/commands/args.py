"""Argument types for the CLI: every number a user types is checked here, in one place.

Each is an ``argparse`` ``type=``: a bad value (``--tempo 0``, ``--seed -1``, ``--temperature nan``,
``--beam 100000``) makes argparse print the usage line and ``latentcomposer CMD: error: argument
--tempo: ...`` and exit with status 2, before any model loads or file is read. The ranges bound the
work a command can be asked to do.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

SEED_MAX = 2**32 - 1  # NumPy's and torch's generators both take seeds below 2**32
TEMPERATURE_MAX = 10.0  # past ~2 a decode is noise already
BEAM_MAX = 256
SAMPLES_MAX = 1000  # sample -n
STEPS_MAX = 256  # interpolate --steps
SHIFT_MAX = 20.0  # attribute --shift NAME=AMOUNT, in units of the attribute vector


def integer(lo: int, hi: int | None = None, what: str = "") -> Callable[[str], int]:
    """A whole number in ``[lo, hi]`` (``hi`` None: no upper bound)."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r:.40} is not a whole number") from None
        if value < lo and what:
            raise argparse.ArgumentTypeError(f"{what} must be at least {lo} (got {value:,})")
        if value < lo or (hi is not None and value > hi):
            rng = f"{lo}-{hi:,}" if hi is not None else f"{lo} or more"
            raise argparse.ArgumentTypeError(f"{value:,} is out of range{' for ' + what if what else ''}: "
                                             f"use {rng}")
        return value

    parse.__name__ = "integer"  # argparse names the type in some messages
    return parse


def number(lo: float, hi: float, what: str = "") -> Callable[[str], float]:
    """A finite number in ``[lo, hi]`` (``nan``, ``inf`` and ``1e400`` are refused)."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r:.40} is not a number") from None
        if not math.isfinite(value) or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{text.strip()!s:.40} is out of range"
                                             f"{' for ' + what if what else ''}: use {lo:g}-{hi:g}")
        return value

    parse.__name__ = "number"
    return parse


tempo = number(1, 1000, "a tempo in bpm")
seed = integer(0, SEED_MAX, "a seed")
temperature = number(0, TEMPERATURE_MAX, "a temperature")
beam = integer(1, BEAM_MAX, "beam")
velocity = integer(1, 127, "a MIDI velocity")
track = integer(0, None)
bar = integer(1, None)
fraction = number(0, 1)
