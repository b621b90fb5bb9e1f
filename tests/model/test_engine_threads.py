"""The engine pins its own CPU threads for an inference call (issue 30): torch's intra-op threads and
OpenBLAS (NumPy's BLAS, which the CPU step loops use) run on one thread inside a small decode,
encode or search, whatever the caller set, and the caller's settings are back afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from latentcomposer.core.examples import example_clip
from latentcomposer.model import threads
from latentcomposer.model.engine import Engine
from latentcomposer.model.threads import blas_threads


def _spy(obj: Any, name: str, seen: list[tuple[int, list[int]]]) -> None:
    fn: Callable[..., Any] = getattr(obj, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        seen.append((torch.get_num_threads(), blas_threads()))
        return fn(*args, **kwargs)

    setattr(obj, name, wrapped)


@pytest.fixture()
def caller_threads() -> Iterator[None]:
    """The caller's own setting: 2 threads for torch and every OpenBLAS (restored after the test)."""
    before_torch, before_blas = torch.get_num_threads(), blas_threads()  # (finds the OpenBLAS setters)
    assert threads._HANDLES is not None
    torch.set_num_threads(2)
    for setter, _ in threads._HANDLES:
        setter(threads.ctypes.c_int(2))  # type: ignore[operator]
    yield
    torch.set_num_threads(before_torch)
    for (setter, _), n in zip(threads._HANDLES, before_blas, strict=True):
        setter(threads.ctypes.c_int(n))  # type: ignore[operator]


@pytest.mark.parametrize("runtime", ["torch", "numpy"])
def test_a_decode_runs_on_one_thread_and_restores_the_callers_setting(tiny_model_dir: Path, runtime: str,
                                                                       caller_threads: None) -> None:
    eng = Engine.load(tiny_model_dir, device="cpu", warmup=False, runtime=runtime)
    assert blas_threads(), "NumPy's OpenBLAS was not found: the BLAS half of this test would be empty"
    caller = (torch.get_num_threads(), blas_threads())
    assert caller[0] == 2 and all(n == 2 for n in caller[1])
    seen: list[tuple[int, list[int]]] = []
    if runtime == "numpy":  # the torch-free runtime (model/numpy_runtime.py)
        assert eng.numpy_runtime is not None
        for name in ("decode", "search", "encode"):
            _spy(eng.numpy_runtime, name, seen)
    else:
        _spy(eng.fast, "decode_full", seen)  # greedy / sampling (the NumPy step loop)
        _spy(eng.model, "search_decode_full", seen)  # search decoding (beam + reranking)
        _spy(eng.model, "encode", seen)
    z = np.zeros((2, eng.z_dim), np.float32)
    eng.set_decoding("greedy")
    eng.decode_tokens(z)
    eng.decode_tokens(z, temperature=0.7, seed=1)
    eng.set_decoding("search")
    eng.decode_tokens(z)
    eng.encode(example_clip("twinkle"))
    assert len(seen) >= 4
    for torch_n, blas_n in seen:  # inside every call: one thread
        assert torch_n == 1 and all(n == 1 for n in blas_n)
    assert (torch.get_num_threads(), blas_threads()) == caller  # after: the caller's setting again


def test_the_callers_setting_is_restored_when_a_decode_fails(tiny_model_dir: Path, caller_threads: None) -> None:
    eng = Engine.load(tiny_model_dir, device="cpu", warmup=False, runtime="torch")
    caller = (torch.get_num_threads(), blas_threads())
    bad = np.zeros((1, eng.z_dim), np.float32)

    def boom(*args: Any, **kwargs: Any) -> Any:
        assert torch.get_num_threads() == 1
        raise RuntimeError("boom")

    eng.fast.decode_full = boom  # type: ignore[method-assign]
    eng.set_decoding("greedy")
    with pytest.raises(RuntimeError, match="boom"):
        eng.decode_tokens(bad)
    assert (torch.get_num_threads(), blas_threads()) == caller
