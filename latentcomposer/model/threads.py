"""CPU threads for inference: batch-1 decoding gains nothing from more threads on a small machine, and
a BLAS that spins on every core starves everything else (a 2-bar greedy decode took 252 ms instead of
2.8 ms from an unpinned script on a busy 2-core machine). Also: the float sums of the NumPy step loop
depend on the BLAS thread count, so pinned runs give the same bits every time."""

from __future__ import annotations

import ctypes
import re
from pathlib import Path


def limit_cpu_threads(threads: int = 1) -> list[str]:
    """Limit torch's intra-op threads and OpenBLAS's (NumPy's BLAS, which the CPU step loop uses) to
    ``threads``, process-wide. Returns what was limited (best effort, never raises)."""
    done: list[str] = []
    threads = max(1, int(threads))
    try:
        import torch

        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        done.append("torch")
    except Exception:  # pragma: no cover - torch is there whenever an engine is
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
