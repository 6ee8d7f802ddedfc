#!/usr/bin/python3
"""Where a training step's time goes, for a few settings of train.py (prints figures; no assertions).

  /usr/bin/python3 tools/demo-model/bench_step.py --threads 2 --steps 20
  /usr/bin/python3 tools/demo-model/bench_step.py --configs "aug-subset=off,channels-last=off" "threads=1"

Each config builds train.py's Trainer and model (same code as training), runs 3 warm-up steps, then times
`--steps` steps (batch 128 concepts, two pictures each, as train.py) split into: batch (sampling, tokenising, positives), augment (incl. normalisation) and
forward+backward+optimizer. Wall seconds and this process's CPU seconds are both printed: on a machine shared with
other work the CPU seconds move less. `aug-subset=off,channels-last=off` is what the shipped train.py did (every
augmentation op computed for the whole batch, then selected; NCHW convolutions): the baseline.
"""
import argparse
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import train as T  # noqa: E402


def config_args(config):
    """'aug-subset=on,channels-last' -> ['--aug-subset', 'on', '--channels-last']"""
    out = []
    for part in filter(None, config.split(",")):
        k, _, v = part.partition("=")
        out += [f"--{k}"] + ([v] if v else [])
    return out


def run(config, threads, steps, batch, data):
    """Times `steps` steps of train.py's Trainer under `config` (train.py options); returns wall s/step."""
    a = T.build_parser().parse_args(["--check-tokenizer", "no", "--threads", str(threads), "--batch", str(batch),
                                     "--out", os.path.join(C.CACHE, "bench")] + (["--data", data] if data else [])
                                    + config_args(config))
    tr = T.Trainer(a)
    cfg = {"vision_widths": [int(w) for w in a.vision_widths.split(",")], "dim": a.dim, "vocab_size": len(tr.vocab),
           "eos_id": tr.tok.sep_id, "max_len": a.max_len, "text_width": a.text_width, "text_layers": a.text_layers,
           "text_heads": a.text_width // 64, "text_ff": 2 * a.text_width}
    model = C.DualEncoder(cfg).to(tr.device)
    if tr.channels_last:
        model.vision.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr)
    tw = {"batch": 0.0, "augment": 0.0, "fwd+bwd+opt": 0.0}
    tc = dict(tw)
    for s in range(steps + 3):
        marks = [(time.perf_counter(), time.process_time())]
        x, ids, mask, pos_m = tr.batch()
        marks.append((time.perf_counter(), time.process_time()))
        px = tr.pixels(x)
        marks.append((time.perf_counter(), time.process_time()))
        loss = tr.loss(model, px, ids, mask, pos_m)[0]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if tr.device.type == "cuda":
            torch.cuda.synchronize()
        marks.append((time.perf_counter(), time.process_time()))
        if s >= 3:
            for k, (m0, m1) in zip(tw, zip(marks, marks[1:])):
                tw[k] += m1[0] - m0[0]
                tc[k] += m1[1] - m0[1]
    wall = sum(tw.values()) / steps
    cpu = sum(tc.values()) / steps
    parts = "  ".join(f"{k} {tw[k] / steps:.3f}s ({100 * tw[k] / steps / wall:.0f}%)" for k in tw)
    print(f"{config or 'default':32s} threads {a.threads}: {wall:.3f} s/step wall, {cpu:.3f} CPU-s/step | {parts}",
          flush=True)
    return wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--data", default=None)
    ap.add_argument("--budget-min", type=float, default=100, help="print how many steps this budget would get")
    ap.add_argument("--configs", nargs="*", default=["aug-subset=off,channels-last=off", "aug-subset=on,channels-last=off",
                             "aug-subset=on,channels-last=on"])
    args = ap.parse_args()
    print(f"torch {torch.__version__}, {args.batch} concepts/step, {args.steps} timed steps, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    for c in args.configs:
        wall = run(c, args.threads, args.steps, args.batch, args.data)
        print(f"{'':32s} -> {math.floor(args.budget_min * 60 / wall):,} steps in {args.budget_min:g} min", flush=True)


if __name__ == "__main__":
    main()
