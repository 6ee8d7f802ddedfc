#!/usr/bin/python3
"""Writes two tiny CLIP-shaped model directories (Hugging Face ONNX layout) that the unit tests load.

They are random-weight, a few KB each, and exist to exercise the loader, not to embed anything meaningfully:

  tiny-clip/        int64 input_ids + attention_mask, bidirectional text attention with padding masked out, pooled at
                    the first end token (like models/demo-clip); config.json with correct special ids.
  tiny-clip-legacy/ int32 input_ids only (no attention_mask), causal text attention pooled at argmax(input_ids) like
                    OpenAI CLIP; config.json with Hugging Face's legacy CLIP special ids (bos 0, eos 2, pad 1), which
                    the loader must not trust over the tokenizer.

Both use a 16-token-context WordPiece tokenizer and 32x32 images. Rerun only to change the fixtures
(`/usr/bin/python3 make_tiny_clip.py`, then `npx prettier --write` on the JSON); the output is deterministic for a
given torch version, and the model ids in the tests are computed, not hard-coded.
"""
import json
import math
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["a", "photo", "of", "the", "cat", "dog", "red", "blue", "shoe", "running", "hat", "bag", "guitar", "##s",
         "##ing", "##ed"]
LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)] + list("!,.-'()%")
MAX_LEN = 16
IMAGE = 32
DIM = 8
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def vocab():
    toks = list(SPECIALS)
    for t in WORDS + LETTERS + ["##" + c for c in LETTERS]:
        if t not in toks:
            toks.append(t)
    return {t: i for i, t in enumerate(toks)}


def tokenizer_json(v):
    added = [{"id": v[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
              "special": True} for s in SPECIALS]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": True, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", v["[SEP]"]], "cls": ["[CLS]", v["[CLS]"]]},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": v},
    }


class Text(nn.Module):
    def __init__(self, n_vocab, eos_id, causal, width=16):
        super().__init__()
        self.eos_id, self.causal = eos_id, causal
        self.tok = nn.Embedding(n_vocab, width)
        self.pos = nn.Parameter(torch.randn(1, MAX_LEN, width) * 0.1)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, DIM, bias=False)

    def encode(self, input_ids, bias):
        x = self.tok(input_ids) + self.pos[:, : input_ids.shape[1]]
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1]) + bias
        x = self.ln(x + self.out(att.softmax(-1) @ v))
        return x

    def pool(self, x, idx):
        return self.proj(torch.gather(x, 1, idx.view(-1, 1, 1).expand(-1, 1, x.shape[2])).squeeze(1))


class TextMasked(Text):
    def forward(self, input_ids, attention_mask):
        bias = (1.0 - attention_mask.to(torch.float32))[:, None, :] * -1e4
        x = self.encode(input_ids, bias)
        eos = (input_ids == self.eos_id).to(torch.float32).argmax(dim=1)
        return self.pool(x, eos)


class TextCausal(Text):
    def forward(self, input_ids):
        n = input_ids.shape[1]
        bias = torch.triu(torch.full((n, n), -1e4), diagonal=1)[None]
        x = self.encode(input_ids.to(torch.int64), bias)
        return self.pool(x, input_ids.to(torch.int64).argmax(dim=1))


class Vision(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 8, 8)
        self.proj = nn.Linear(8 * 16, DIM, bias=False)

    def forward(self, pixel_values):
        return self.proj(torch.relu(self.conv(pixel_values)).flatten(1))


def export(out, legacy):
    torch.manual_seed(7 if legacy else 3)
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    v = vocab()
    eos = v["[SEP]"]
    if legacy:
        # OpenAI CLIP pools at argmax(input_ids), which works because the end token has the largest id.
        order = [t for t in v if t != "[SEP]"] + ["[SEP]"]
        v = {t: i for i, t in enumerate(order)}
        eos = v["[SEP]"]
    text = (TextCausal if legacy else TextMasked)(len(v), eos, legacy).eval()
    vision = Vision().eval()
    ids = torch.tensor([[v["[CLS]"], v["a"], v["cat"], eos] + [eos if legacy else v["[PAD]"]] * 4])
    with torch.no_grad():
        if legacy:
            torch.onnx.export(text, (ids.to(torch.int32),), os.path.join(out, "onnx", "text_model.onnx"),
                              opset_version=17, input_names=["input_ids"], output_names=["text_embeds"],
                              dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                            "text_embeds": {0: "batch_size"}})
        else:
            torch.onnx.export(text, (ids, torch.ones_like(ids)), os.path.join(out, "onnx", "text_model.onnx"),
                              opset_version=17, input_names=["input_ids", "attention_mask"],
                              output_names=["text_embeds"],
                              dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                            "attention_mask": {0: "batch_size", 1: "sequence_length"},
                                            "text_embeds": {0: "batch_size"}})
        torch.onnx.export(vision, (torch.zeros(1, 3, IMAGE, IMAGE),), os.path.join(out, "onnx", "vision_model.onnx"),
                          opset_version=17, input_names=["pixel_values"], output_names=["image_embeds"],
                          dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}})
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(v), f, indent=1)
    pre = {"do_resize": True, "size": {"shortest_edge": IMAGE}, "resample": 3, "do_center_crop": True,
           "crop_size": {"height": IMAGE, "width": IMAGE}, "do_rescale": True, "rescale_factor": 1 / 255,
           "do_normalize": True, "image_mean": MEAN, "image_std": STD, "do_convert_rgb": True,
           "image_processor_type": "CLIPImageProcessor"}
    if legacy:  # older Hugging Face preprocessor configs use plain integers
        pre["size"], pre["crop_size"] = IMAGE, IMAGE
    special = {"bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 1} if legacy else \
        {"bos_token_id": v["[CLS]"], "eos_token_id": eos, "pad_token_id": v["[PAD]"]}
    config = {"model_type": "clip", "projection_dim": DIM, "_name_or_path": "tiny/legacy-clip" if legacy else "x",
              "text_config": {"max_position_embeddings": MAX_LEN, "vocab_size": len(v), **special},
              "vision_config": {"image_size": IMAGE}}
    if not legacy:
        config["vitrine"] = {"name": "tiny-clip", "text_pooling": "eos"}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    with open(os.path.join(out, "preprocessor_config.json"), "w") as f:
        json.dump(pre, f, indent=1)


if __name__ == "__main__":
    export(os.path.join(HERE, "tiny-clip"), legacy=False)
    export(os.path.join(HERE, "tiny-clip-legacy"), legacy=True)
    print("ok")
