#!/usr/bin/python3
"""Exports .cache/checkpoint.pt to the Hugging Face CLIP ONNX layout in models/demo-clip/ and writes the parity
fixtures (reference.json + reference-images/) that the TypeScript side asserts against.

  models/demo-clip/onnx/text_model.onnx     input_ids, attention_mask (int64 [batch, seq]) -> text_embeds
  models/demo-clip/onnx/vision_model.onnx   pixel_values (float32 [batch, 3, 64, 64])       -> image_embeds
  models/demo-clip/{config,preprocessor_config,tokenizer}.json, reference.json
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import vitrine_tok as vt  # noqa: E402

REPO = os.path.abspath(os.path.join(C.HERE, "..", ".."))
OPSET = 17

# Parity texts: plain, upper case + punctuation, accents, empty, only spaces, one longer than max length, CJK/emoji.
REFERENCE_TEXTS = [
    "running shoe",
    "Red LEATHER Handbag, 50% off!!",
    "café crème — brûlée",
    "",
    "a photo of a guitar",
    " ".join(["a very long product title about a comfortable waterproof hiking boot"] * 5),
    "跑鞋 👟 sneaker",
    "红色的鞋",
    "スニーカー",
    "chaussure de sport",
]


def onnx_export(*args, **kwargs):
    """torch.onnx.export with the TorchScript exporter: torch >= 2.5 has a `dynamo` switch whose default moved to the
    new exporter (which needs onnxscript); this graph is exported the same way on Debian's 1.13 and on 2.x."""
    import inspect

    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    return torch.onnx.export(*args, **kwargs)


class VisionExport(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        return self.m.vision(pixel_values)


class TextExport(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m.text(input_ids, attention_mask)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=os.path.join(C.CACHE, "checkpoint.pt"))
    ap.add_argument("--tokenizer", default=None, help="defaults to tokenizer.json next to the checkpoint")
    ap.add_argument("--out", default=os.path.join(REPO, "models", "demo-clip"))
    ap.add_argument("--onnx-only", action="store_true",
                    help="ONNX graphs, configs and tokenizer only: no parity fixtures (they need the rasterised "
                         "pictures and npm packages) and no onnxruntime-node check (it needs Node.js); for the GPU "
                         "machine, run the full export here afterwards")
    args = ap.parse_args()
    torch.set_num_threads(2)

    ck = torch.load(args.checkpoint, map_location="cpu")
    cfg, summary = ck["cfg"], ck["summary"]
    model = C.DualEncoder(cfg)
    model.load_state_dict(ck["state"])
    model.eval()
    tok_src = args.tokenizer or os.path.join(os.path.dirname(args.checkpoint), "tokenizer.json")
    with open(tok_src, encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"]
    tok = vt.WordPieceTokenizer(vocab, cfg["max_len"])

    out = args.out
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    shutil.copyfile(tok_src, os.path.join(out, "tokenizer.json"))

    # --- ONNX
    vis_path, txt_path = os.path.join(out, "onnx", "vision_model.onnx"), os.path.join(out, "onnx", "text_model.onnx")
    dummy_px = torch.zeros(2, 3, C.IMAGE_SIZE, C.IMAGE_SIZE)
    onnx_export(VisionExport(model), (dummy_px,), vis_path, opset_version=OPSET, input_names=["pixel_values"],
                      output_names=["image_embeds"], dynamic_axes={"pixel_values": {0: "batch"},
                                                                   "image_embeds": {0: "batch"}},
                      do_constant_folding=True)
    ids, mask = tok.encode_batch(["a photo of a running shoe", "hat"])
    onnx_export(TextExport(model), (torch.tensor(ids), torch.tensor(mask)), txt_path, opset_version=OPSET,
                      input_names=["input_ids", "attention_mask"], output_names=["text_embeds"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                    "attention_mask": {0: "batch", 1: "sequence"},
                                    "text_embeds": {0: "batch"}},
                      do_constant_folding=True)
    model.eval()  # torch.onnx.export leaves the module in training mode
    for p in (vis_path, txt_path):
        weights_to_fp16(p)

    # --- configs (Hugging Face CLIP layout)
    pre = {
        "do_resize": True, "size": {"shortest_edge": C.IMAGE_SIZE}, "resample": 3,
        "do_center_crop": True, "crop_size": {"height": C.IMAGE_SIZE, "width": C.IMAGE_SIZE},
        "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
        "image_mean": C.IMAGE_MEAN, "image_std": C.IMAGE_STD, "do_convert_rgb": True,
        "image_processor_type": "CLIPImageProcessor", "processor_class": "CLIPProcessor",
    }
    config = {
        "model_type": "clip",
        "architectures": ["CLIPModel"],
        "projection_dim": cfg["dim"],
        "logit_scale_init_value": round(float(model.logit_scale.detach()), 6),
        "text_config": {
            "model_type": "clip_text_model", "vocab_size": cfg["vocab_size"],
            "max_position_embeddings": cfg["max_len"], "hidden_size": cfg["text_width"],
            "num_hidden_layers": cfg["text_layers"], "num_attention_heads": cfg["text_heads"],
            "intermediate_size": cfg["text_ff"], "projection_dim": cfg["dim"],
            "pad_token_id": tok.pad_id, "bos_token_id": tok.cls_id, "eos_token_id": tok.sep_id,
        },
        "vision_config": {"model_type": "clip_vision_model", "image_size": C.IMAGE_SIZE, "num_channels": 3,
                          "projection_dim": cfg["dim"]},
        "vitrine": {
            "name": "vitrine-demo-clip",
            "version": hashlib.sha256(open(vis_path, "rb").read() + open(txt_path, "rb").read()).hexdigest()[:12],
            "text_pooling": "eos",
            "text_pooling_note": "the text graph reads the hidden state at the first eos_token_id; padding (pad id, "
                                 "attention_mask 0) is masked out of attention, so any padded length gives the same "
                                 "embedding",
            "truncation": "to max_position_embeddings ids, keeping eos_token_id last",
            "padding": "right, with pad_token_id and attention_mask 0",
            "embeddings": "projected, not L2-normalised (normalise before cosine / dot product)",
            "background": "composite transparent images on white before resizing",
            "vision_architecture": f"ResNet-style CNN, widths {cfg['vision_widths']}",
            "text_architecture": f"{cfg['text_layers']}-layer pre-LN transformer, width {cfg['text_width']}, "
                                 f"{cfg['text_heads']} heads, WordPiece vocab {cfg['vocab_size']}",
            "opset": OPSET,
            "metrics": summary["metrics"],
            "training": {k: summary[k] for k in ("command", "seed", "steps", "train_seconds", "params")},
        },
    }
    for name, obj in (("preprocessor_config.json", pre), ("config.json", config)):
        with open(os.path.join(out, name), "w") as f:
            json.dump(obj, f, indent=1)
            f.write("\n")

    if args.onnx_only:
        print("exported ONNX only (no fixtures, no onnxruntime-node check) ->", out)
        return
    # --- parity fixtures
    ref_dir = os.path.join(out, "reference-images")
    make_reference_images(ref_dir)
    texts = []
    for t in REFERENCE_TEXTS:
        e = tok.encode(t)
        bids, bmask = tok.encode_batch([t])
        with torch.no_grad():
            emb = F.normalize(model.text(torch.tensor(bids), torch.tensor(bmask)), dim=-1)[0]
        texts.append({"text": t, "input_ids": e, "input_ids_truncated": bids[0][: sum(bmask[0])],
                      "text_embeds": [round(float(v), 7) for v in emb]})
    images, pixel_dump = [], {}
    for fn in sorted(os.listdir(ref_dir)):
        px = C.preprocess_file(os.path.join(ref_dir, fn))
        with torch.no_grad():
            emb = F.normalize(model.vision(px.unsqueeze(0)), dim=-1)[0]
        a = px.numpy().astype(np.float32)
        images.append({
            "file": f"reference-images/{fn}",
            "pixel_values_shape": [1, 3, C.IMAGE_SIZE, C.IMAGE_SIZE],
            "pixel_values_first": [round(float(v), 6) for v in a[0, 0, :8]],
            "pixel_values_center": [round(float(a[c, 32, 32]), 6) for c in range(3)],
            "pixel_values_mean": [round(float(a[c].mean()), 6) for c in range(3)],
            "pixel_values_sum": round(float(a.astype(np.float64).sum()), 4),
            "rgb_uint8_sha256": hashlib.sha256(np.round((a * np.array(C.IMAGE_STD)[:, None, None]
                                                         + np.array(C.IMAGE_MEAN)[:, None, None]) * 255)
                                               .astype(np.uint8).tobytes()).hexdigest(),
            "image_embeds": [round(float(v), 7) for v in emb],
        })
        pixel_dump[fn] = a.reshape(-1).tolist()
    ref = {
        "model": "vitrine-demo-clip",
        "note": "input_ids: full encoding with [CLS]/[SEP] as @huggingface/tokenizers returns it (no truncation, no "
                "padding); input_ids_truncated: after truncating to max_length keeping [SEP] last. Embeddings are "
                "L2-normalised; pixel values come from the reference preprocessing (PIL bicubic, see "
                "preprocessor_config.json); rgb_uint8_sha256 hashes the 64x64 RGB bytes after resize+crop, CHW order.",
        "max_length": cfg["max_len"], "pad_token_id": tok.pad_id, "bos_token_id": tok.cls_id,
        "eos_token_id": tok.sep_id, "text_pooling": "eos",
        "texts": texts, "images": images,
    }
    with open(os.path.join(out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(C.CACHE, "reference_pixels.json"), "w") as f:
        json.dump(pixel_dump, f)

    # --- check the ONNX graphs against PyTorch (onnxruntime-node; Debian has no onnxruntime for Python)
    res = subprocess.run(["node", os.path.join(C.HERE, "check_onnx.mjs"), out,
                          os.path.join(C.CACHE, "reference_pixels.json")], cwd=C.HERE)
    if res.returncode != 0:
        raise SystemExit("ONNX parity check failed")
    sizes = {p: os.path.getsize(os.path.join(out, "onnx", p)) for p in os.listdir(os.path.join(out, "onnx"))}
    print("exported", out, {k: f"{v / 1e6:.2f} MB" for k, v in sizes.items()})


def weights_to_fp16(path, min_elems=64):
    """Stores large float32 weights as float16 followed by a Cast to float32 (onnxruntime folds the Cast when it
    loads the model, so inference still runs in float32). train.py already rounded the weights to float16, so this is
    lossless for the text graph; the vision graph's Conv weights have BatchNorm folded in by the exporter and are
    rounded again (check_onnx.mjs shows the cosine to the PyTorch reference stays > 0.99999)."""
    from onnx import TensorProto, helper, numpy_helper

    m = onnx.load(path)
    g = m.graph
    casts = []
    for init in list(g.initializer):
        if init.data_type != TensorProto.FLOAT:
            continue
        arr = numpy_helper.to_array(init)
        if arr.size < min_elems:
            continue
        half = arr.astype(np.float16)
        g.initializer.remove(init)
        g.initializer.append(numpy_helper.from_array(half, init.name + "_fp16"))
        casts.append(helper.make_node("Cast", [init.name + "_fp16"], [init.name], to=TensorProto.FLOAT,
                                      name="cast_" + init.name))
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    m.producer_name = "vitrine-demo-model"
    onnx.checker.check_model(m)
    onnx.save(m, path)


def make_reference_images(ref_dir):
    """Small committed images covering the decoder/preprocessing paths: PNG with transparency (and a non-white
    colour under transparent pixels), JPEG, WebP with alpha, a non-square PNG (shortest-edge resize + centre crop)."""
    from PIL import Image

    os.makedirs(ref_dir, exist_ok=True)
    src = lambda style, c: os.path.join(C.CACHE, "images", style, f"{c}.png")  # noqa: E731
    nm = os.path.join(C.HERE, "node_modules")
    # 1. transparent PNG: twitter "guitar" (its real alpha), with grey hidden under transparent pixels
    tw = Image.open(os.path.join(nm, "emoji-datasource-twitter/img/twitter/64/1f3b8.png")).convert("RGBA")
    arr = np.array(tw)
    arr[arr[..., 3] == 0, :3] = 120
    Image.fromarray(arr).save(os.path.join(ref_dir, "guitar-transparent.png"))
    # 2. JPEG from the google "running shoe" on white, 100x100
    Image.open(src("google", "running-shoe")).convert("RGB").resize((100, 100), Image.LANCZOS).save(
        os.path.join(ref_dir, "running-shoe.jpg"), quality=90)
    # 3. WebP with alpha: the fluent-3d "handbag" original, shrunk to 96x96
    Image.open(os.path.join(nm, "@lobehub/fluent-emoji-3d/assets/1f45c.webp")).convert("RGBA").resize(
        (96, 96), Image.LANCZOS).save(os.path.join(ref_dir, "handbag.webp"), lossless=True)
    # 4. non-square (150x90) PNG: the google "laptop" on a wide white canvas, off-centre
    canvas = Image.new("RGB", (150, 90), (255, 255, 255))
    canvas.paste(Image.open(src("google", "laptop")).convert("RGB").resize((80, 80), Image.LANCZOS), (40, 5))
    canvas.save(os.path.join(ref_dir, "laptop-wide.png"))


if __name__ == "__main__":
    main()
