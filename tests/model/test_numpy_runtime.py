"""The torch-free runtime (model/numpy_runtime.py, issue 30: a model ready without importing torch) gives
what the torch path gives: encodings (mu, sigma) to 1e-5 and the same tokens for greedy, search and
seeded-sampling decodes, on the shipped default model and on tiny models of every layout it covers;
the engine picks it on the CPU, falls back to torch for everything else, and drops it when the torch
model's weights change."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.core.examples import NAMES, example_clip
from latentcomposer.model.checkpoint import CheckpointError, build_model, save_model
from latentcomposer.model.config import get_config
from latentcomposer.model.engine import Engine, EngineError
from latentcomposer.model.numpy_runtime import expected_shapes, load_numpy_model, unsupported

REPO = Path(__file__).resolve().parents[2]
MEL_2BAR = REPO / "models" / "mel_2bar"


def _tiny(folder: Path, config: str = "tiny_2bar", seed: int = 0, **changes: object) -> Path:
    cfg = dataclasses.replace(get_config(config).model, **changes)  # type: ignore[arg-type]
    torch.manual_seed(seed)
    save_model(build_model(cfg).eval(), cfg, folder)
    return folder


LAYOUTS = {  # every layout the runtime covers: flat / hierarchical encoder and decoder, conductor inputs
    "flat": ("tiny_2bar", {}),
    "flat_deep": ("tiny_2bar", {"enc_layers": 2, "dec_layers": 2}),
    "hier": ("tiny_4bar_hier", {}),
    "hier_slots": ("tiny_4bar_hier", {"conductor_input": "slots", "conductor_residual": True,
                                      "conductor_layers": 2, "dec_layers": 2}),
}


@pytest.fixture(scope="module", params=sorted(LAYOUTS))
def tiny_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    config, changes = LAYOUTS[request.param]
    return _tiny(tmp_path_factory.mktemp(request.param), config, **changes)


def _windows(eng: Engine) -> np.ndarray:
    return np.concatenate([eng.clip_windows(example_clip(n).transpose(k))[0] for n in NAMES for k in (0, 5)])


def _compare(folder: Path) -> None:
    """Both runtimes of one model: encodings to 1e-5, tokens identical."""
    npe = Engine.load(folder, device="cpu", warmup=False)
    te = Engine.load(folder, device="cpu", warmup=False, runtime="torch")
    assert npe.numpy_runtime is not None and te.numpy_runtime is None
    wins = _windows(npe)
    mu, sigma = npe.encode_arrays(wins)
    tmu, tsigma = te.encode_tokens(wins)
    np.testing.assert_allclose(mu, tmu.numpy(), rtol=0, atol=1e-5)
    np.testing.assert_allclose(sigma, tsigma.numpy(), rtol=0, atol=1e-5)
    rng = np.random.default_rng(1)
    for z in (mu, tmu.numpy(), rng.standard_normal((12, npe.z_dim)).astype(np.float32)):
        for decoding in ("greedy", "search"):
            np.testing.assert_array_equal(npe.decode_full(z, decoding=decoding)[0],
                                          te.decode_full(z, decoding=decoding)[0], err_msg=decoding)
        np.testing.assert_array_equal(npe.decode_full(z, 0.8, seed=5)[0], te.decode_full(z, 0.8, seed=5)[0])
    clip = example_clip("twinkle")
    a, b = npe.encode(clip, seed=2), te.encode(clip, seed=2)
    np.testing.assert_allclose(a.z, b.z, rtol=0, atol=1e-5)
    assert [c.notes for c in npe.reconstruct(clip).clips] == [c.notes for c in te.reconstruct(clip).clips]


def test_tiny_models_give_the_torch_outputs(tiny_dir: Path) -> None:
    _compare(tiny_dir)


@pytest.mark.skipif(not (MEL_2BAR / "model.safetensors").exists(), reason="mel_2bar is not installed")
def test_the_default_model_gives_the_torch_outputs() -> None:
    _compare(MEL_2BAR)


def test_the_expected_shapes_are_the_torch_models(tiny_dir: Path) -> None:
    got = load_numpy_model(tiny_dir)
    assert got is not None
    _, cfg, _ = got
    assert expected_shapes(cfg) == {k: tuple(v.shape) for k, v in build_model(cfg).state_dict().items()}


def test_the_engine_takes_torch_for_what_the_runtime_does_not_cover(tiny_tvae_dir: Path,
                                                                    tiny_drums_dir: Path) -> None:
    for folder in (tiny_tvae_dir, tiny_drums_dir):
        eng = Engine.load(folder, device="cpu", warmup=False)
        assert eng.numpy_runtime is None and unsupported(eng.cfg)
        with pytest.raises(EngineError, match="torch-free runtime"):
            Engine.load(folder, device="cpu", warmup=False, runtime="numpy")
    with pytest.raises(EngineError, match="unknown runtime"):
        Engine.load(tiny_tvae_dir, runtime="jax")


def test_damaged_weights_say_what_the_torch_loader_says(tmp_path: Path) -> None:
    folder = _tiny(tmp_path / "m")
    path = folder / "model.safetensors"
    path.write_bytes(path.read_bytes()[:-40])
    assert load_numpy_model(folder) is None
    with pytest.raises(CheckpointError, match="damaged weights file"):
        Engine.load(folder, device="cpu")


def test_changed_weights_drop_the_numpy_runtime(tmp_path: Path) -> None:
    """A fine-tune trains ``engine.model`` in place: from then on the engine decodes with the new weights."""
    eng = Engine.load(_tiny(tmp_path / "m"), device="cpu", warmup=False)
    z = np.random.default_rng(0).standard_normal((4, eng.z_dim)).astype(np.float32)
    before = eng.decode_full(z, decoding="greedy")[0]
    model = eng.model  # built from the file: the runtimes still agree
    assert eng.numpy_runtime is not None
    np.testing.assert_array_equal(eng.decode_full(z, decoding="greedy")[0], before)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p))
    assert eng.numpy_runtime is None
    eng._fast = None  # (the torch fast decoder folds its weights once, as a fine-tune's caller rebuilds it)
    want = model.runtime(torch.device("cpu")).decode(torch.as_tensor(z)).numpy()
    np.testing.assert_array_equal(eng.decode_full(z, decoding="greedy")[0], want)


def test_encode_and_decode_import_no_torch(tmp_path: Path) -> None:
    folder = _tiny(tmp_path / "m")
    code = (
        "import sys\n"
        "from latentcomposer.core.examples import example_clip\n"
        "from latentcomposer.model.engine import Engine\n"
        f"eng = Engine.load({str(folder)!r}, device='cpu')\n"
        "clip = example_clip('twinkle')\n"
        "code = eng.encode(clip)\n"
        "eng.decode(code.mu, template=clip, join=True, decoding='greedy')\n"
        "eng.decode(code.mu, template=clip, join=True, decoding='search')\n"
        "eng.shift(code.mu, 'dim1', 1.0) if eng.attributes else None\n"
        "print('before', 'torch' in sys.modules, eng.device_name)\n"
        "code.z\n"
        "print('after', 'torch' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO,
                         env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["before False cpu", "after True"]  # z's draws are torch's
