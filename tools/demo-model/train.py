#!/usr/bin/python3
"""Trains the Vitrine demo dual encoder (CLIP-style) on emoji pictures + CLDR names/tags, on CPU.

Run through build.sh. Reads .cache/manifest.json (build-dataset.mjs), writes .cache/checkpoint.pt,
.cache/tokenizer.json and metrics.json. OpenMoji pictures are used for evaluation only.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import vitrine_tok as vt  # noqa: E402

NAME_TEMPLATES = [
    "{}", "{}", "{}", "a {}", "the {}", "a photo of a {}", "a picture of a {}", "an image of a {}",
    "a product photo of a {}", "{} product", "{} for sale", "buy a {}", "new {}", "a nice {}", "my {}",
    "{} icon", "a {} on a white background", "shop {}", "{} online", "cheap {}",
]
TAG_TEMPLATES = ["{}", "{}", "a {}", "a photo of a {}", "something {}"]


class TextSampler:
    """Prompts for a concept, and which concepts each prompt also describes (for the multi-positive loss)."""

    def __init__(self, concepts, meta, rng):
        self.rng = rng
        self.names, self.tags, self.words = [], [], []
        for c in concepts:
            m = meta[c]
            names = [m["label"]] + [s for s in m["shortcodes"] if s != m["label"]]
            self.names.append(names)
            self.tags.append([t for t in m["tags"] if t not in names])
            self.words.append(set(names) | set(m["tags"]))
        self.by_word = {}
        for i, ws in enumerate(self.words):
            for w in ws:
                self.by_word.setdefault(w, set()).add(i)

    def all_texts(self):
        out = []
        for names, tags in zip(self.names, self.tags):
            for n in names:
                out += [t.format(n) for t in NAME_TEMPLATES]
            for g in tags:
                out += [t.format(g) for t in TAG_TEMPLATES]
        return out

    def sample(self, i):
        """Returns (text, keys): the concept set described is the intersection of by_word[k] for k in keys."""
        r, rng = self.rng.random(), self.rng
        names, tags = self.names[i], self.tags[i]
        if r < 0.55 or not tags:
            n = names[0] if rng.random() < 0.6 else rng.choice(names)
            return rng.choice(NAME_TEMPLATES).format(n), (n,)
        if r < 0.8:
            g = rng.choice(tags)
            return rng.choice(TAG_TEMPLATES).format(g), (g,)
        if r < 0.9 and len(tags) >= 2:
            a, b = rng.sample(tags, 2)
            return f"{a} {b}", (a, b)
        g, n = rng.choice(tags), rng.choice(names)
        return f"{g} {n}", (g, n)

    def positives(self, keys):
        s = set(self.by_word[keys[0]])
        for k in keys[1:]:
            s &= self.by_word[k]
        return s


# ------------------------------------------------------------------------------------------- augmentation
def _rand(n, g):
    return torch.rand(n, generator=g)


def _sobel(x):
    """Edge strength (max over colour channels) via separable 3-tap filters written as shifted differences
    (grouped convolutions are very slow on CPU)."""
    p = F.pad(x, (1, 1, 1, 1), mode="replicate")
    sy = p[..., :-2, :] + 2 * p[..., 1:-1, :] + p[..., 2:, :]  # smooth along H
    sx = p[..., :, :-2] + 2 * p[..., :, 1:-1] + p[..., :, 2:]  # smooth along W
    gx = (sy[..., 2:] - sy[..., :-2]) / 8
    gy = (sx[..., 2:, :] - sx[..., :-2, :]) / 8
    return (gx * gx + gy * gy).sqrt().amax(1, keepdim=True)


def _blur(x):
    p = F.pad(x, (1, 1, 1, 1), mode="replicate")
    h = (p[..., :, :-2] + 2 * p[..., :, 1:-1] + p[..., :, 2:]) / 4
    return (h[..., :-2, :] + 2 * h[..., 1:-1, :] + h[..., 2:, :]) / 4


def _maxpool3(x):
    p = F.pad(x, (1, 1, 1, 1), mode="replicate")
    h = torch.maximum(torch.maximum(p[..., :, :-2], p[..., :, 1:-1]), p[..., :, 2:])
    return torch.maximum(torch.maximum(h[..., :-2, :], h[..., 1:-1, :]), h[..., 2:, :])


def _pick(mask, a, b):
    return torch.where(mask.view(-1, 1, 1, 1), a, b)


def augment(x, g, strength=1.0):
    """Batched, style-removing augmentation of [N,3,64,64] images in [0,1] on white. Aims at pictures in an
    unseen drawing style: outlines (OpenMoji), flat vs shaded fills, other colours, stroke width, framing."""
    n = x.shape[0]
    # colour: hue rotation in YIQ (keeps white white), saturation, darkness scale, grayscale
    yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    inv = torch.linalg.inv(yiq)
    h = (_rand(n, g) * 2 - 1) * math.pi * (_rand(n, g) < 0.5)
    sat = torch.where(_rand(n, g) < 0.2, torch.zeros(n), 0.5 + _rand(n, g))  # 20% grayscale
    cs, sn = torch.cos(h) * sat, torch.sin(h) * sat
    rot = torch.zeros(n, 3, 3)
    rot[:, 0, 0] = 1
    rot[:, 1, 1], rot[:, 1, 2], rot[:, 2, 1], rot[:, 2, 2] = cs, -sn, sn, cs
    m = inv @ rot @ yiq
    x = torch.einsum("nij,njhw->nihw", m, x)
    dark = 0.75 + 0.5 * _rand(n, g)
    x = (1 - (1 - x) * dark.view(-1, 1, 1, 1)).clamp(0, 1)

    # drawing style
    r = _rand(n, g)
    flat = ((_blur(x) * 4).round() / 4).clamp(0, 1)  # posterised "flat design"
    x = _pick((r < 0.2 * strength), flat, x)
    edges = _sobel(x)
    thr = 0.08 + 0.12 * _rand(n, g).view(-1, 1, 1, 1)
    lines = ((edges - thr) * 8).clamp(0, 1)
    thick = _maxpool3(lines)
    lines = _pick(_rand(n, g) < 0.5, thick, lines)
    r2 = _rand(n, g)
    outlined = x * (1 - lines)
    lineart = (1 - lines).expand(-1, 3, -1, -1)
    x = _pick(r2 < 0.35 * strength, outlined, x)
    x = _pick((r2 >= 0.35 * strength) & (r2 < 0.45 * strength), lineart, x)
    # stroke width: dark strokes thicker (min-pool) or thinner (max-pool), blur, low resolution
    r3 = _rand(n, g)
    x = _pick(r3 < 0.12, -_maxpool3(-x), x)
    x = _pick((r3 >= 0.12) & (r3 < 0.2), _maxpool3(x), x)
    x = _pick(_rand(n, g) < 0.2, _blur(x), x)
    low = F.interpolate(F.interpolate(x, size=32, mode="bilinear", align_corners=False, antialias=True),
                        size=64, mode="bilinear", align_corners=False)
    x = _pick(_rand(n, g) < 0.1, low, x)

    # geometry: rotation, zoom, aspect, translation, flip; white fill outside
    ang = (_rand(n, g) * 2 - 1) * math.radians(20)
    zoom = torch.exp((_rand(n, g) * 2 - 1) * math.log(1.35))
    asp = torch.exp((_rand(n, g) * 2 - 1) * math.log(1.15))
    flip = torch.where(_rand(n, g) < 0.5, -1.0, 1.0)
    t = (torch.rand(2, n, generator=g) * 2 - 1) * 0.15
    keep = _rand(n, g) < 0.15
    ca, sa = torch.cos(ang), torch.sin(ang)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = ca * zoom * asp * flip
    theta[:, 0, 1] = -sa * zoom
    theta[:, 1, 0] = sa * zoom * asp * flip
    theta[:, 1, 1] = ca * zoom / asp
    theta[:, 0, 2], theta[:, 1, 2] = t[0], t[1]
    theta[keep] = torch.tensor([[1.0, 0, 0], [0, 1, 0]])
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = 1 - F.grid_sample(1 - x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    # cutout: a white rectangle hides part of the object
    cut = _rand(n, g) < 0.15
    if cut.any():
        yy = torch.arange(64).view(1, 64, 1)
        xx = torch.arange(64).view(1, 1, 64)
        cy, cx = (torch.rand(2, n, generator=g) * 64).long()
        hh = (8 + _rand(n, g) * 16).long()
        box = ((yy - cy.view(-1, 1, 1)).abs() < hh.view(-1, 1, 1)) & ((xx - cx.view(-1, 1, 1)).abs() < hh.view(-1, 1, 1))
        x = torch.where((box & cut.view(-1, 1, 1)).unsqueeze(1), torch.ones_like(x), x)
    return x.clamp(0, 1)


# ------------------------------------------------------------------------------------------------ training
def soft_ce(logits, targets):
    return -(targets * logits.log_softmax(-1)).sum(-1).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--batch", type=int, default=128, help="distinct concepts per step (two pictures each)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-len", type=int, default=32)
    ap.add_argument("--vision-widths", default="24,48,96,192")
    ap.add_argument("--text-width", type=int, default=192)
    ap.add_argument("--text-layers", type=int, default=3)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--ii-weight", type=float, default=1.0, help="weight of the image-image (two styles) loss")
    ap.add_argument("--aug", type=float, default=1.0, help="strength of the drawing-style augmentations")
    ap.add_argument("--eval-every", type=int, default=0)
    ap.add_argument("--init", default=None, help="checkpoint to continue from (second, lower-LR phase)")
    ap.add_argument("--out", default=C.CACHE)
    ap.add_argument("--metrics", default=os.path.join(C.HERE, "metrics.json"))
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()

    concepts, meta, images = C.load_images(C.load_manifest())
    n_con = len(concepts)
    sampler = TextSampler(concepts, meta, rng)
    vocab = vt.build_vocab(sampler.all_texts())
    tok = vt.WordPieceTokenizer(vocab, args.max_len)
    os.makedirs(args.out, exist_ok=True)
    tok_path = os.path.join(args.out, "tokenizer.json")
    vt.save(vocab, tok_path)
    check_tokenizer_parity(tok, tok_path, sampler.all_texts()[:2000] + [meta[c]["label"] for c in concepts])

    train_imgs = [[images[s][i] for s in C.TRAIN_STYLES if images[s][i] is not None] for i in range(n_con)]
    print(f"{n_con} concepts, {sum(map(len, train_imgs))} training pictures, vocab {len(vocab)}, "
          f"data ready in {time.time() - t0:.1f}s", flush=True)

    cfg = {"vision_widths": [int(w) for w in args.vision_widths.split(",")], "dim": args.dim,
           "vocab_size": len(vocab), "eos_id": tok.sep_id, "max_len": args.max_len, "text_width": args.text_width,
           "text_layers": args.text_layers, "text_heads": args.text_width // 64, "text_ff": 2 * args.text_width}
    prev = None
    if args.init:
        ck = torch.load(args.init, map_location="cpu")
        if ck["cfg"] != cfg:
            raise SystemExit(f"--init checkpoint has another architecture/vocabulary: {ck['cfg']} vs {cfg}")
        prev = ck["summary"]
    model = C.DualEncoder(cfg)
    if args.init:
        model.load_state_dict(ck["state"])
    n_vis = sum(p.numel() for p in model.vision.parameters())
    n_txt = sum(p.numel() for p in model.text.parameters())
    print(f"params: vision {n_vis:,}  text {n_txt:,}", flush=True)

    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "tok" not in n and "pos" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "tok" not in n and "pos" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0}],
                            lr=args.lr, betas=(0.9, 0.98))
    warm = max(1, int(0.05 * args.steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / (args.steps - warm))))

    order, pos = [], 0
    t_train = time.time()
    for step in range(args.steps):
        model.train()
        if pos + args.batch > len(order):
            order, pos = list(range(n_con)), 0
            rng.shuffle(order)
        batch = order[pos: pos + args.batch]
        pos += args.batch
        v1, v2, texts, keys = [], [], [], []
        for i in batch:
            pics = train_imgs[i]
            a, b = rng.sample(range(len(pics)), 2) if len(pics) >= 2 else (0, 0)
            v1.append(pics[a])
            v2.append(pics[b])
            t, k = sampler.sample(i)
            texts.append(t)
            keys.append(k)
        x = torch.stack(v1 + v2).float() / 255.0
        x = C.normalize_pixels(augment(x, gen, args.aug))
        ids, mask = tok.encode_batch(texts)
        ids, mask = torch.tensor(ids), torch.tensor(mask)
        L = int(mask.sum(1).max())
        ids, mask = ids[:, :L], mask[:, :L]
        pos_m = torch.zeros(len(batch), len(batch))  # [image concept, text]
        for j, k in enumerate(keys):
            ps = sampler.positives(k)
            for r, i in enumerate(batch):
                if i in ps:
                    pos_m[r, j] = 1.0

        img = F.normalize(model.vision(x), dim=-1)
        txt = F.normalize(model.text(ids, mask), dim=-1)
        i1, i2 = img[: len(batch)], img[len(batch):]
        scale = model.logit_scale.clamp(max=math.log(100)).exp()
        loss_it = 0
        for iv in (i1, i2):
            lg = scale * iv @ txt.T
            loss_it = loss_it + 0.5 * (soft_ce(lg, pos_m / pos_m.sum(1, keepdim=True))
                                       + soft_ce(lg.T, pos_m.T / pos_m.T.sum(1, keepdim=True)))
        eye = torch.arange(len(batch))
        lii = scale * i1 @ i2.T
        loss_ii = 0.5 * (F.cross_entropy(lii, eye) + F.cross_entropy(lii.T, eye))
        loss = loss_it / 2 + args.ii_weight * loss_ii
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 25 == 0 or step == args.steps - 1:
            el = time.time() - t_train
            print(f"step {step:5d}/{args.steps} loss {loss.item():.3f} (it {loss_it.item() / 2:.3f} ii "
                  f"{loss_ii.item():.3f}) scale {scale.item():.1f} lr {sched.get_last_lr()[0]:.2e} "
                  f"{el / (step + 1):.2f}s/step, eta {el / (step + 1) * (args.steps - step - 1) / 60:.1f} min",
                  flush=True)
        if args.eval_every and step and step % args.eval_every == 0:
            m = C.evaluate(model, tok, concepts, meta, images)
            print("  eval", json.dumps({k: [v["R@1"], v["R@10"]] for k, v in m.items()}), flush=True)

    train_s = time.time() - t_train
    model.eval()
    # The ONNX files store weights in float16 (half the size); round here so metrics describe the shipped model.
    with torch.no_grad():
        for t in list(model.parameters()) + [b for b in model.buffers() if b.is_floating_point()]:
            t.copy_(t.half().float())
    metrics = C.evaluate(model, tok, concepts, meta, images)
    summary = {
        "command": " ".join(["/usr/bin/python3", "tools/demo-model/train.py"] + sys.argv[1:]),
        "seed": args.seed, "steps": args.steps, "batch_concepts": args.batch,
        "train_seconds": round(train_s + (prev["train_seconds"] if prev else 0), 1),
        "total_seconds": round(time.time() - t0, 1),
        "threads": args.threads, "torch": torch.__version__,
        "params": {"vision": n_vis, "text": n_txt},
        "eval_protocol": {
            "text_to_image_openmoji": "query = CLDR name of the concept, gallery = one OpenMoji (colour, unseen style)"
                                      " picture per concept",
            "image_to_image_openmoji_to_catalog": "query = OpenMoji picture, gallery = the catalog picture of each "
                                                  "concept (fluent-3d, google where fluent-3d lacks it)",
        },
        "metrics": metrics,
    }
    if prev:
        summary["phases"] = (prev.get("phases") or [{k: prev[k] for k in ("command", "steps", "train_seconds")}]) + [
            {"command": summary["command"], "steps": args.steps, "train_seconds": round(train_s, 1)}]
        summary["steps"] = args.steps + prev["steps"]
    print(json.dumps(metrics, indent=1))
    with open(args.metrics, "w") as f:
        json.dump(summary, f, indent=1)
    torch.save({"cfg": cfg, "state": model.state_dict(), "summary": summary}, os.path.join(args.out, "checkpoint.pt"))
    print(f"trained in {train_s / 60:.1f} min; wrote {args.metrics} and {args.out}/checkpoint.pt")


def check_tokenizer_parity(tok, tok_path, texts):
    """The TypeScript side tokenizes with @huggingface/tokenizers: insist on identical ids."""
    extra = ["", "   ", "Running SHOE!", "T-Shirt, jeans & socks...", "Café crème brûlée", "跑鞋 👟", "[CLS] x [SEP]",
             "tab\tnew\nline\u00a0nbsp", "price: $49.99 (20% off)", "woman’s hat", "x" * 150, "a " * 60]
    texts = texts + extra
    tmp = tok_path + ".strings.json"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False)
    try:
        out = subprocess.run(["node", os.path.join(C.HERE, "check_tokenizer.mjs"), tok_path, tmp], check=True,
                             capture_output=True, text=True, cwd=C.HERE).stdout
    finally:
        os.remove(tmp)
    js = json.loads(out)
    bad = [(t, tok.encode(t), j) for t, j in zip(texts, js) if tok.encode(t) != j]
    if bad:
        raise SystemExit(f"tokenizer parity failed on {len(bad)} strings, e.g. {bad[:3]}")
    print(f"tokenizer parity with @huggingface/tokenizers: {len(texts)} strings identical", flush=True)


if __name__ == "__main__":
    main()
