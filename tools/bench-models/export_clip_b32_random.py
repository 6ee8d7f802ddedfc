#!/usr/bin/python3
"""Exports a CLIP ViT-B/32-shaped dual encoder with RANDOM weights in the Hugging Face ONNX layout, so
`npm run bench:embed` can time a real-sized model without downloading one.

  vision: 224x224, patch 32 (49 patches + class token), 12 layers, width 768, 12 heads, MLP 3072 -> 512
  text:   context 77, vocab 49408, 12 layers, width 512, 8 heads, MLP 2048, causal, pooled at the first
          end token (argmax of the ids, as OpenAI CLIP) -> 512

Same graph shapes and FLOPs as openai/clip-vit-base-patch32 (about 4.4 GFLOPs per image); the embeddings mean
nothing. Writes onnx/{text,vision}_model.onnx (~600 MB), config.json (Hugging Face's legacy CLIP special ids,
like the real export), preprocessor_config.json (OpenAI CLIP's), and tokenizer.json: the OpenAI CLIP tokenizer
from ../shared/reference/clip-vit-b32 when that folder exists, else models/demo-clip's.

  /usr/bin/python3 tools/bench-models/export_clip_b32_random.py [--out tools/bench-models/.out/clip-vit-b32-random]

The output folder is git-ignored: never commit it.
"""
import argparse
import json
import math
import os
import shutil

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CLIP_TOKENIZER = os.path.abspath(os.path.join(REPO, "..", "shared", "reference", "clip-vit-b32", "tokenizer.json"))
DEMO_TOKENIZER = os.path.join(REPO, "models", "demo-clip", "tokenizer.json")
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    """Pre-LN transformer block (CLIP's), attention written out so it exports to plain ONNX ops."""

    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), QuickGELU(), nn.Linear(4 * d, d))

    def forward(self, x, bias):
        b, n, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).reshape(b, n, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(d // self.h))
        if bias is not None:
            att = att + bias
        x = x + self.out((att.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.mlp(self.ln2(x))


class Vision(nn.Module):
    def __init__(self, width=768, layers=12, heads=12, patch=32, size=224, dim=512):
        super().__init__()
        self.patch = nn.Conv2d(3, width, patch, patch, bias=False)
        self.cls = nn.Parameter(torch.randn(width) * 0.02)
        self.pos = nn.Parameter(torch.randn((size // patch) ** 2 + 1, width) * 0.02)
        self.pre = nn.LayerNorm(width)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.post = nn.LayerNorm(width)
        self.proj = nn.Linear(width, dim, bias=False)

    def forward(self, pixel_values):
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], dim=1) + self.pos
        x = self.pre(x)
        for blk in self.blocks:
            x = blk(x, None)
        return self.proj(self.post(x[:, 0]))


class Text(nn.Module):
    def __init__(self, vocab=49408, ctx=77, width=512, layers=12, heads=8, dim=512):
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Parameter(torch.randn(ctx, width) * 0.01)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, dim, bias=False)

    def forward(self, input_ids, attention_mask):
        n = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos[:n]
        causal = torch.triu(torch.full((n, n), -1e4), diagonal=1)
        bias = causal[None, None] + (1.0 - attention_mask.to(x.dtype))[:, None, None, :] * -1e4
        for blk in self.blocks:
            x = blk(x, bias)
        x = self.ln(x)
        eos = input_ids.argmax(dim=1)  # the end token has the largest id (49407); first occurrence
        return self.proj(torch.gather(x, 1, eos.view(-1, 1, 1).expand(-1, 1, x.shape[2])).squeeze(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, ".out", "clip-vit-b32-random"))
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(max(1, (os.cpu_count() or 2) // 2))
    out = args.out
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    vision, text = Vision().eval(), Text().eval()
    with torch.no_grad():
        torch.onnx.export(vision, (torch.zeros(1, 3, 224, 224),), os.path.join(out, "onnx", "vision_model.onnx"),
                          opset_version=17, input_names=["pixel_values"], output_names=["image_embeds"],
                          dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}})
        ids = torch.tensor([[49406, 320, 1125, 539, 320, 2368, 49407, 49407]])
        torch.onnx.export(text, (ids, torch.ones_like(ids)), os.path.join(out, "onnx", "text_model.onnx"),
                          opset_version=17, input_names=["input_ids", "attention_mask"], output_names=["text_embeds"],
                          dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                        "attention_mask": {0: "batch_size", 1: "sequence_length"},
                                        "text_embeds": {0: "batch_size"}})
    tok = CLIP_TOKENIZER if os.path.exists(CLIP_TOKENIZER) else DEMO_TOKENIZER
    shutil.copyfile(tok, os.path.join(out, "tokenizer.json"))
    config = {
        "_name_or_path": "clip-vit-b32-random", "model_type": "clip", "architectures": ["CLIPModel"],
        "projection_dim": 512,
        "text_config": {"model_type": "clip_text_model", "max_position_embeddings": 77, "vocab_size": 49408,
                        "hidden_size": 512, "num_hidden_layers": 12, "num_attention_heads": 8,
                        "intermediate_size": 2048, "projection_dim": 512,
                        "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 1},
        "vision_config": {"model_type": "clip_vision_model", "image_size": 224, "patch_size": 32, "hidden_size": 768,
                          "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
                          "projection_dim": 512},
        "vitrine": {"name": "clip-vit-b32-random", "note": "random weights, for benchmarks only",
                    "tokenizer": os.path.relpath(tok, REPO)},
    }
    pre = {"do_resize": True, "size": {"shortest_edge": 224}, "resample": 3, "do_center_crop": True,
           "crop_size": {"height": 224, "width": 224}, "do_rescale": True, "rescale_factor": 1 / 255,
           "do_normalize": True, "image_mean": MEAN, "image_std": STD, "do_convert_rgb": True,
           "feature_extractor_type": "CLIPFeatureExtractor", "image_processor_type": "CLIPImageProcessor"}
    for name, obj in (("config.json", config), ("preprocessor_config.json", pre)):
        with open(os.path.join(out, name), "w") as f:
            json.dump(obj, f, indent=1)
    sizes = {p: f"{os.path.getsize(os.path.join(out, 'onnx', p)) / 1e6:.0f} MB" for p in os.listdir(os.path.join(out, "onnx"))}
    print("exported", out, sizes, "tokenizer:", tok)


if __name__ == "__main__":
    main()
