"""The conditioning seam (issue 22): a tiny conditioned model -- a melody codec whose clips carry a
per-step condition, and a MusicVAE whose decoder reads it -- goes through the engine (encode, decode,
sample, reconstruct, interpolate, search and greedy, NumPy and torch loops) and the CLI without any
edit to fastdecode, search or the engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.core import Clip
from latentcomposer.core.examples import example_clip
from latentcomposer.data import melody
from latentcomposer.data.codecs import CODECS, MelodyCodec, register_codec
from latentcomposer.model.checkpoint import build_model, save_model
from latentcomposer.model.config import ModelConfig
from latentcomposer.model.engine import Engine, EngineError

COND = 12


class PitchClassCodec(MelodyCodec):
    """A melody whose condition is, per step, the pitch class of the note sounding there (a stand-in
    for a chord track: something a clip carries beside the tokens the model decodes)."""

    name = "test_pitch_class_melody"
    condition_dim = COND

    def encode_condition(self, clip: Clip, n_steps: int) -> np.ndarray | None:
        tokens = melody.clip_to_tokens(clip)[:n_steps]
        out = np.zeros((n_steps, COND), np.float32)
        current = -1
        for t, tok in enumerate(tokens):
            if tok < melody.NOTE_OFF:
                current = int(tok) % 12
            elif tok == melody.NOTE_OFF:
                current = -1
            if current >= 0:
                out[t, current] = 1.0
        return out


@pytest.fixture(scope="module")
def cond_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    register_codec(PitchClassCodec())
    cfg = ModelConfig(name="tiny_cond", representation=PitchClassCodec.name, n_bars=2, embed_dim=8, z_dim=8,
                      enc_hidden=16, dec_hidden=16, dec_layers=2, condition_dim=COND)
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    with torch.no_grad():  # make the condition matter in a random model
        model.decoder.rnn.weight_ih_l0[:, -COND:] *= 40.0
    folder = tmp_path_factory.mktemp("models") / "tiny_cond"
    save_model(model, cfg, folder, meta={"note": "tiny conditioned test model"})
    yield folder
    CODECS.pop(PitchClassCodec.name, None)


def _cond(pc: int, steps: int = 32) -> np.ndarray:
    c = np.zeros((steps, COND), np.float32)
    c[:, pc] = 1.0
    return c


def test_condition_reaches_every_decoding_path(cond_dir: Path) -> None:
    eng = Engine.load(cond_dir, device="cpu", warmup=False, decoding="greedy")
    assert eng.condition_dim == COND
    z = np.random.default_rng(0).standard_normal((6, eng.z_dim)).astype(np.float32)
    a, b = eng.decode_tokens(z, condition=_cond(0)), eng.decode_tokens(z, condition=_cond(6))
    assert a.shape == (6, 32) and not np.array_equal(a, b)
    # the NumPy loop and the torch loop (the CUDA path) step the same kernel with the condition
    cond_t = torch.as_tensor(np.repeat(_cond(6)[None], 6, 0))
    torch_toks, _ = eng.fast.decode_full(torch.as_tensor(z), use_numpy=False, condition=cond_t)
    assert np.array_equal(torch_toks.numpy(), b)
    assert np.array_equal(eng.model.generate(torch.as_tensor(z), condition=cond_t).numpy(), b)
    # beam 1 search is greedy decoding, with the condition too
    eng.set_decoding("search", beam=1)
    assert np.array_equal(eng.decode_tokens(z, condition=_cond(6)), b)
    eng.set_decoding("search", beam=4)
    assert eng.decode_tokens(z, condition=_cond(6)).shape == (6, 32)
    # sampling: seeded, and conditioned
    s1 = eng.decode_tokens(z, temperature=0.8, seed=3, condition=_cond(2))
    assert np.array_equal(s1, eng.decode_tokens(z, temperature=0.8, seed=3, condition=_cond(2)))


def test_clips_carry_their_condition_through_the_engine(cond_dir: Path) -> None:
    eng = Engine.load(cond_dir, device="cpu", warmup=False, decoding="greedy")
    clip = example_clip("twinkle")  # 8 bars: 4 windows
    cond = eng.clip_condition(clip)
    assert cond is not None and cond.shape == (4, 32, COND)
    assert cond[0, 0, 0] == 1.0  # C at step 0
    code = eng.encode(clip)
    rec = eng.reconstruct(clip).clips[0]
    # the reconstruction decodes over the clip's own condition: the same as decoding mu with it
    same = eng.decode(code.mu, template=clip, join=True, n_steps=eng.clip_steps(clip), condition=cond)[0]
    assert [n.pitch for n in rec.notes] == [n.pitch for n in same.notes]
    other = eng.decode(code.mu, template=clip, join=True, n_steps=eng.clip_steps(clip),
                       condition=np.repeat(_cond(6)[None], 4, 0))[0]
    assert [n.pitch for n in other.notes] != [n.pitch for n in rec.notes]
    res = eng.interpolate(clip, example_clip("mary"), steps=3)
    assert len(res.clips) == 3
    assert len(eng.sample(2, temperature=0.5, seed=1, condition=_cond(4)).clips) == 2


def test_condition_errors_are_clear(cond_dir: Path, tiny_model_dir: Path) -> None:
    eng = Engine.load(cond_dir, device="cpu", warmup=False)
    with pytest.raises(EngineError, match="expects"):
        eng.decode_tokens(np.zeros((1, eng.z_dim), np.float32), condition=np.zeros((32, 5), np.float32))
    plain = Engine.load(tiny_model_dir, device="cpu", warmup=False)
    assert plain.condition_dim == 0 and plain.clip_condition(example_clip("mary")) is None
    with pytest.raises(EngineError, match="takes no condition"):
        plain.decode_tokens(np.zeros((1, plain.z_dim), np.float32), condition=_cond(0))


def test_cli_round_trip_with_a_conditioned_model(cond_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from latentcomposer.cli import main
    from latentcomposer.io.midifile import read_midi, write_midi

    src = tmp_path / "twinkle.mid"
    write_midi(src, [example_clip("twinkle")])
    out = tmp_path / "rec.mid"
    assert main(["reconstruct", "--model", str(cond_dir), str(src), "-o", str(out), "--device", "cpu"]) == 0
    assert read_midi(out)[0].notes
    samples = tmp_path / "samples.mid"
    assert main(["sample", "--model", str(cond_dir), "-n", "2", "-o", str(samples), "--device", "cpu"]) == 0
    assert read_midi(samples)[0].notes is not None
