#!/usr/bin/python3
"""Writes the tiny multilingual CLIP model the jest test `multilingual-model.spec.ts` loads.

    /usr/bin/python3 tools/multilingual-clip/make-fixture.py   # needs Debian python3-torch (1.13), no network

Output: libs/embedding/test-fixtures/multilingual-unigram/ in the layout `export.py` writes for a real model:

  onnx/text_model.onnx   a 1-layer XLM-RoBERTa-shaped encoder (pad id 1, RoBERTa position ids that skip padding,
                         max_position_embeddings = context + 2 like XLM-R's 514) wrapped by text_head.TextEmbeds:
                         masked mean pooling + a linear projection, `input_ids`, `attention_mask` -> `text_embeds`
  onnx/vision_model.onnx a conv "vision tower" from another source, `pixel_values` -> `image_embeds`
  tokenizer.json         a hand-built Unigram (SentencePiece) vocabulary with scores: `<s>` 0, `<pad>` 1, `</s>` 2,
                         `<unk>` 3 as in XLM-R, NFKC normaliser, `▁` Metaspace, English, Chinese and Japanese pieces
  config.json            projection_dim, special ids, and the `vitrine` section: pooling, context length, towers
  reference.json         token ids and L2-normalised embeddings computed here, in Python
  export.json            the sha256 of every file, as export.py writes it (`model fetch --from` checks a copy)

and multilingual-unigram-variants/text_model_token_type_ids.onnx: the same text graph with a third input,
`token_type_ids`, as BERT-style exports have (Chinese-CLIP's), which adds a vector per token whose type is not 0:
fed zeros it gives the reference embeddings, fed anything else it does not.

No SentencePiece or `tokenizers` library is installed here, so the reference ids come from the small Viterbi
segmenter below, written from the Unigram algorithm (best-scoring segmentation of each `▁`-word, unknown characters
scored min-10 and consecutive unknowns fused into one `<unk>`, as Hugging Face tokenizers does), not from the
JavaScript library under test. When the `tokenizers` package happens to be importable, the generator also checks the
ids against it (Hugging Face tokenizers 0.22.2 agreed on every case when this was written). The embeddings come from
the PyTorch module that was exported, evaluated on those ids.
Deterministic for a given torch version; the jest test reads every figure from reference.json. Runs the
repository's prettier (npx, from the checkout) on the JSON it writes before hashing them into export.json.
"""
import json
import math
import os
import subprocess
import sys
import unicodedata

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from text_head import TextEmbeds, export_text, write_export_manifest  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "libs", "embedding", "test-fixtures", "multilingual-unigram")
# Graphs the test swaps into a copy of OUT; outside OUT so they are not part of its export.json.
VARIANTS = os.path.join(ROOT, "libs", "embedding", "test-fixtures", "multilingual-unigram-variants")
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
BOS, PAD, EOS, UNK = 0, 1, 2, 3
CONTEXT = 16            # vitrine.text_max_length (real exports: 128, 77 or 52)
MAX_POS = CONTEXT + 2   # XLM-R counts positions from pad_id + 1, so its 514 positions hold 512 tokens
WIDTH, DIM, IMAGE = 24, 16, 32
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
SP = "\u2581"

# Pieces with hand-chosen log-probabilities. No piece holds a `▁` after its first character (SentencePiece's
# split_by_whitespace), so segmenting the whole text and segmenting word by word agree.
PIECES = {
    SP: -3.0,
    f"{SP}red": -6.1, f"{SP}re": -7.3, f"{SP}shoe": -7.0, f"{SP}shoes": -8.9, f"{SP}running": -9.4,
    f"{SP}run": -7.7, "ning": -6.6, f"{SP}blue": -6.8, f"{SP}bag": -7.2, f"{SP}a": -4.1, f"{SP}photo": -8.2,
    f"{SP}of": -4.4, f"{SP}the": -3.9, f"{SP}umbrella": -10.2, f"{SP}for": -5.0, f"{SP}women": -9.0,
    f"{SP}Red": -8.8, f"{SP}RED": -11.5, "s": -3.5, "ed": -5.2, "ing": -5.1, "er": -5.3,
    # Chinese (Simplified) and Japanese
    "红色": -8.0, "红": -7.1, "色": -6.9, "的": -4.2, "鞋": -7.4, "鞋子": -9.1, "子": -6.0, "跑步": -8.6,
    "跑": -7.9, "步": -7.0, "蓝色": -8.3, "蓝": -7.6, "包": -7.5, "雨伞": -9.3, "雨": -7.2, "伞": -8.1,
    "女": -6.5, "女士": -8.7, "士": -7.7, f"{SP}红": -9.9, f"{SP}红色": -10.4, "運動": -9.5, "靴": -7.8,
    "赤い": -9.2, "い": -5.5, "赤": -8.4, "の": -4.8, "。": -5.9, "，": -6.2,
}
LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [chr(c) for c in range(ord("A"), ord("Z") + 1)]
for i, ch in enumerate(LETTERS + list("0123456789.,!?-'")):
    PIECES.setdefault(ch, -10.0 - (i % 7) * 0.13)

CASES = [
    ("english", "red shoes"),
    ("english-longer", "a photo of the blue running shoes"),
    ("chinese", "红色的鞋"),
    ("chinese-longer", "女士的蓝色雨伞"),
    ("japanese", "赤い運動靴"),
    ("mixed", "red 鞋子 for women"),
    ("full-width", "ＲＥＤ shoes，红色"),   # NFKC folds the full-width letters and comma
    ("unknown", "跑步鞋🥾🥾 bag"),           # two characters no piece covers: one fused <unk>
    ("empty", ""),
    ("truncated", "red shoes for women the blue bag of the red umbrella a photo of the shoes"),
]


def vocab():
    return SPECIALS + list(PIECES)


def viterbi(word, ids, scores, unk_score):
    """Best segmentation of one `▁`-word into pieces: max total score, unknown single characters at unk_score."""
    n = len(word)
    best = [(-math.inf, -1, -1)] * (n + 1)  # (score, start, piece id) of the best path ending at i
    best[0] = (0.0, -1, -1)
    for end in range(1, n + 1):
        for start in range(end):
            if best[start][0] == -math.inf:
                continue
            piece = word[start:end]
            if piece in ids:
                cand = (best[start][0] + scores[ids[piece]], start, ids[piece])
            elif end - start == 1:
                cand = (best[start][0] + unk_score, start, UNK)
            else:
                continue
            if cand[0] > best[end][0]:
                best[end] = cand
    out, i = [], n
    while i > 0:
        _, start, pid = best[i]
        out.append(pid)
        i = start
    return out[::-1]


def reference_ids(text, v):
    ids = {p: i for i, p in enumerate(v)}
    scores = [0.0] * len(SPECIALS) + list(PIECES.values())
    unk_score = min(scores[len(SPECIALS):]) - 10
    s = unicodedata.normalize("NFKC", text).replace(" ", SP)
    if s and not s.startswith(SP):
        s = SP + s
    words, cur = [], ""
    for ch in s:  # Metaspace split: every word starts at a `▁`
        if ch == SP and cur:
            words.append(cur)
            cur = ""
        cur += ch
    if cur:
        words.append(cur)
    pieces = [p for w in words for p in viterbi(w, ids, scores, unk_score)]
    fused = [p for i, p in enumerate(pieces) if not (p == UNK and i > 0 and pieces[i - 1] == UNK)]
    full = [BOS] + fused + [EOS]
    return full if len(full) <= CONTEXT else full[: CONTEXT - 1] + [EOS]


def tokenizer_json(v):
    added = [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
              "special": True} for i, s in enumerate(SPECIALS)]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "NFKC"},
        "pre_tokenizer": {"type": "Metaspace", "replacement": SP, "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {s: {"id": s, "ids": [i], "tokens": [s]} for i, s in ((BOS, "<s>"), (EOS, "</s>"))},
        },
        "decoder": {"type": "Metaspace", "replacement": SP, "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": UNK, "byte_fallback": False,
                  "vocab": [[s, 0.0] for s in SPECIALS] + [[p, s] for p, s in PIECES.items()]},
    }


class TinyXlmr(nn.Module):
    """One post-norm encoder layer with XLM-RoBERTa's embedding rules; returns (last_hidden_state,) like HF."""

    def __init__(self, n_vocab):
        super().__init__()
        self.tok = nn.Embedding(n_vocab, WIDTH, padding_idx=PAD)
        self.pos = nn.Embedding(MAX_POS, WIDTH, padding_idx=PAD)
        self.ln0 = nn.LayerNorm(WIDTH)
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.out = nn.Linear(WIDTH, WIDTH)
        self.ln1 = nn.LayerNorm(WIDTH)
        self.ff = nn.Sequential(nn.Linear(WIDTH, 2 * WIDTH), nn.GELU(), nn.Linear(2 * WIDTH, WIDTH))
        self.ln2 = nn.LayerNorm(WIDTH)

    def forward(self, input_ids, attention_mask):
        not_pad = (input_ids != PAD).to(torch.int64)
        positions = torch.cumsum(not_pad, dim=1) * not_pad + PAD
        x = self.ln0(self.tok(input_ids) + self.pos(positions))
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        bias = (1.0 - attention_mask.to(torch.float32))[:, None, :] * -1e4
        att = (q @ k.transpose(-1, -2)) / math.sqrt(WIDTH) + bias
        x = self.ln1(x + self.out(att.softmax(-1) @ v))
        return (self.ln2(x + self.ff(x)),)


class WithTokenTypes(nn.Module):
    """`text` plus a term that is zero exactly when every token_type_id is 0."""

    def __init__(self, text):
        super().__init__()
        self.text = text
        self.type_vec = nn.Parameter(torch.randn(DIM))

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.text(input_ids, attention_mask) + token_type_ids.to(torch.float32).sum(1, keepdim=True) * \
            self.type_vec


class Vision(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 8, 8)
        self.proj = nn.Linear(8 * 16, DIM, bias=False)

    def forward(self, pixel_values):
        return self.proj(torch.relu(self.conv(pixel_values)).flatten(1))


def main():
    torch.manual_seed(15)
    v = vocab()
    os.makedirs(os.path.join(OUT, "onnx"), exist_ok=True)
    text = TextEmbeds(TinyXlmr(len(v)), "mean", nn.Linear(WIDTH, DIM)).eval()
    example = torch.tensor([[BOS, 5, 6, EOS, PAD]])
    export_text(text, os.path.join(OUT, "onnx", "text_model.onnx"), example)
    vision = Vision().eval()
    with torch.no_grad():
        torch.onnx.export(vision, (torch.zeros(1, 3, IMAGE, IMAGE),), os.path.join(OUT, "onnx", "vision_model.onnx"),
                          opset_version=17, input_names=["pixel_values"], output_names=["image_embeds"],
                          dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}})
    text.eval()
    os.makedirs(VARIANTS, exist_ok=True)
    typed = WithTokenTypes(text).eval()
    with torch.no_grad():
        torch.onnx.export(typed, (example, torch.ones_like(example), torch.zeros_like(example)),
                          os.path.join(VARIANTS, "text_model_token_type_ids.onnx"), opset_version=17,
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["text_embeds"],
                          dynamic_axes={n: {0: "batch_size", 1: "sequence_length"}
                                        for n in ("input_ids", "attention_mask", "token_type_ids")}
                          | {"text_embeds": {0: "batch_size"}})
    text.eval()

    cases = []
    try:
        from tokenizers import Tokenizer as HfTokenizer
        hf = HfTokenizer.from_str(json.dumps(tokenizer_json(v)))
    except ImportError:
        hf = None
    for name, s in CASES:
        ids = reference_ids(s, v)
        if hf is not None:
            theirs = hf.encode(s).ids
            theirs = theirs if len(theirs) <= CONTEXT else theirs[: CONTEXT - 1] + [EOS]
            assert theirs == ids, f"{name}: tokenizers gives {theirs}, the Viterbi segmenter {ids}"
        t = torch.tensor([ids])
        with torch.no_grad():
            e = text(t, torch.ones_like(t))[0]
        e = e / e.norm()
        cases.append({"name": name, "text": s, "ids": ids, "embedding": [round(float(x), 7) for x in e]})
    # One padded batch, as the provider builds it: every row padded with <pad> (1) to the longest.
    rows = [c["ids"] for c in cases]
    width = max(map(len, rows))
    ids = torch.tensor([r + [PAD] * (width - len(r)) for r in rows])
    mask = (torch.arange(width)[None, :] < torch.tensor([len(r) for r in rows])[:, None]).to(torch.int64)
    with torch.no_grad():
        batch = text(ids, mask)
    batch = batch / batch.norm(dim=1, keepdim=True)
    single = torch.tensor([c["embedding"] for c in cases])
    assert float((batch - single).abs().max()) < 1e-5, "padding changed an embedding"

    with open(os.path.join(OUT, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(v), f, ensure_ascii=False, indent=1)
    pre = {"do_resize": True, "size": {"shortest_edge": IMAGE}, "resample": 3, "do_center_crop": True,
           "crop_size": {"height": IMAGE, "width": IMAGE}, "do_rescale": True, "rescale_factor": 1 / 255,
           "do_normalize": True, "image_mean": MEAN, "image_std": STD, "image_processor_type": "CLIPImageProcessor"}
    with open(os.path.join(OUT, "preprocessor_config.json"), "w") as f:
        json.dump(pre, f, indent=1)
    config = {
        "model_type": "clip", "projection_dim": DIM,
        "text_config": {"model_type": "xlm-roberta", "max_position_embeddings": MAX_POS, "vocab_size": len(v),
                        "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD},
        "vision_config": {"image_size": IMAGE},
        "vitrine": {"name": "tiny-multilingual-clip", "text_pooling": "mean", "text_max_length": CONTEXT,
                    "towers": {"text": "tiny XLM-R-shaped encoder (make-fixture.py)",
                               "vision": "tiny conv encoder (make-fixture.py)",
                               "space": "tiny-multilingual-clip"}},
    }
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    with open(os.path.join(OUT, "reference.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "tools/multilingual-clip/make-fixture.py", "torch": torch.__version__,
                   "max_length": CONTEXT, "pad_id": PAD, "cases": cases}, f, ensure_ascii=False, indent=1)
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("# multilingual-unigram\n\nGenerated by `tools/multilingual-clip/make-fixture.py` (random weights, "
                "hand-built vocabulary; written for this repository, same licence as the repository). Do not edit: "
                "rerun the generator.\n")
    # Format the text files as the repository's prettier would before hashing them, so `npm run format` leaves them
    # alone and export.json hashes exactly what is committed.
    texts = [os.path.join(OUT, f) for f in ("config.json", "preprocessor_config.json", "tokenizer.json",
                                             "reference.json", "README.md")]
    subprocess.run(["npx", "prettier", "--log-level", "warn", "--write", *texts], cwd=ROOT, check=True)
    write_export_manifest(OUT, "tiny-multilingual-clip",
                          {"repo": "generated/tiny-xlmr", "revision": "make-fixture.py"},
                          {"repo": "generated/tiny-conv", "revision": "make-fixture.py"},
                          space="tiny-multilingual-clip")
    for name, _ in CASES:
        c = next(c for c in cases if c["name"] == name)
        print(f"{name:15} {c['ids']}")
    sizes = {p: os.path.getsize(os.path.join(OUT, "onnx", p)) for p in os.listdir(os.path.join(OUT, "onnx"))}
    print("onnx sizes", sizes)


if __name__ == "__main__":
    main()
