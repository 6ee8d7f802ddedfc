"""Model, reference preprocessing and data loading shared by train.py and export.py."""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.environ.get("DEMO_CACHE", os.path.join(HERE, ".cache"))

# Preprocessing: exactly what preprocessor_config.json says (Hugging Face CLIPImageProcessor semantics).
IMAGE_SIZE = 64
IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073]  # OpenAI CLIP's values, so CLIP-configured code can reuse them
IMAGE_STD = [0.26862954, 0.26130258, 0.27577711]
TRAIN_STYLES = ["google", "twitter", "fluent-flat", "fluent-3d"]  # the base styles (evaluated one by one)
EVAL_STYLE = "openmoji"
LANGS = ["en", "zh", "ja", "de", "fr", "es"]


def load_rgb_on_white(path_or_file):
    """Open any image; if it has an alpha channel, composite it on white (vendors leave arbitrary colours under
    transparent pixels), then convert to RGB."""
    from PIL import Image  # imported here: the GPU machine trains from a packed dataset and may have no Pillow

    im = Image.open(path_or_file)
    im.load()
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        bg.alpha_composite(im)
        im = bg
    return im.convert("RGB")


def resize_and_crop(im, size=IMAGE_SIZE):
    """Shortest edge -> size with PIL bicubic (resample=3), then centre crop size x size (HF CLIP semantics)."""
    from PIL import Image

    w, h = im.size
    if w <= h:
        nw, nh = size, int(size * h / w)
    else:
        nw, nh = int(size * w / h), size
    if (nw, nh) != (w, h):
        im = im.resize((nw, nh), Image.BICUBIC)
    left, top = (nw - size) // 2, (nh - size) // 2
    return im.crop((left, top, left + size, top + size))


def to_uint8_chw(im):
    return torch.from_numpy(np.asarray(im, dtype=np.uint8).copy()).permute(2, 0, 1).contiguous()


def normalize_pixels(x01):
    """[N,3,H,W] in [0,1] -> model input."""
    mean = torch.tensor(IMAGE_MEAN, device=x01.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGE_STD, device=x01.device).view(1, 3, 1, 1)
    return (x01 - mean) / std


def preprocess_file(path_or_file):
    """The reference preprocessing: file -> float32 [3, 64, 64] pixel_values."""
    im = resize_and_crop(load_rgb_on_white(path_or_file))
    x = torch.from_numpy(np.asarray(im, dtype=np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
    return normalize_pixels(x)[0]


# ----------------------------------------------------------------------------------------------------- model
def conv_bn(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = conv_bn(c, c, 1)
        self.b = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return F.relu(x + self.b(self.a(x)))


class VisionTower(nn.Module):
    """Small ResNet-ish CNN: 64x64 -> 32 -> 16 -> 8 -> 4, global average pool, linear projection."""

    def __init__(self, widths=(24, 48, 96, 192), dim=256):
        super().__init__()
        a, b, c, d = widths
        self.features = nn.Sequential(
            conv_bn(3, a, 2), conv_bn(a, a, 1),
            conv_bn(a, b, 2), ResBlock(b),
            conv_bn(b, c, 2), ResBlock(c),
            conv_bn(c, d, 2), ResBlock(d),
        )
        self.proj = nn.Linear(d, dim, bias=False)

    def forward(self, pixel_values):
        x = self.features(pixel_values)
        return self.proj(x.mean(dim=(2, 3)))


class Block(nn.Module):
    """Pre-LN transformer block with explicit attention (exports to plain ONNX ops)."""

    def __init__(self, d, heads, ff):
        super().__init__()
        self.h = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.GELU(), nn.Linear(ff, d))

    def forward(self, x, bias):
        b, l, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).reshape(b, l, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(d // self.h)) + bias
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, l, d)
        x = x + self.out(y)
        return x + self.ff(self.ln2(x))


class TextTower(nn.Module):
    """Small bidirectional transformer; padding is masked out of attention and the output is read at the first
    end token ([SEP]) like CLIP reads EOS, so padding length never changes the embedding."""

    def __init__(self, vocab_size, eos_id, max_len=32, d=192, layers=3, heads=3, ff=384, dim=256):
        super().__init__()
        self.eos_id = eos_id
        self.tok = nn.Embedding(vocab_size, d)
        self.pos = nn.Parameter(torch.zeros(1, max_len, d))
        nn.init.normal_(self.pos, std=0.02)
        nn.init.normal_(self.tok.weight, std=0.02)
        self.blocks = nn.ModuleList([Block(d, heads, ff) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.proj = nn.Linear(d, dim, bias=False)

    def forward(self, input_ids, attention_mask):
        x = self.tok(input_ids) + self.pos[:, : input_ids.shape[1]]
        bias = (1.0 - attention_mask.to(x.dtype))[:, None, None, :] * -1e4
        for blk in self.blocks:
            x = blk(x, bias)
        x = self.ln(x)
        eos = (input_ids == self.eos_id).to(torch.float32).argmax(dim=1)  # first end token
        idx = eos.view(-1, 1, 1).expand(-1, 1, x.shape[2])
        pooled = torch.gather(x, 1, idx).squeeze(1)
        return self.proj(pooled)


class DualEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.vision = VisionTower(tuple(cfg["vision_widths"]), cfg["dim"])
        self.text = TextTower(cfg["vocab_size"], cfg["eos_id"], cfg["max_len"], cfg["text_width"],
                              cfg["text_layers"], cfg["text_heads"], cfg["text_ff"], cfg["dim"])
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))


# ------------------------------------------------------------------------------------------------------ data
def load_manifest():
    with open(os.path.join(CACHE, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def load_images(manifest):
    """Returns (concepts, meta, images, train_styles) where images[style][i] is the uint8 [3,64,64]
    reference-preprocessed picture of concept i (or None), for every style in the manifest."""
    concepts, meta, train_styles = [], {}, []
    for m in manifest:
        if m["concept"] not in meta:
            concepts.append(m["concept"])
            meta[m["concept"]] = {k: m.get(k) for k in ("concept", "hexcode", "label", "tags", "shortcodes", "group",
                                                         "subgroup", "i18n")}
        if m["train"] and m["style"] not in train_styles:
            train_styles.append(m["style"])
    index = {c: i for i, c in enumerate(concepts)}
    images = {s: [None] * len(concepts) for s in train_styles + [EVAL_STYLE]}
    for m in manifest:
        im = resize_and_crop(load_rgb_on_white(os.path.join(CACHE, m["path"])))
        images[m["style"]][index[m["concept"]]] = to_uint8_chw(im)
    return concepts, meta, images, train_styles


def save_packed(path, concepts, meta, images, train_styles):
    """One compressed file with everything training reads (for a machine without Node or the npm packages)."""
    arrays = {}
    for s, pics in images.items():
        present = np.array([p is not None for p in pics])
        stack = np.zeros((len(pics), 3, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
        for i, p in enumerate(pics):
            if p is not None:
                stack[i] = p.numpy()
        arrays[f"img/{s}"], arrays[f"has/{s}"] = stack, present
    info = {"concepts": concepts, "meta": meta, "train_styles": train_styles, "styles": list(images)}
    arrays["info"] = np.frombuffer(json.dumps(info, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(path, **arrays)


def load_packed(path):
    z = np.load(path)
    info = json.loads(bytes(z["info"]).decode("utf-8"))
    images = {}
    for s in info["styles"]:
        stack, has = torch.from_numpy(z[f"img/{s}"]), z[f"has/{s}"]
        images[s] = [stack[i] if has[i] else None for i in range(len(has))]
    return info["concepts"], info["meta"], images, info["train_styles"]


def load_dataset(data=None):
    """`data`: a packed .npz (pack_dataset.py) or None for CACHE/manifest.json + CACHE/images."""
    if data:
        return load_packed(data)
    return load_images(load_manifest())


def names_in(meta_c, lang):
    """The concept's name in `lang` (lower-cased CLDR label), or None."""
    if lang == "en":
        return meta_c["label"]
    loc = (meta_c.get("i18n") or {}).get(lang)
    return loc["label"] if loc else None


@torch.no_grad()
def embed_images(model, u8_list, bs=256):
    dev = next(model.parameters()).device
    out = []
    for i in range(0, len(u8_list), bs):
        x = torch.stack(u8_list[i: i + bs]).to(dev).float() / 255.0
        out.append(F.normalize(model.vision(normalize_pixels(x)), dim=-1).cpu())
    return torch.cat(out)


@torch.no_grad()
def embed_texts(model, tok, texts, bs=256):
    dev = next(model.parameters()).device
    out = []
    for i in range(0, len(texts), bs):
        ids, mask = tok.encode_batch(texts[i: i + bs])
        out.append(F.normalize(model.text(torch.tensor(ids, device=dev), torch.tensor(mask, device=dev)),
                               dim=-1).cpu())
    return torch.cat(out)


def rank_metrics(q, g, targets=None):
    """q[i] should retrieve g[targets[i]] (default g[i]). Returns R@1/5/10, median and mean rank (1 = first)."""
    sims = q @ g.T
    if targets is None:
        targets = range(q.shape[0])
    own = sims.gather(1, torch.as_tensor(list(targets), device=sims.device).view(-1, 1))
    ranks = (sims > own).sum(1).float() + 1
    return {
        "n": int(q.shape[0]),
        "R@1": round(float((ranks <= 1).float().mean()), 4),
        "R@5": round(float((ranks <= 5).float().mean()), 4),
        "R@10": round(float((ranks <= 10).float().mean()), 4),
        "MedR": float(ranks.median()),
        "MeanR": round(float(ranks.mean()), 2),
    }


def catalog_style(images, i):
    """The training style used as the product picture / image->image gallery: fluent-3d, else google."""
    return "fluent-3d" if images["fluent-3d"][i] is not None else "google"


@torch.no_grad()
def evaluate(model, tok, concepts, meta, images):
    model.eval()
    idx = [i for i in range(len(concepts)) if images[EVAL_STYLE][i] is not None]
    om = embed_images(model, [images[EVAL_STYLE][i] for i in idx])
    names = embed_texts(model, tok, [meta[concepts[i]]["label"] for i in idx])
    res = {"text_to_image_openmoji": rank_metrics(names, om)}
    # the same task with the concept's CLDR name in another language (concepts that have one), same gallery
    for lang in LANGS[1:]:
        have = [k for k, i in enumerate(idx) if names_in(meta[concepts[i]], lang)]
        if not have:
            continue
        q = embed_texts(model, tok, [names_in(meta[concepts[idx[k]]], lang) for k in have])
        res[f"text_to_image_openmoji_{lang}"] = rank_metrics(q, om, have)  # against the whole gallery
    gal = embed_images(model, [images[catalog_style(images, i)][i] for i in idx])
    res["image_to_image_openmoji_to_catalog"] = rank_metrics(om, gal)
    for s in TRAIN_STYLES:
        sidx = [k for k, i in enumerate(idx) if images[s][i] is not None]
        gs = embed_images(model, [images[s][idx[k]] for k in sidx])
        res[f"image_to_image_openmoji_to_{s}"] = rank_metrics(om[sidx], gs)
    # sanity: a seen style, text->image
    g3 = embed_images(model, [images["google"][i] for i in idx])
    res["text_to_image_google_seen"] = rank_metrics(names, g3)
    return res
