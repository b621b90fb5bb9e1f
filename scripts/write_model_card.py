"""Write models/<name>/MODEL_CARD.md from what the model folder records.

Reads config.json (architecture, training meta), eval_test.json (`latentcomposer eval --data test
--json`), attributes_report.json (`latentcomposer attributes --json`), slider_units.json
(`scripts/slider_units.py`) and, if present, extra notes in
models/<name>/card_notes.md (known limits, comparisons). Rerun after every retraining.

    python scripts/write_model_card.py mel_2bar [mel_16bar ...]
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from latentcomposer.model.registry import read_entry

ROOT = Path(__file__).resolve().parents[1]

# MusicVAE (Roberts et al. 2018), Table 1: reconstruction accuracy, teacher-forced / sampled
MUSICVAE_TABLE1 = {
    "mel_2bar": ("2-bar melody, flat LSTM", 0.986, 0.951),
    "mel_16bar": ("16-bar melody, hierarchical", 0.919, 0.812),
    "mel_16bar_flat": ("16-bar melody, flat LSTM", 0.883, 0.620),
    "drums_2bar": ("2-bar drums, flat LSTM", 0.979, 0.917),
    "drums_16bar": ("16-bar drums, hierarchical", 0.928, 0.879),
}
TARGETS = {"mel_2bar": 0.95, "mel_16bar": 0.85, "drums_2bar": 0.90, "drums_16bar": 0.88}

MELODY_DATA = """- **Folk tunes** from the `music21` corpus (shipped in its wheel): the Essen Folksong Collection
  (`essenFolksong`), Ryan's Mammoth Collection (1883, public domain) and O'Neill's Music of Ireland
  (1850, public domain), read from ABC with music21. Only 4/4, 2/4 (read in pairs of bars) and 2/2
  tunes; tunes with tuplets or notes off the 16th grid, metre changes or no metre are skipped.
- **POP909** (Wang, Chen, Jiang, Zhang, Xu, Dai, Bin, Xia, ISMIR 2020; MIT licence): the MELODY
  track of each song, placed on the annotated beat grid (`beat_midi.txt`), 4/4 songs only."""
DRUM_DATA = """- **Groove MIDI Dataset v1.0.0** (Gillick, Roberts, Engel, Eck, Bamman, "Learning to Groove with
  Inverse Sequence Transformations", ICML 2019; CC BY 4.0): 4/4 beats and fills by 10 drummers on
  a Roland TD-11, with GMD's official train/validation/test split (`info.csv`)."""


def _encoder_text(cfg: dict, arch: str) -> str:
    if arch == "tvae" or cfg["encoder"] == "transformer":
        causal = arch == "tvae"
        return (f"per bar a BiGRU ({cfg['bar_enc_hidden']} per direction), then a Transformer over the bars"
                f"{' with a causal mask' if causal else ''} (d_model {cfg['d_model']}, {cfg['tf_layers']} layers, "
                f"{cfg['n_heads']} heads); "
                + ("bar t's posterior sees bars 1..t only" if causal else
                   f"bar t's output gives slot t of z ({cfg['bar_z_dim']} dims), every slot seeing all bars"))
    if cfg["encoder"] == "hierarchical":
        return (f"hierarchical (bar BiLSTM {cfg['bar_enc_hidden']} per direction, then BiLSTM "
                f"{cfg['enc_hidden']} over bars)")
    return f"flat BiLSTM {cfg['enc_hidden']} per direction"


def _decoder_text(cfg: dict, arch: str) -> str:
    if arch == "tvae":
        return (f"- Decoder: a causal Transformer over the z sequence ({cfg['tf_layers']} layers) gives each bar a "
                f"context vector; an LSTM {cfg['dec_layers']}x{cfg['dec_hidden']} decodes each bar from it (all "
                "bars as one batch); the context initialises the state and is concatenated to every input.")
    if cfg["decoder"] != "hierarchical":
        return (f"- Decoder: LSTM {cfg['dec_layers']}x{cfg['dec_hidden']} over the window; z initialises the "
                "state and is concatenated to every input (MusicVAE).")
    feed = ("its input at bar t is a projection of z's slot t"
            + (", with a linear skip from that input to its output" if cfg.get("conductor_residual") else "")
            if cfg.get("conductor_input") == "slots" else "its inputs are zeros (MusicVAE)")
    return (f"- Decoder: conductor LSTM {cfg['conductor_layers']}x{cfg['conductor_hidden']} (z initialises its "
            f"state; {feed}) -> one embedding per bar -> LSTM {cfg['dec_layers']}x{cfg['dec_hidden']} per bar "
            "(all bars decoded as one batch); the embedding initialises the bar's state and is concatenated "
            "to every input (MusicVAE).")


def fmt(x: object, nd: int = 3) -> str:
    return f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def card(name: str) -> str:
    folder = ROOT / "models" / name
    entry = read_entry(folder)  # config.json of either format
    cfg, meta = dataclasses.asdict(entry.cfg), entry.meta
    ev = json.loads((folder / "eval_test.json").read_text()) if (folder / "eval_test.json").exists() else None
    attr = (json.loads((folder / "attributes_report.json").read_text())
            if (folder / "attributes_report.json").exists() else None)
    notes = (folder / "card_notes.md").read_text() if (folder / "card_notes.md").exists() else ""
    size_mb = (folder / "model.safetensors").stat().st_size / 2**20
    drums = cfg.get("representation") == "drums"
    arch = cfg.get("architecture", "musicvae")
    lines = [f"# {name}", ""]
    kind = "drum" if drums else "melody"
    what = {"musicvae": f"A MusicVAE-style {cfg['n_bars']}-bar {kind} VAE "
                        f"({'hierarchical' if cfg['decoder'] == 'hierarchical' else 'flat'} decoder)",
            "tvae": f"A bar-level Transformer VAE ({cfg['n_bars']} bars, one latent per bar)"}[arch]
    lines += [f"{what}, trained on real music; it powers latentcomposer's sliders, interpolation and "
              "sampling.", ""]
    lines += ["## Architecture", ""]
    lines += [f"- Representation: {'9 drum classes per 16th step (512 tokens), velocity bins and microtiming offsets per hit' if drums else '130 tokens per 16th step (note-on 0-127, note-off, no-event), monophonic'}; "
              f"window {cfg['n_bars']} bars = {cfg['n_bars'] * cfg['steps_per_bar']} steps.",
              f"- Encoder: {_encoder_text(cfg, arch)}.",
              f"- Latent: z = {cfg['z_dim']} dims"
              + (f" ({cfg['n_bars']} bars x {cfg['bar_z_dim']})" if cfg.get("bar_z_dim") else "") + ".",
              _decoder_text(cfg, arch),
              f"- Weights: {size_mb:.1f} MB (float16 safetensors; computed in float32).", ""]
    tc = dataclasses.asdict(entry.training) if entry.training is not None else {}
    data = meta.get("data", {})
    lines += ["## Data and split", "", DRUM_DATA if drums else MELODY_DATA, ""]
    tunes = data.get("tunes", {})
    if tunes:
        by = tunes.get("by_source_and_split", {})
        lines += ["| source | train | valid | test |", "| --- | --- | --- | --- |"]
        for src, d in by.items():
            lines.append(f"| {src} | {d.get('train', 0)} | {d.get('valid', 0)} | {d.get('test', 0)} |")
        lines += ["", "Split by tune (a hash of source and tune id: 90/5/5), never by window; no training run "
                  "reads the test split.", ""]
        if tunes.get("skipped"):
            sk = {k: v for k, v in tunes["skipped"].items() if not k.startswith("kept, ")}
            kept = {k[len("kept, "):]: v for k, v in tunes["skipped"].items() if k.startswith("kept, ")}
            lines += [f"Skipped while reading ({sum(sk.values())} tunes): "
                      + ", ".join(f"{k} {v}" for k, v in sorted(sk.items(), key=lambda kv: -kv[1])), ""]
            if kept:
                lines += ["Kept with a caveat: " + ", ".join(f"{k} {v}" for k, v in kept.items()) + ".", ""]
    hop = int(tc.get("hop_steps", 16))
    hop_text = "one bar" if hop == cfg["steps_per_bar"] else f"{hop} steps for training (one bar for validation and test)"
    if not drums:
        augment = "; random transposition of up to +-5 semitones while training"
    else:
        parts = [f"{tc[k]:.0%} of the windows {what}" for k, what in (
            ("kit_swap", "swap the closed hi-hat and ride parts"), ("tom_shuffle", "get their three toms permuted"),
            ("ghost_drop", "lose their ghost notes (velocity bins 0-1)")) if tc.get(k)]
        augment = ("; while training, " + ", ".join(parts)) if parts else ""
    lines += [f"Windows of {cfg['n_bars']} bars with a hop of {hop_text}; windows that are mostly rests and "
              f"exact duplicates within a tune are dropped{augment}.",
              f"Training windows: {data.get('train_windows', '?')}; validation windows: "
              f"{data.get('valid_windows', '?')}.", ""]
    lines += ["## Training", "",
              f"- Loss: reconstruction + beta * max(KL - free bits, 0), beta {tc.get('beta')} (annealed "
              f"from 0 over {tc.get('kl_anneal_steps')} steps), free bits {tc.get('free_bits')} nats"
              + (" (split evenly per bar)" if arch == "tvae" else "") + ".",
              f"- Adam, learning rate {tc.get('learning_rate')} decaying x{tc.get('lr_decay')} per step "
              f"to {tc.get('min_learning_rate')}; batch {tc.get('batch_size')}; gradient clip "
              f"{tc.get('grad_clip')}"
              + (f"; dropout {tc['dec_dropout']} on the decoder LSTM's inputs and outputs" if tc.get("dec_dropout")
                 else "")
              + (f"; word dropout {tc['input_dropout']}" if tc.get("input_dropout") else "") + ".",
              f"- Steps: {meta.get('trained_steps')} ({meta.get('windows_seen')} windows seen), "
              f"{meta.get('train_wall_seconds', 0) / 3600:.1f} h on {meta.get('device')}.",
              "- Resume: `latentcomposer train --config " + name + "` (checkpoint in the user cache), or "
              "`--init-from models/" + name + "` on a machine without it.", ""]
    lines += ["## Results on the test split", ""]
    ref = MUSICVAE_TABLE1.get(name)
    if ev:
        search = ev.get("search_accuracy")
        beam = ev.get("search_beam", 0)
        scol = f" search, beam {beam} |" if search is not None else ""
        lines += ["| | teacher-forced | sampled (greedy) |" + scol + " KL (nats) |",
                  "| --- | --- | --- |" + (" --- |" if search is not None else "") + " --- |",
                  f"| **{name}** ({ev['windows']} test windows) | {fmt(ev['teacher_forced_accuracy'])} | "
                  f"{fmt(ev['sampled_accuracy'])} |" + (f" {fmt(search)} |" if search is not None else "")
                  + f" {ev['kl']:.1f} |"]
        if ref:
            lines.append(f"| MusicVAE Table 1, {ref[0]} | {ref[1]} | {ref[2]} |"
                         + (" - |" if search is not None else "") + " - |")
        lines.append("")
        lines.append(f"Sampled accuracy on steps that hold an event (not 'no event'): "
                     f"{fmt(ev.get('sampled_event_accuracy'))}"
                     + (f" greedy, {fmt(ev.get('search_event_accuracy'))} with search." if search is not None
                        else "."))
        if search is not None:
            lines += ["", "Sampled (greedy) is MusicVAE's protocol: z = posterior mean, each step the argmax, fed "
                      "back. Search is what the app and the verbs decode with at temperature 0: beam search "
                      f"({beam} beams; per bar for bar-wise decoders), then the beam that the encoder reads back "
                      "nearest z (model/search.py). Neither looks at the input beyond z.", ""]
        if ev.get("velocity_accuracy") is not None:
            lines.append(f"Drum dynamics (teacher-forced, on hits): velocity-bin accuracy "
                         f"{fmt(ev['velocity_accuracy'])}, mean microtiming error {fmt(ev['offset_mae'])} steps.")
        f1 = ev.get("hit_f1")
        if f1:
            lines += ["", "Hits in the greedy reconstructions (F1 per drum class; a per-step token match counts "
                      "a step wrong when any of its 9 classes is wrong):", "",
                      "| " + " | ".join(f1) + " |", "|" + " --- |" * len(f1),
                      "| " + " | ".join(f"{v:.3f}" for v in f1.values()) + " |", ""]
            sf1 = ev.get("search_hit_f1")
            if sf1:
                lines += ["With search decoding:", "", "| " + " | ".join(sf1) + " |", "|" + " --- |" * len(sf1),
                          "| " + " | ".join(f"{v:.3f}" for v in sf1.values()) + " |", ""]
            if ev.get("soft_hit_recall") is not None:
                lines.append(f"Hits recalled: soft ones (velocity bins 0-2 of 8, ghost notes) "
                             f"{fmt(ev['soft_hit_recall'])}, louder ones {fmt(ev['loud_hit_recall'])}.")
        rep = ev.get("repetition")
        if rep:
            lines += ["", "### Repeated bars (the Transformer VAE paper's claim)", "",
                      f"Test windows with at least one bar that repeats an earlier bar exactly: {rep['windows']} "
                      f"({rep['repeated_bars']} repeats, {rep['first_occurrences']} first occurrences, "
                      f"{rep['other_bars']} other non-silent bars). KL per bar, z = posterior, and the share of "
                      "bars decoded greedily exactly as written:", "",
                      "| bars | mean KL (nats) | decoded exactly |", "| --- | --- | --- |",
                      f"| repeats of an earlier bar | {rep['kl_repeated']:.2f} | {fmt(rep['repeat_reproduced'])} |",
                      f"| their first occurrences | {rep['kl_first']:.2f} | {fmt(rep['first_reproduced'])} |",
                      f"| bars that neither repeat nor are repeated | {rep['kl_other']:.2f} | - |"]
        prior = ev.get("prior")
        if prior:
            temps = list(prior["prior"])
            lines += ["", "### Samples from the prior", "",
                      f"Attribute means of {prior['samples']} decodes per prior and decoding temperature (seeded; "
                      "`latentcomposer eval` prints this table) next to the test windows': z ~ N(0, I) as "
                      "MusicVAE samples, and z from the prior fitted to the training posteriors that "
                      "`sample` and the app use (a mixture of 8 Gaussians, model/prior.py)"
                      + (" ('share in one key': share of windows with at least 90 % of their notes in one "
                         "major scale)" if not drums else "") + ":", "",
                      "| attribute | test data | " + " | ".join(
                          f"{t.split()[0]} prior, t={t.split()[-1]}" if " " in t else f"N(0, I), t={t}"
                          for t in temps) + " |",
                      "| --- | --- |" + " --- |" * len(temps)]
            for a, v in prior["data"].items():
                lines.append(f"| {a} | {v:.3f} | " + " | ".join(f"{prior['prior'][t][a]:.3f}" for t in temps) + " |")
            lines.append("")
        target = TARGETS.get(name)
        if target is not None:
            met = ev["sampled_accuracy"] >= target
            line = f"Target: sampled accuracy >= {target} -- greedy **{'met' if met else 'not met'}**"
            if search is not None:
                line += f"; with search decoding **{'met' if search >= target else 'not met'}**"
            lines.append(line + ".")
        lines.append("")
    else:
        lines += ["Not evaluated yet.", ""]
    if attr:
        lines += ["## Attribute vectors", "",
                  "Mean latent of training windows in an attribute's top quartile minus the bottom "
                  f"quartile's (MusicVAE §5.3), measured on {attr['test_windows']} held-out windows moved "
                  "along each vector in 9 steps (-2..+2): Spearman correlation between the amount and "
                  "the attribute (1 = perfectly monotonic; averaged over the windows where the attribute "
                  "changed at all), the share of windows where it changed, the change of the mean at +1, "
                  "and the mean |Spearman| it causes in the other attributes.", "",
                  "| attribute | Spearman | changed in | change at +1 | side effects (mean abs rho) |",
                  "| --- | --- | --- | --- | --- |"]
        for a, r in attr["report"].items():
            lines.append(f"| {a} | {r['spearman']:.3f} | {r.get('changed_share', 1.0):.0%} | "
                         f"{r['change_at_plus1_pct']:+.1f} % | "
                         f"{r['mean_abs_side_spearman']:.3f} |")
        lines += ["", "MusicVAE reports +398.7 % note density along its density vector.", ""]
    if (folder / "slider_units.json").exists():  # scripts/slider_units.py (this script's folder)
        from slider_units import card_section

        lines += card_section(json.loads((folder / "slider_units.json").read_text()))
    if notes:
        lines += [notes.strip(), ""]
    lines += ["## Licence", "", "Weights: Apache-2.0 (as the code). Training data licences above; "
              + ("keep the GMD attribution (CC BY 4.0) with these weights." if drums else
                 "POP909 is MIT; the folk collections are public domain or shipped with music21."), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    for n in sys.argv[1:]:
        (ROOT / "models" / n / "MODEL_CARD.md").write_text(card(n))
        print(f"wrote models/{n}/MODEL_CARD.md")
