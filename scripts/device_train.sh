#!/usr/bin/env bash
# Train on a lent GPU machine (the `device` tool), continuing from the weights in models/.
#
# Here, first:   mkdir -p .carry && cp ~/.cache/latentcomposer/{data,poly,trio}/*.npz .carry/
#                (.carry/ is listed in .git/info/exclude; name it in the run's `carry`)
# On the device: bash scripts/device_train.sh MINUTES CONFIG [CONFIG...]
#                e.g. bash scripts/device_train.sh 8 mel_2bar mel_16bar
#                     bash scripts/device_train.sh 8 trio_16bar poly_8bar   (the note-tree trainers too)
# Weights come back under $OUT/<config>/ (fp16 safetensors + config.json, < 16 MB each); copy them
# into models/<config>/ here, then run `latentcomposer eval` and update the model cards.
set -euo pipefail
minutes=${1:?minutes per config}; shift
export LATENTCOMPOSER_CACHE_DIR=${LATENTCOMPOSER_CACHE_DIR:-/tmp/lc-cache}
mkdir -p "$LATENTCOMPOSER_CACHE_DIR"/{data,poly,trio}
cp .carry/*.npz "$LATENTCOMPOSER_CACHE_DIR/data/" 2>/dev/null || true
# the piano and trio corpora live in their own cache folders
[ -f .carry/poly_corpus.npz ] && mv "$LATENTCOMPOSER_CACHE_DIR/data/poly_corpus.npz" "$LATENTCOMPOSER_CACHE_DIR/poly/"
[ -f .carry/trio_corpus.npz ] && mv "$LATENTCOMPOSER_CACHE_DIR/data/trio_corpus.npz" "$LATENTCOMPOSER_CACHE_DIR/trio/"
python3 -m pip install -q --no-deps -e . >/dev/null 2>&1 || true
for cfg in "$@"; do
  init=()
  [ -f "models/$cfg/model.safetensors" ] && init=(--init-from "models/$cfg")
  PYTHONUNBUFFERED=1 python3 -m latentcomposer.cli train --config "$cfg" --device cuda --no-resume \
    --max-minutes "$minutes" --out "${OUT:-out}/$cfg" --work-dir "/tmp/lc-work/$cfg" "${init[@]}"
done
