#!/usr/bin/python3
"""Trains the Vitrine demo dual encoder (CLIP-style) on emoji pictures + CLDR names/tags in several languages, on
CPU (Debian torch 1.13) or on a CUDA GPU (torch 2.x: model, batches and augmentation all on the device).

Run through build.sh (CPU) or device-train.sh (GPU). Reads .cache/manifest.json (build-dataset.mjs) or a packed
dataset (pack_dataset.py), writes <out>/checkpoint.pt, <out>/tokenizer.json and metrics.json. OpenMoji pictures are
used for evaluation only.
"""
import argparse
import json
import math
import os
import random
import shutil
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
# Per language: (name templates, tag templates). The bare name comes up most often, as in English.
TEMPLATES = {
    "en": (NAME_TEMPLATES, TAG_TEMPLATES),
    "zh": (["{}", "{}", "{}", "一个{}", "{}的照片", "一张{}的图片", "{}出售", "买{}", "新款{}", "{}图标", "便宜的{}",
            "网购{}", "我的{}", "白色背景上的{}"], ["{}", "{}", "{}的东西"]),
    "ja": (["{}", "{}", "{}", "{}の写真", "{}の画像", "{}を買う", "新しい{}", "{}のアイコン", "安い{}", "{}の通販"],
           ["{}", "{}"]),
    "de": (["{}", "{}", "{}", "ein foto von {}", "bild: {}", "{} kaufen", "neu: {}", "{} online", "{} günstig",
            "{} symbol"], ["{}", "{}"]),
    "fr": (["{}", "{}", "{}", "une photo de {}", "image de {}", "{} à vendre", "acheter {}", "{} pas cher",
            "{} en ligne", "icône {}"], ["{}", "{}"]),
    "es": (["{}", "{}", "{}", "una foto de {}", "imagen de {}", "{} en venta", "comprar {}", "{} barato",
            "{} en línea", "icono de {}"], ["{}", "{}"]),
}
DEFAULT_LANG_WEIGHTS = "en=0.5,zh=0.2,ja=0.075,de=0.075,fr=0.075,es=0.075"


def parse_weights(spec):
    w = {}
    for part in spec.split(","):
        k, _, v = part.partition("=")
        if k.strip() not in TEMPLATES:
            raise SystemExit(f"--lang-weights: unknown language {k!r} (known: {', '.join(TEMPLATES)})")
        w[k.strip()] = float(v)
    if w.get("en", 0) <= 0:
        raise SystemExit("--lang-weights: English must keep a weight > 0")
    return w


class TextSampler:
    """Prompts for a concept in one of several languages, and which concepts each prompt also describes (for the
    multi-positive loss). The language is drawn per text with `lang_weights` (renormalised over the languages the
    concept has a name in), so English keeps its share whatever the others do."""

    def __init__(self, concepts, meta, rng, lang_weights=None):
        self.rng = rng
        self.lang_weights = lang_weights or {"en": 1.0}
        self.langs = list(self.lang_weights)
        self.names = {lang: [] for lang in self.langs}
        self.tags = {lang: [] for lang in self.langs}
        self.words = []
        for c in concepts:
            m = meta[c]
            ws = set()
            for lang in self.langs:
                if lang == "en":
                    names = [m["label"]] + [s for s in m["shortcodes"] if s != m["label"]]
                    tags = m["tags"]
                else:
                    loc = (m.get("i18n") or {}).get(lang)
                    names, tags = ([loc["label"]], loc["tags"]) if loc else ([], [])
                self.names[lang].append(names)
                self.tags[lang].append([t for t in tags if t not in names])
                ws |= set(names) | set(tags)
            self.words.append(ws)
        self.by_word = {}
        for i, ws in enumerate(self.words):
            for w in ws:
                self.by_word.setdefault(w, set()).add(i)

    def all_texts(self, langs=("en",)):
        out = []
        for lang in langs:
            name_t, tag_t = TEMPLATES[lang]
            for names, tags in zip(self.names[lang], self.tags[lang]):
                for n in names:
                    out += [t.format(n) for t in name_t]
                for g in tags:
                    out += [t.format(g) for t in tag_t]
        return out

    def raw_texts(self, lang):
        """Names and tags as CLDR has them, one entry per concept (word counts = how many concepts use a word)."""
        return [x for names, tags in zip(self.names[lang], self.tags[lang]) for x in names + tags]

    def sample(self, i):
        """Returns (text, keys): the concept set described is the intersection of by_word[k] for k in keys."""
        rng = self.rng
        langs = [lang for lang in self.langs if self.names[lang][i]]
        lang = langs[0] if len(langs) == 1 else rng.choices(langs, [self.lang_weights[x] for x in langs])[0]
        name_t, tag_t = TEMPLATES[lang]
        names, tags = self.names[lang][i], self.tags[lang][i]
        r = rng.random()
        if r < 0.55 or not tags:
            n = names[0] if rng.random() < 0.6 else rng.choice(names)
            return rng.choice(name_t).format(n), (n,)
        if r < 0.8:
            g = rng.choice(tags)
            return rng.choice(tag_t).format(g), (g,)
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
    return torch.rand(n, generator=g, device=g.device)


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


def _apply(x, mask, fn, subset):
    """x with fn applied where mask is true. subset=True runs fn only on those rows (much cheaper on a CPU, where
    most ops touch a fifth of the batch); subset=False computes it for all rows and selects (no host sync, better
    on a GPU)."""
    if not subset:
        return torch.where(mask.view(-1, 1, 1, 1), fn(x), x)
    idx = mask.nonzero().flatten()
    if idx.numel() == 0:
        return x
    x = x.clone()
    x[idx] = fn(x[idx])
    return x


def augment(x, g, strength=1.0, subset=None):
    """Batched, style-removing augmentation of [N,3,64,64] images in [0,1] on white. Aims at pictures in an
    unseen drawing style: outlines (OpenMoji), flat vs shaded fills, other colours, stroke width, framing.
    Runs on x's device; every random draw comes from `g` (a generator on the same device)."""
    n, dev = x.shape[0], x.device
    if subset is None:
        subset = dev.type == "cpu"
    # colour: hue rotation in YIQ (keeps white white), saturation, darkness scale, grayscale
    yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], device=dev)
    inv = torch.linalg.inv(yiq)
    h = (_rand(n, g) * 2 - 1) * math.pi * (_rand(n, g) < 0.5)
    sat = torch.where(_rand(n, g) < 0.2, torch.zeros(n, device=dev), 0.5 + _rand(n, g))  # 20% grayscale
    cs, sn = torch.cos(h) * sat, torch.sin(h) * sat
    rot = torch.zeros(n, 3, 3, device=dev)
    rot[:, 0, 0] = 1
    rot[:, 1, 1], rot[:, 1, 2], rot[:, 2, 1], rot[:, 2, 2] = cs, -sn, sn, cs
    m = inv @ rot @ yiq
    x = torch.einsum("nij,njhw->nihw", m, x)
    dark = 0.75 + 0.5 * _rand(n, g)
    x = (1 - (1 - x) * dark.view(-1, 1, 1, 1)).clamp(0, 1)

    # drawing style
    r = _rand(n, g)
    x = _apply(x, r < 0.2 * strength, lambda v: ((_blur(v) * 4).round() / 4).clamp(0, 1), subset)  # flat design
    thr = 0.08 + 0.12 * _rand(n, g)
    thick = _rand(n, g) < 0.5
    r2 = _rand(n, g)
    outline = r2 < 0.35 * strength
    lineart = (r2 >= 0.35 * strength) & (r2 < 0.45 * strength)

    def draw_lines(v, t, th, la):
        lines = ((_sobel(v) - t.view(-1, 1, 1, 1)) * 8).clamp(0, 1)
        lines = torch.where(th.view(-1, 1, 1, 1), _maxpool3(lines), lines)
        return torch.where(la.view(-1, 1, 1, 1), (1 - lines).expand(-1, 3, -1, -1), v * (1 - lines))

    styled = outline | lineart
    if subset:
        idx = styled.nonzero().flatten()
        if idx.numel():
            x = x.clone()
            x[idx] = draw_lines(x[idx], thr[idx], thick[idx], lineart[idx])
    else:
        x = torch.where(styled.view(-1, 1, 1, 1), draw_lines(x, thr, thick, lineart), x)
    # stroke width: dark strokes thicker (min-pool) or thinner (max-pool), blur, low resolution
    r3 = _rand(n, g)
    x = _apply(x, r3 < 0.12, lambda v: -_maxpool3(-v), subset)
    x = _apply(x, (r3 >= 0.12) & (r3 < 0.2), _maxpool3, subset)
    x = _apply(x, _rand(n, g) < 0.2, _blur, subset)
    x = _apply(x, _rand(n, g) < 0.1, lambda v: F.interpolate(
        F.interpolate(v, size=32, mode="bilinear", align_corners=False, antialias=True),
        size=64, mode="bilinear", align_corners=False), subset)

    # geometry: rotation, zoom, aspect, translation, flip; white fill outside
    ang = (_rand(n, g) * 2 - 1) * math.radians(20)
    zoom = torch.exp((_rand(n, g) * 2 - 1) * math.log(1.35))
    asp = torch.exp((_rand(n, g) * 2 - 1) * math.log(1.15))
    flip = torch.where(_rand(n, g) < 0.5, -1.0, 1.0)
    t = (torch.rand(2, n, generator=g, device=dev) * 2 - 1) * 0.15
    keep = _rand(n, g) < 0.15
    ca, sa = torch.cos(ang), torch.sin(ang)
    theta = torch.zeros(n, 2, 3, device=dev)
    theta[:, 0, 0] = ca * zoom * asp * flip
    theta[:, 0, 1] = -sa * zoom
    theta[:, 1, 0] = sa * zoom * asp * flip
    theta[:, 1, 1] = ca * zoom / asp
    theta[:, 0, 2], theta[:, 1, 2] = t[0], t[1]
    theta = torch.where(keep.view(-1, 1, 1), torch.tensor([[1.0, 0, 0], [0, 1, 0]], device=dev), theta)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = 1 - F.grid_sample(1 - x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    # cutout: a white rectangle hides part of the object
    cut = _rand(n, g) < 0.15
    yy = torch.arange(64, device=dev).view(1, 64, 1)
    xx = torch.arange(64, device=dev).view(1, 1, 64)
    cy, cx = (torch.rand(2, n, generator=g, device=dev) * 64).long()
    hh = (8 + _rand(n, g) * 16).long()
    box = ((yy - cy.view(-1, 1, 1)).abs() < hh.view(-1, 1, 1)) & ((xx - cx.view(-1, 1, 1)).abs() < hh.view(-1, 1, 1))
    x = torch.where((box & cut.view(-1, 1, 1)).unsqueeze(1), torch.ones_like(x), x)
    return x.clamp(0, 1)


# ------------------------------------------------------------------------------------------------ training
def soft_ce(logits, targets):
    return -(targets * logits.log_softmax(-1)).sum(-1).mean()


def pick_device(name):
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch.cuda.is_available() is False on this machine")
    return torch.device(name)


def build_tokenizer(sampler, max_len, langs):
    """English: every word of the templated training text. Other languages: words used by >= 2 concepts' names and
    tags, plus every character (CJK ideographs included) and the template words."""
    extra = [t for lang in langs if lang != "en" for t in sampler.raw_texts(lang)]
    extra += [t.replace("{}", " ") for lang in langs if lang != "en" for ts in TEMPLATES[lang] for t in ts] * 2
    vocab = vt.build_vocab(sampler.all_texts(), extra)
    return vocab, vt.WordPieceTokenizer(vocab, max_len)


class Trainer:
    """Everything a training step needs; bench_step.py builds one too, so its figures are of the same code."""

    def __init__(self, args):
        self.args = args
        self.device = pick_device(args.device)
        self.channels_last = args.channels_last == "on" or (args.channels_last == "auto" and self.device.type == "cpu")
        if self.device.type == "cuda" and hasattr(torch, "set_default_device"):  # torch >= 2.0
            torch.set_default_device(self.device)
        torch.set_num_threads(args.threads)
        random.seed(args.seed)
        torch.manual_seed(args.seed)
        self.rng = random.Random(args.seed)
        self.gen = torch.Generator(device=self.device).manual_seed(args.seed)
        t0 = time.time()
        self.concepts, self.meta, self.images, self.train_styles = C.load_dataset(args.data)
        styles = [s for s in self.train_styles if s in set(args.styles.split(","))] if args.styles else \
            self.train_styles
        self.n_con = len(self.concepts)
        self.langs = list(parse_weights(args.lang_weights))
        self.sampler = TextSampler(self.concepts, self.meta, self.rng, parse_weights(args.lang_weights))
        if args.tokenizer:
            with open(args.tokenizer, encoding="utf-8") as f:
                self.vocab = json.load(f)["model"]["vocab"]
            self.tok = vt.WordPieceTokenizer(self.vocab, args.max_len)
            self.tok_path = args.tokenizer
        else:
            self.vocab, self.tok = build_tokenizer(self.sampler, args.max_len, self.langs)
            os.makedirs(args.out, exist_ok=True)
            self.tok_path = os.path.join(args.out, "tokenizer.json")
            vt.save(self.vocab, self.tok_path)
        # every training picture in one uint8 tensor on the device; pic_index[i] = rows of concept i
        bank, self.pic_index = [], []
        for i in range(self.n_con):
            rows = []
            for st in styles:
                if self.images[st][i] is not None:
                    rows.append(len(bank))
                    bank.append(self.images[st][i])
            self.pic_index.append(rows)
        self.bank = torch.stack(bank).to(self.device)
        if self.channels_last:
            self.bank = self.bank.contiguous(memory_format=torch.channels_last)
        self.styles = styles
        self.data_seconds = time.time() - t0
        self.order, self.pos = [], 0

    def batch(self):
        """(x uint8 on the device [2B,3,64,64], ids, mask, positives [B,B] built on the CPU then moved)."""
        a = self.args
        if self.pos + a.batch > len(self.order):
            self.order, self.pos = list(range(self.n_con)), 0
            self.rng.shuffle(self.order)
        batch = self.order[self.pos: self.pos + a.batch]
        self.pos += a.batch
        r1, r2, texts, keys = [], [], [], []
        for i in batch:
            pics = self.pic_index[i]
            p, q = self.rng.sample(range(len(pics)), 2) if len(pics) >= 2 else (0, 0)
            r1.append(pics[p])
            r2.append(pics[q])
            t, k = self.sampler.sample(i)
            texts.append(t)
            keys.append(k)
        rows = torch.tensor(r1 + r2, device="cpu").to(self.device)
        x = self.bank.index_select(0, rows)
        ids, mask = self.tok.encode_batch(texts)
        ids, mask = torch.tensor(ids, device="cpu"), torch.tensor(mask, device="cpu")
        L = int(mask.sum(1).max())
        ids, mask = ids[:, :L].to(self.device), mask[:, :L].to(self.device)
        pos_m = torch.zeros(len(batch), len(batch), device="cpu")  # [image concept, text]
        for j, k in enumerate(keys):
            ps = self.sampler.positives(k)
            for r, i in enumerate(batch):
                if i in ps:
                    pos_m[r, j] = 1.0
        return x, ids, mask, pos_m.to(self.device)

    def pixels(self, x_u8):
        x = augment(x_u8.float() / 255.0, self.gen, self.args.aug, None if self.args.aug_subset == "auto"
                    else self.args.aug_subset == "on")
        x = C.normalize_pixels(x)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def loss(self, model, x, ids, mask, pos_m):
        img = F.normalize(model.vision(x), dim=-1)
        txt = F.normalize(model.text(ids, mask), dim=-1)
        b = pos_m.shape[0]
        i1, i2 = img[:b], img[b:]
        scale = model.logit_scale.clamp(max=math.log(100)).exp()
        loss_it = 0
        for iv in (i1, i2):
            lg = scale * iv @ txt.T
            loss_it = loss_it + 0.5 * (soft_ce(lg, pos_m / pos_m.sum(1, keepdim=True))
                                       + soft_ce(lg.T, pos_m.T / pos_m.T.sum(1, keepdim=True)))
        eye = torch.arange(b, device=x.device)
        lii = scale * i1 @ i2.T
        loss_ii = 0.5 * (F.cross_entropy(lii, eye) + F.cross_entropy(lii.T, eye))
        return loss_it / 2 + self.args.ii_weight * loss_ii, loss_it / 2, loss_ii, scale


class Schedule:
    """Linear warm-up over the first 5 % of training, then cosine to 0 at the end. Without a time budget the
    fractions are of `steps`. With one (`budget_s`) they are of the training time (evaluations excluded), so the
    schedule is monotone and the cosine ends when the budget does, however the step time moves with other load
    on the machine; `estimate()` gives the step count that the measured pace predicts, for the log."""

    def __init__(self, steps, budget_s=None, warm_frac=0.05):
        self.steps, self.budget_s, self.warm_frac = steps, budget_s, warm_frac

    def factor(self, step, elapsed_s):
        if self.budget_s:  # fractions of the training clock
            p, w = elapsed_s / self.budget_s, self.warm_frac
            if p < w:
                return max(p / w, 0.01)
            return 0.5 * (1 + math.cos(math.pi * min(1.0, (p - w) / (1 - w))))
        warm = max(1, int(self.warm_frac * self.steps))  # fractions of the step count (as before budgets)
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, self.steps - warm)))

    def done(self, step, elapsed_s):
        return elapsed_s >= self.budget_s if self.budget_s else step >= self.steps

    def estimate(self, step, elapsed_s):
        return int(step * self.budget_s / max(elapsed_s, 1e-9)) if self.budget_s and step else self.steps


def build_parser():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1200, help="training steps (ignored with --time-budget-min)")
    ap.add_argument("--time-budget-min", type=float, default=0,
                    help="train as many steps as fit in this many minutes (warm-up and cosine run on the training "
                         "clock and end at the budget; evaluations during training are not counted)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
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
    ap.add_argument("--aug-subset", default="auto", choices=["auto", "on", "off"],
                    help="run each style op only on the pictures it applies to (auto: on for CPU, off for CUDA)")
    ap.add_argument("--channels-last", default="auto", choices=["auto", "on", "off"],
                    help="NHWC convolutions (auto: on for CPU, where oneDNN runs them ~2x faster; see bench_step.py)")
    ap.add_argument("--lang-weights", default=DEFAULT_LANG_WEIGHTS,
                    help="share of training texts per language; 'en=1' trains English only")
    ap.add_argument("--styles", default="", help="comma-separated training styles (default: all in the dataset)")
    ap.add_argument("--data", default=None, help="packed dataset .npz (pack_dataset.py); default .cache/manifest.json")
    ap.add_argument("--tokenizer", default=None, help="use this tokenizer.json instead of building one")
    ap.add_argument("--check-tokenizer", default="auto", choices=["auto", "yes", "no"],
                    help="compare with @huggingface/tokenizers through node (auto: when node is on PATH)")
    ap.add_argument("--eval-every", type=int, default=0)
    ap.add_argument("--init", default=None, help="checkpoint to continue from (second, lower-LR phase)")
    ap.add_argument("--out", default=C.CACHE)
    ap.add_argument("--metrics", default=os.path.join(C.HERE, "metrics.json"))
    return ap


def main():
    args = build_parser().parse_args()

    t0 = time.time()
    tr = Trainer(args)
    dev = tr.device
    concepts, meta, images, tok, vocab = tr.concepts, tr.meta, tr.images, tr.tok, tr.vocab
    if args.check_tokenizer == "yes" or (args.check_tokenizer == "auto" and shutil.which("node")):
        check_tokenizer_parity(tok, tr.tok_path, tr.sampler.all_texts()[:2000] + tr.sampler.all_texts(tr.langs[1:])[::7]
                               + [meta[c]["label"] for c in concepts])
    else:
        print("tokenizer parity NOT checked here (--check-tokenizer no, or no node): pack_dataset.py --check does it "
              "where Node is", flush=True)
    print(f"{tr.n_con} concepts, {tr.bank.shape[0]} training pictures in {len(tr.styles)} styles "
          f"({', '.join(tr.styles)}), vocab {json.dumps(vt.vocab_stats(vocab))}, languages {tr.langs}, "
          f"device {dev}, data ready in {time.time() - t0:.1f}s", flush=True)

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
    model.to(dev)
    if tr.channels_last:
        model.vision.to(memory_format=torch.channels_last)
    n_vis = sum(p.numel() for p in model.vision.parameters())
    n_txt = sum(p.numel() for p in model.text.parameters())
    print(f"params: vision {n_vis:,}  text {n_txt:,}", flush=True)

    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "tok" not in n and "pos" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "tok" not in n and "pos" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0}],
                            lr=args.lr, betas=(0.9, 0.98))
    budget_s = args.time_budget_min * 60 if args.time_budget_min > 0 else None
    sch = Schedule(args.steps, budget_s)
    for grp in opt.param_groups:
        grp["initial_lr"] = grp["lr"]

    t_train = time.time()
    eval_s = 0.0  # evaluations during training: not training time, and not part of the schedule's clock
    step, el = 0, 0.0
    while not sch.done(step, el):
        model.train()
        lr_f = sch.factor(step, el)
        for grp in opt.param_groups:
            grp["lr"] = grp["initial_lr"] * lr_f
        x, ids, mask, pos_m = tr.batch()
        loss, loss_it, loss_ii, scale = tr.loss(model, tr.pixels(x), ids, mask, pos_m)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        el = time.time() - t_train - eval_s
        total = sch.estimate(step, el)
        if step % 25 == 1 or sch.done(step, el):
            print(f"step {step - 1:5d}/{total}{'~' if budget_s else ''} loss {loss.item():.3f} (it "
                  f"{loss_it.item():.3f} ii {loss_ii.item():.3f}) scale {scale.item():.1f} lr {args.lr * lr_f:.2e} "
                  f"{el / step:.2f}s/step, {'left' if budget_s else 'eta'} "
                  f"{max(0.0, budget_s - el if budget_s else el / step * (total - step)) / 60:.1f} min", flush=True)
        if args.eval_every and step % args.eval_every == 0 and not sch.done(step, el):
            t_e = time.time()
            m = C.evaluate(model, tok, concepts, meta, images)
            print(f"  eval at step {step}", json.dumps({k: [v["R@1"], v["R@10"]] for k, v in m.items()}), flush=True)
            eval_s += time.time() - t_e

    train_s = time.time() - t_train - eval_s
    model.eval()
    model.to("cpu")
    if tr.channels_last:
        model.vision.to(memory_format=torch.contiguous_format)
    if dev.type == "cuda" and hasattr(torch, "set_default_device"):
        torch.set_default_device("cpu")
    # The ONNX files store weights in float16 (half the size); round here so metrics describe the shipped model.
    with torch.no_grad():
        for t in list(model.parameters()) + [b for b in model.buffers() if b.is_floating_point()]:
            t.copy_(t.half().float())
    metrics = C.evaluate(model, tok, concepts, meta, images)
    summary = {
        "command": " ".join(["python3", "tools/demo-model/train.py"] + sys.argv[1:]),
        "seed": args.seed, "steps": step, "batch_concepts": args.batch,
        "train_seconds": round(train_s + (prev["train_seconds"] if prev else 0), 1),
        "seconds_per_step": round(train_s / max(1, step), 3),
        "total_seconds": round(time.time() - t0, 1),
        "threads": args.threads, "torch": torch.__version__, "channels_last": tr.channels_last,
        "device": str(dev) if dev.type == "cpu" else f"cuda ({torch.cuda.get_device_name(dev)})",
        "time_budget_min": args.time_budget_min or None,
        "languages": {k: v for k, v in parse_weights(args.lang_weights).items()},
        "training_styles": tr.styles,
        "training_pictures": int(tr.bank.shape[0]),
        "vocab": vt.vocab_stats(vocab),
        "params": {"vision": n_vis, "text": n_txt},
        "eval_protocol": {
            "text_to_image_openmoji": "query = CLDR name of the concept, gallery = one OpenMoji (colour, unseen style)"
                                      " picture per concept",
            "text_to_image_openmoji_<lang>": "the same with the concept's CLDR name in <lang> (zh: Simplified "
                                             "Chinese), over the concepts that have one, against the whole gallery",
            "image_to_image_openmoji_to_catalog": "query = OpenMoji picture, gallery = the catalog picture of each "
                                                  "concept (fluent-3d, google where fluent-3d lacks it)",
        },
        "metrics": metrics,
    }
    if prev:
        summary["phases"] = (prev.get("phases") or [{k: prev[k] for k in ("command", "steps", "train_seconds")}]) + [
            {"command": summary["command"], "steps": step, "train_seconds": round(train_s, 1)}]
        summary["steps"] = step + prev["steps"]
    print(json.dumps(metrics, indent=1))
    os.makedirs(args.out, exist_ok=True)
    with open(args.metrics, "w") as f:
        json.dump(summary, f, indent=1)
    torch.save({"cfg": cfg, "state": model.state_dict(), "summary": summary}, os.path.join(args.out, "checkpoint.pt"))
    if os.path.abspath(tr.tok_path) != os.path.abspath(os.path.join(args.out, "tokenizer.json")):
        shutil.copyfile(tr.tok_path, os.path.join(args.out, "tokenizer.json"))
    print(f"trained {step} steps in {train_s / 60:.1f} min ({train_s / max(1, step):.3f} s/step); wrote "
          f"{args.metrics} and {args.out}/checkpoint.pt")


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
