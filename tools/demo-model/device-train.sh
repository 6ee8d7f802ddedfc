#!/usr/bin/env bash
# One-shot training of the demo model on a CUDA GPU machine (PyTorch 2.x, onnx; no Node.js, no npm packages).
# Reads the packed dataset prepared on the CPU machine (pack_dataset.py: dataset.npz + tokenizer.json, carried as
# tools/demo-model/.cache/device), trains with --device cuda, exports the ONNX graphs, and writes everything under
# $OUT. The parity checks that need Node (check_tokenizer.mjs, check_onnx.mjs) run back on the CPU machine: see
# README.md, "Training on a GPU machine".
#
#   OUT=/some/dir tools/demo-model/device-train.sh            # default: a 6-minute training budget
#   BUDGET_MIN=4 EVAL_EVERY=0 OUT=... tools/demo-model/device-train.sh
#   DEVICE=cpu PY=/usr/bin/python3 BUDGET_MIN=0 STEPS=10 OUT=/tmp/x tools/demo-model/device-train.sh   # smoke test
set -euo pipefail
cd "$(dirname "$0")"
: "${OUT:?set OUT to the folder that comes back}"
PY=${PY:-python3}
DATA=${DATA:-.cache/device}
BUDGET_MIN=${BUDGET_MIN:-6}      # minutes of training; the cosine schedule ends there (steps set from step time)
STEPS=${STEPS:-6000}             # first guess only when BUDGET_MIN > 0; the exact count when BUDGET_MIN=0
EVAL_EVERY=${EVAL_EVERY:-1000}
SEED=${SEED:-1234}
EXTRA=${EXTRA:-}                 # more train.py options, e.g. "--batch 256"
DEVICE=${DEVICE:-cuda}           # DEVICE=cpu runs the same script here, as a smoke test (with PY=/usr/bin/python3)

for f in "$DATA/dataset.npz" "$DATA/tokenizer.json"; do
  [[ -f "$f" ]] || { echo "missing $f: run pack_dataset.py on the CPU machine and carry $DATA" >&2; exit 2; }
done
mkdir -p "$OUT/run" "$OUT/model"
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  "$PY" -c 'import sys, torch, onnx; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda",
    torch.version.cuda, "onnx", onnx.__version__, "gpu", torch.cuda.is_available())' || true
} | tee "$OUT/env.txt"

# shellcheck disable=SC2086
"$PY" train.py --device "$DEVICE" --data "$DATA/dataset.npz" --tokenizer "$DATA/tokenizer.json" --check-tokenizer no \
  --steps "$STEPS" --time-budget-min "$BUDGET_MIN" --eval-every "$EVAL_EVERY" --seed "$SEED" --threads 8 \
  --out "$OUT/run" --metrics "$OUT/run/metrics.json" $EXTRA 2>&1 | tee "$OUT/train.log"

# ONNX graphs + configs + tokenizer (fixtures and the onnxruntime-node check need the CPU machine)
# (a failure here loses nothing: the checkpoint is in $OUT/run and export.py runs the same way on the CPU machine)
cp "$OUT/run/metrics.json" "$OUT/model/metrics.json"
if ! "$PY" export.py --checkpoint "$OUT/run/checkpoint.pt" --out "$OUT/model" --onnx-only > "$OUT/export.log" 2>&1; then
  tail -20 "$OUT/export.log"; echo "ONNX export failed here: export from $OUT/run/checkpoint.pt on the CPU machine"
fi
# onnxruntime for Python, where installed: ONNX vs PyTorch on a few inputs (Node's check runs later, here too)
"$PY" - "$OUT" <<'PY' 2>&1 | tee "$OUT/onnx-check.txt" || true
import sys, torch, numpy as np
sys.path.insert(0, ".")
import common as C, vitrine_tok as vt, json
out = sys.argv[1]
try:
    import onnxruntime as ort
except ImportError:
    sys.exit("onnxruntime (Python) not installed: ONNX checked on the CPU machine only")
ck = torch.load(f"{out}/run/checkpoint.pt", map_location="cpu")
m = C.DualEncoder(ck["cfg"]); m.load_state_dict(ck["state"]); m.eval()
tok = vt.WordPieceTokenizer(json.load(open(f"{out}/model/tokenizer.json", encoding="utf-8"))["model"]["vocab"], 32)
ids, mask = tok.encode_batch(["red shoe", "红色的鞋", "スニーカー", "a photo of a guitar"])
px = torch.rand(3, 3, 64, 64)
with torch.no_grad():
    t_ref, v_ref = m.text(torch.tensor(ids), torch.tensor(mask)).numpy(), m.vision(px).numpy()
t = ort.InferenceSession(f"{out}/model/onnx/text_model.onnx").run(None, {"input_ids": np.array(ids, np.int64),
                                                                      "attention_mask": np.array(mask, np.int64)})[0]
v = ort.InferenceSession(f"{out}/model/onnx/vision_model.onnx").run(None, {"pixel_values": px.numpy()})[0]
cos = lambda a, b: (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
print("onnxruntime", ort.__version__, "text cosine", cos(t, t_ref).round(6), "image cosine", cos(v, v_ref).round(6))
PY
ls -la "$OUT/model" "$OUT/model/onnx" "$OUT/run"
echo "done: bring $OUT back and finish on the CPU machine (README.md, 'Training on a GPU machine')"
