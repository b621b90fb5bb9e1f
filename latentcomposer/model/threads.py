"""CPU threads for inference: batch-1 decoding gains nothing from more threads on a small machine, and
a BLAS that spins on every core starves everything else (a 2-bar greedy decode took 252 ms instead of
2.8 ms from an unpinned script on a busy 2-core machine). Also: the float sums of the NumPy step loop
depend on the BLAS thread count, so pinned runs give the same bits every time."""

from __future__ import annotations

import ctypes
import re
import sys
from pathlib import Path
from typing import Any


def limit_cpu_threads(threads: int = 1) -> list[str]:
    """Limit torch's intra-op threads (if torch is loaded) and OpenBLAS's (NumPy's BLAS, which the CPU
    step loop uses) to ``threads``, process-wide. Returns what was limited (best effort, never raises)."""
    done: list[str] = []
    threads = max(1, int(threads))
    torch: Any = sys.modules.get("torch")  # when loaded: the torch-free runtime does not import it
    try:
        if torch is not None:
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
            done.append("torch")
    except Exception:  # pragma: no cover - a torch without these setters
        pass
    try:
        maps_file = Path("/proc/self/maps")
        maps = maps_file.read_text() if maps_file.exists() else ""
        for lib in sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps))):
            dll = ctypes.CDLL(lib)
            for fn in ("openblas_set_num_threads_local", "scipy_openblas_set_num_threads64_",
                       "openblas_set_num_threads"):
                if hasattr(dll, fn):
                    getattr(dll, fn)(ctypes.c_int(threads))
                    done.append(f"{Path(lib).name}:{fn}")
                    break
    except Exception:  # an unusual BLAS: leave it as it is
        pass
    return done


def _openblas_handles() -> list[tuple[object, object]]:
    """(setter, getter) of every OpenBLAS loaded in this process (best effort)."""
    out = []
    try:
        maps_file = Path("/proc/self/maps")
        maps = maps_file.read_text() if maps_file.exists() else ""
        for lib in sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps))):
            dll = ctypes.CDLL(lib)
            for setter, getter in (("openblas_set_num_threads", "openblas_get_num_threads"),
                                   ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_")):
                if hasattr(dll, setter) and hasattr(dll, getter):
                    out.append((getattr(dll, setter), getattr(dll, getter)))
                    break
    except Exception:  # an unusual BLAS: leave it alone
        return []
    return out


_HANDLES: list[tuple[object, object]] | None = None


def blas_threads() -> list[int]:
    """The thread count of every OpenBLAS loaded in this process (what :class:`single_thread` sets
    and restores; empty where none is found)."""
    global _HANDLES
    if _HANDLES is None:
        _HANDLES = _openblas_handles()
    return [int(getter()) for _, getter in _HANDLES]  # type: ignore[operator]


class single_thread:
    """Run a block on one CPU thread (torch intra-op and OpenBLAS), then restore the caller's settings.

    Small inference steps (batch-1 decoding) only lose from more threads: an unpinned 2-bar greedy
    decode took 252 ms instead of 2.8 ms on a busy machine (docs/BENCHMARKS.md). The engine wraps its
    small decodes in this, so every caller -- GUI, CLI, scripts, notebooks -- gets the fast path
    without having to know, and its own thread settings are left as they were."""

    def __enter__(self) -> single_thread:
        global _HANDLES
        # torch's threads only when torch is loaded: the torch-free runtime (model/numpy_runtime.py)
        # must not import it, and a torch imported inside the block keeps its settings
        torch: Any = sys.modules.get("torch")
        self._torch_mod = torch
        if _HANDLES is None:
            _HANDLES = _openblas_handles()
        self._torch = torch.get_num_threads() if torch is not None else 1
        if self._torch != 1:
            torch.set_num_threads(1)
        self._blas = []
        for setter, getter in _HANDLES:
            n = int(getter())  # type: ignore[operator]
            self._blas.append((setter, n))
            if n != 1:
                setter(ctypes.c_int(1))  # type: ignore[operator]
        return self

    def __exit__(self, *exc: object) -> None:
        torch = self._torch_mod
        if torch is not None and torch.get_num_threads() != self._torch:
            torch.set_num_threads(self._torch)
        for setter, n in self._blas:
            if n != 1:
                setter(ctypes.c_int(n))  # type: ignore[operator]
