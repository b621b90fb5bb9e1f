"""Field checks shared by the model configs: a config.json from anywhere must fail with a clear message,
never with a torch error, a 128 GB allocation or a hang (issue 31's broken model folders).

Every ``int`` field must be an int (not a bool, not a float, not text) within ``0..MAX_SIZE`` (the
fields named in ``positive`` at least 1, ``n_bars`` at most ``MAX_BARS``); every ``float`` a finite
number; every ``str`` text; every ``bool`` a bool; ``Literal`` fields one of their values.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any

MAX_SIZE = 4096  # widest layer, vocabulary or latent a config may ask for
MAX_BARS = 64


def check_fields(obj: Any, positive: tuple[str, ...], error: type[Exception]) -> None:
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value, hint = getattr(obj, f.name), hints.get(f.name)
        where = f"model config field {f.name!r}"
        if typing.get_origin(hint) is typing.Literal:
            if value not in typing.get_args(hint):
                raise error(f"{where} is {value!r}; use one of {', '.join(map(repr, typing.get_args(hint)))}")
        elif hint is bool:
            if not isinstance(value, bool):
                raise error(f"{where} must be true or false, not {value!r}")
        elif hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise error(f"{where} must be a whole number, not {value!r}"[:200])
            top = MAX_BARS if f.name == "n_bars" else MAX_SIZE
            low = 1 if f.name in positive else 0
            if not low <= value <= top:
                shown = value if abs(value) < 10**12 else "far too large"
                raise error(f"{where} is {shown}; it must be {low}..{top}")
        elif hint is float:
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise error(f"{where} must be a finite number, not {value!r}"[:200])
        elif hint is str:
            if not isinstance(value, str) or not value or len(value) > 200:
                raise error(f"{where} must be a short text, not {value!r}"[:200])
