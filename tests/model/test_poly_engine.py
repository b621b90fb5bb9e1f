"""Polyphonic (piano) models through the engine's one API and the CLI (issue 23): a tiny PianoTree
model and a chord clip, encoded whole (no reduction to the top line), decoded, sampled, interpolated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from latentcomposer.core import Clip, Note
from latentcomposer.core.examples import example_clip
from latentcomposer.data.codecs import NATURAL, REDUCED, best_codec_for_clip, codec_for
from latentcomposer.data.poly import PAD
from latentcomposer.model.checkpoint import build_model, save_model
from latentcomposer.model.engine import Engine, EngineError
from latentcomposer.model.poly_train import get_poly_config
from latentcomposer.model.registry import read_entry


def chords(bars: int = 4) -> Clip:
    """C - Am - F - G as whole-bar triads under a quarter-note top line (4/4, ppq 480)."""
    roots = [(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]
    notes = []
    for b in range(bars):
        for p in roots[b % 4]:
            notes.append(Note(start=b * 1920, pitch=p, end=b * 1920 + 1920, velocity=70))
        for q in range(4):
            notes.append(Note(start=b * 1920 + q * 480, pitch=72 + 2 * q, end=b * 1920 + q * 480 + 480, velocity=96))
    return Clip(notes=tuple(notes), name="chords")


@pytest.fixture(scope="module", params=["tiny_poly_2bar", "tiny_poly_8bar"])
def poly_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = get_poly_config(request.param).model
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("models") / cfg.name
    model = build_model(cfg).eval()
    with torch.no_grad():  # a random model fills every step with 16 notes: make it end steps as music does
        model.decoder.pitch_out.bias[PAD] += 2.0
    save_model(model, cfg, folder, meta={"note": "tiny random piano model"})
    return folder


def test_piano_codec_holds_chords_and_is_chosen_for_them() -> None:
    piano = codec_for("poly")
    clip = chords()
    enc = piano.encode(clip)
    assert enc.tokens.shape == (64, 16, 3) and not enc.warnings
    back = piano.decode(enc.tokens, None, clip, None, "back")
    assert sorted((n.start, n.pitch, n.end, n.velocity) for n in back.notes) == \
        sorted((n.start, n.pitch, n.end, n.velocity) for n in clip.notes)
    assert piano.fit(clip) == NATURAL and piano.fit(example_clip("mary")) == REDUCED
    assert best_codec_for_clip(clip, ["melody", "drums", "poly"]) == "poly"
    assert best_codec_for_clip(example_clip("mary"), ["melody", "drums", "poly"]) == "melody"
    assert "reduced" in codec_for("melody").encode(clip).warnings[0] or codec_for("melody").encode(clip).warnings


def test_registry_reads_piano_models(poly_dir: Path) -> None:
    entry = read_entry(poly_dir)
    assert entry.label.startswith("Piano · ")


def test_piano_model_through_the_engine(poly_dir: Path) -> None:
    eng = Engine.load(poly_dir, device="cpu", warmup=False)
    assert eng.token_shape == (16, 3)
    clip = chords(4)
    code = eng.encode(clip)
    assert code.mu.shape == (-(-4 // eng.window_bars), eng.z_dim)
    assert not [w for w in code.warnings if "highest voice" in w]  # encoded whole
    rec = eng.reconstruct(clip)
    assert rec.clips[0].notes is not None and rec.z is not None
    toks = eng.decode_tokens(code.mu)
    assert toks.shape == (len(code.mu), eng.cfg.n_steps, 16, 3)
    a = eng.sample(2, temperature=0.8, seed=5)
    b = eng.sample(2, temperature=0.8, seed=5)
    assert [c.notes for c in a.clips] == [c.notes for c in b.clips]  # seeded
    inter = eng.interpolate(clip, example_clip("twinkle"), steps=4)
    assert len(inter.clips) == 4
    z = eng.shift(code.mu, "polyphony", 1.0) if eng.attributes else code.mu
    assert z.shape == code.mu.shape
    with pytest.raises(EngineError, match="humanize"):
        eng.humanize(clip)
    # search decoding is not defined for note trees: temperature 0 is greedy either way
    eng.set_decoding("search")
    assert np.array_equal(eng.decode_tokens(code.mu), toks)


def test_attribute_table_measures_piano_windows() -> None:
    table = codec_for("poly").attributes()
    w = codec_for("poly").encode(chords(2)).tokens
    assert table["polyphony"][0](w) == pytest.approx(1.75)  # per bar: 4 onsets, 3 + 1 + 1 + 1 + 1 notes
    assert table["density"][0](w) == pytest.approx(7.0)
    assert 0 < table["activity"][0](w) <= 1


def test_cli_reconstruct_and_sample_with_a_piano_model(poly_dir: Path, tmp_path: Path) -> None:
    from latentcomposer.cli import main
    from latentcomposer.io.midifile import write_midi

    src = tmp_path / "chords.mid"
    write_midi(src, [chords(4)])
    out = tmp_path / "rec.mid"
    assert main(["reconstruct", "--model", str(poly_dir), str(src), "-o", str(out), "--device", "cpu"]) == 0
    assert out.read_bytes().startswith(b"MThd")  # (a random model may well decode silence)
    assert main(["sample", "--model", str(poly_dir), "-n", "1", "-o", str(tmp_path / "s.mid"),
                 "--device", "cpu"]) == 0
    write_midi(tmp_path / "long.mid", [chords(4)])
    report = tmp_path / "eval.json"
    assert main(["eval", "--model", str(poly_dir), "--data", str(tmp_path / "long.mid"), "--json", str(report),
                 "--device", "cpu"]) == 0
    figures = json.loads(report.read_text())
    assert 0.0 <= figures["figures"]["f1"] <= 1.0 and figures["windows"] > 0


def test_decoded_notes_end_with_the_clip() -> None:
    piano = codec_for("poly")
    a = piano.encode(chords(1)).tokens
    a[14, 0] = (60, 32, 90)  # a note two steps before the end, 32 steps long
    clip = piano.decode(a, None, chords(1), None, "x")
    assert max(n.end for n in clip.notes) <= 16 * 120
