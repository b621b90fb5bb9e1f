"""Golden outputs of every shipped model: record once, compare after a refactor (tests/model/test_golden.py).

    python scripts/golden.py record   # writes tests/data/golden/<model>.npz
    python scripts/golden.py check    # exits 1 on any difference (same bits)

Per model: the encodings (mu, sigma) of fixed clips, and the tokens (+ velocity/offset extras) of
greedy, search and seeded-sampling decodes of fixed latents.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "data" / "golden"


def golden_outputs(name: str) -> dict[str, np.ndarray]:
    from latentcomposer.core.examples import example_clip, example_drums
    from latentcomposer.model.engine import Engine
    from latentcomposer.model.threads import limit_cpu_threads

    limit_cpu_threads(1)
    eng = Engine.load(REPO / "models" / name, device="cpu", warmup=False, runtime="torch")
    out: dict[str, np.ndarray] = {}
    is_drums = eng.cfg.representation == "drums"
    clips = [example_drums(4), example_drums(8)] if is_drums else [example_clip("twinkle"), example_clip("mary")]
    for i, clip in enumerate(clips):
        code = eng.encode(clip, seed=3)
        out[f"enc{i}_mu"], out[f"enc{i}_sigma"], out[f"enc{i}_z"] = code.mu, code.sigma, code.z
    z = np.random.default_rng(7).standard_normal((2, eng.cfg.z_dim)).astype(np.float32)
    for label, decoding, temp, seed in (("greedy", "greedy", 0.0, None), ("search", "search", 0.0, None),
                                        ("sample", "greedy", 0.7, 11)):
        eng.set_decoding(decoding)
        toks, aux = eng.decode_full(z, temperature=temp, seed=seed)
        out[f"{label}_tokens"] = toks
        for k, v in (aux or {}).items():
            out[f"{label}_{k}"] = v
    return out


def shipped() -> list[str]:
    """The models whose goldens were recorded (a model shipped later is recorded on purpose)."""
    return sorted(p.stem for p in GOLDEN.glob("*.npz") if (REPO / "models" / p.stem / "config.json").exists())


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "check"
    bad = 0
    names = sorted(p.name for p in (REPO / "models").iterdir() if (p / "config.json").exists()) \
        if mode == "record" else shipped()
    for name in names:
        got = golden_outputs(name)
        path = GOLDEN / f"{name}.npz"
        if mode == "record":
            GOLDEN.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(path, **got)
            print(f"recorded {path.relative_to(REPO)} ({len(got)} arrays)")
            continue
        want = dict(np.load(path))
        diff = [k for k in sorted(set(want) | set(got)) if k not in want or k not in got
                or not np.array_equal(want[k], got[k])]
        print(f"{name}: {'identical' if not diff else 'DIFFERENT: ' + ', '.join(diff)}")
        bad += bool(diff)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
