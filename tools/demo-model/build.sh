#!/usr/bin/env bash
# One command for the Vitrine demo model and demo catalog (see README.md):
#   npm install (own package, own lock) -> rasterise dataset -> train (CPU, fixed seed, a wall-clock budget)
#   -> export ONNX + fixtures -> build data/demo-catalog.
# Usage: tools/demo-model/build.sh [--quick]      (--quick: 60 training steps, to check the pipeline)
# BUDGET_MIN (default 100) is the training time on CPU: as many steps as fit, the cosine schedule ending there, so
# the whole build takes about two hours on 2 cores. STEPS=N (with BUDGET_MIN=0) trains an exact step count instead.
set -euo pipefail
cd "$(dirname "$0")"
PY=/usr/bin/python3   # Debian's python with python3-torch / python3-onnx (not the pyenv python on PATH)
STEPS=${STEPS:-1200}
BUDGET_MIN=${BUDGET_MIN:-100}
THREADS=${THREADS:-2}
SEED=${SEED:-1234}
if [[ "${1:-}" == "--quick" ]]; then STEPS=60; BUDGET_MIN=0; fi

if ! "$PY" -c 'import torch, onnx, numpy, PIL' 2>/dev/null; then
  echo "Missing Debian packages. Install with:" >&2
  echo "  apt-get install -y python3-torch python3-onnx python3-numpy python3-pil libopenblas0-pthread" >&2
  exit 1
fi
# torch must use OpenBLAS: Debian's reference BLAS is ~10x slower
if ! readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 | grep -q openblas; then
  echo "warning: libblas.so.3 is not OpenBLAS; install libopenblas0-pthread (training will be ~10x slower)" >&2
fi

export ONNXRUNTIME_NODE_INSTALL=skip  # onnxruntime-node's postinstall downloads GPU files from outside npm
npm ci --no-audit --no-fund --loglevel=error
node build-dataset.mjs
"$PY" train.py --steps "$STEPS" --time-budget-min "$BUDGET_MIN" --threads "$THREADS" --seed "$SEED"
"$PY" export.py
node build-catalog.mjs
"$PY" eval_catalog.py
"$PY" model_card.py
