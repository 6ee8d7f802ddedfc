#!/usr/bin/python3
"""Writes models/demo-clip/MODEL_CARD.md from metrics.json and config.json (so the card always states the numbers
of the committed model). Last step of build.sh. `--out DIR --metrics FILE` write the card of another exported model
(a trial run, a model trained on the GPU machine) without touching models/demo-clip."""
import argparse
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(REPO, "models", "demo-clip")


def row(name, m):
    return f"| {name} | {m['n']} | {m['R@1']:.3f} | {m['R@5']:.3f} | {m['R@10']:.3f} | {m['MedR']:g} | {m['MeanR']:g} |"


LANG_NAMES = {"en": "English", "zh": "Chinese (Simplified)", "ja": "Japanese", "de": "German", "fr": "French",
              "es": "Spanish"}


def data_rows(metrics):
    """One row per picture set trained on (package@version and licence from concepts.mjs / node_modules), then the
    text source and the evaluation-only set."""
    lic = json.loads(subprocess.run(
        ["node", "--input-type=module", "-e",
         "const m = await import('./concepts.mjs'); console.log(JSON.stringify(m.LICENCES))"],
        cwd=HERE, check=True, capture_output=True, text=True).stdout)

    def version(pkg):
        try:
            with open(os.path.join(HERE, "node_modules", pkg, "package.json")) as f:
                return json.load(f)["version"]
        except OSError:
            return "?"

    styles = metrics.get("training_styles") or ["google", "twitter", "fluent-flat", "fluent-3d"]
    rows = [f"| {s}: npm `{lic[s][0]}` {version(lic[s][0])} | training pictures | {lic[s][1]} |" for s in styles]
    langs = ", ".join(LANG_NAMES.get(x, x) for x in (metrics.get("languages") or {"en": 1}))
    rows.append(f"| Unicode CLDR names and tags ({langs}) via emojibase, npm `emojibase-data` "
                f"{version('emojibase-data')} | training text | MIT (emojibase); CLDR data © Unicode, Inc., Unicode "
                "License v3 |")
    rows.append(f"| OpenMoji, npm `openmoji` {version('openmoji')} | **evaluation only** (never trained on) | "
                "CC-BY-SA-4.0, https://openmoji.org |")
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=OUT, help="exported model folder (config.json, onnx/); the card is written there")
    ap.add_argument("--metrics", default=os.path.join(HERE, "metrics.json"))
    args = ap.parse_args()
    out = args.out
    metrics = json.load(open(args.metrics))
    config = json.load(open(os.path.join(out, "config.json")))
    v = config["vitrine"]
    mm = metrics["metrics"]
    sizes = {f: os.path.getsize(os.path.join(out, "onnx", f)) / 1e6 for f in sorted(os.listdir(os.path.join(out, "onnx")))}
    params = metrics["params"]
    cat = metrics.get("catalog", {})
    tc = config["text_config"]
    lines = [
        "# vitrine-demo-clip",
        "",
        "A small CLIP-style dual encoder for the Vitrine demo and tests: it maps product pictures and short product",
        "texts into one 256-d space. It is trained from scratch, on CPU, on emoji pictures and their Unicode CLDR names",
        "and tags; it knows ~480 product-like concepts (clothing, shoes, bags, jewellery, food & drink, kitchen,",
        "household, furniture, electronics, office, tools, sports, toys & games, musical instruments, ...) and nothing",
        "else. It is a demo model: good enough to make search results meaningful, far from a real CLIP.",
        "",
        "## Files",
        "",
        "| file | what |",
        "|---|---|",
        f"| `onnx/vision_model.onnx` ({sizes.get('vision_model.onnx', 0):.1f} MB) | `pixel_values` float32 [batch, 3, 64, 64] → `image_embeds` float32 [batch, 256] |",
        f"| `onnx/text_model.onnx` ({sizes.get('text_model.onnx', 0):.1f} MB) | `input_ids`, `attention_mask` int64 [batch, seq ≤ {tc['max_position_embeddings']}] → `text_embeds` float32 [batch, 256] |",
        "| `tokenizer.json` | Hugging Face tokenizers format (WordPiece), loads in `@huggingface/tokenizers` |",
        "| `preprocessor_config.json` | CLIP image-processor settings (64 px, bicubic, centre crop, CLIP mean/std) |",
        "| `config.json` | CLIP-style config; `vitrine` holds pooling, truncation, metrics, training details |",
        "| `reference.json`, `reference-images/` | parity fixtures: token ids and L2-normalised embeddings from PyTorch |",
        "",
        f"ONNX opset {v['opset']}, dynamic batch (and sequence) axes. Embeddings are projected but **not normalised**",
        "(like Hugging Face CLIP exports): L2-normalise before cosine similarity. Weights are stored as float16 with",
        "`Cast` nodes, computation is float32.",
        "",
        "## Architecture",
        "",
        f"- Image tower: {v['vision_architecture']} (3x3 convs, BatchNorm folded at export, ReLU, residual blocks at",
        f"  1/4, 1/8, 1/16 resolution), global average pool, linear projection to 256. {params['vision']:,} parameters.",
        f"- Text tower: {v['text_architecture']}; learned positions (max {tc['max_position_embeddings']}); padding",
        "  masked out of attention; output read at the **first end token `[SEP]`** (like CLIP's EOS pooling), linear",
        f"  projection to 256. {params['text']:,} parameters.",
        f"- Learned temperature, symmetric InfoNCE with multi-positive targets (a tag like \"shoe\" describes several",
        "  concepts), plus an image–image InfoNCE between two drawing styles of the same concept.",
        "",
        "## Tokenizer and preprocessing",
        "",
        f"- WordPiece vocabulary of {tc['vocab_size']} tokens built from the training text: every whole word, every",
        "  character alone and as `##` continuation (a Latin-script word is never `[UNK]`), a few suffixes. BERT",
        "  normaliser (lower-case, strip accents, CJK spacing), BERT pre-tokeniser, `[CLS] … [SEP]` post-processor.",
        f"- `[PAD]`={tc['pad_token_id']}, `[UNK]`=1, `[CLS]`={tc['bos_token_id']} (start), `[SEP]`={tc['eos_token_id']} (end), `[MASK]`=4.",
        f"  Truncate to {tc['max_position_embeddings']} keeping `[SEP]` last; pad right with `[PAD]`, attention_mask 0.",
        "- Images: composite on white, RGB, shortest edge → 64 (bicubic), centre crop 64x64, /255, normalise with",
        "  mean [0.4815, 0.4578, 0.4082], std [0.2686, 0.2613, 0.2758].",
        "",
        "## Data and licences",
        "",
        "| source | used for | licence |",
        "|---|---|---|",
        *data_rows(metrics),
        "",
        "Training text: lower-cased CLDR names, emojibase shortcodes and CLDR tags in prompt templates (\"a photo of a",
        "{name}\", \"{name} for sale\", \"{tag}\", tag pairs, ...; per language, e.g. \"一个{name}\", \"{name}出售\"), the",
        "language drawn per text with shares " + ", ".join(f"{k} {v:g}" for k, v in (metrics.get("languages") or
                                                                          {"en": 1}).items()) + ". Augmentation aimed at unseen drawing styles: hue",
        "rotation, grayscale, darkness, posterised flat fills, black outlines and line-art renderings from edge maps,",
        "thicker/thinner strokes, blur, low resolution, rotation/zoom/aspect/translation/flip, cut-out.",
        "",
        "## Training",
        "",
        "```sh",
        "tools/demo-model/build.sh" if metrics.get("device", "cpu") == "cpu" else
        "tools/demo-model/device-train.sh   # on the GPU machine, then the finishing steps of tools/demo-model/README.md",
        "```",
        "",
        "which runs " + " then ".join(f"`{p['command']}`" for p in metrics.get("phases", [metrics])) +
        f" (seed {metrics['seed']}, {metrics['steps']} steps in all of "
        f"{metrics['batch_concepts']} distinct concepts with two pictures and one text each, AdamW, cosine schedule,",
        (f"on {metrics['device']}, torch {metrics['torch']}). " if metrics.get("device", "cpu") != "cpu" else
         f"{metrics['threads']} threads, torch {metrics['torch']} from Debian with OpenBLAS). ")
        + f"Measured training time: **{metrics['train_seconds'] / 60:.1f} min**"
        + (f", {metrics['seconds_per_step']:.3f} s/step" if metrics.get("seconds_per_step") else "")
        + (f" (a {metrics['time_budget_min']:g}-minute budget: the step count was set from the measured step time)"
           if metrics.get("time_budget_min") else "")
        + (" (2 CPU cores; other work ran beside it part of the time)." if metrics.get("device", "cpu") == "cpu"
           else "."),
        "",
        "## Evaluation",
        "",
        "OpenMoji (colour) pictures, a style never seen in training, one per concept:",
        "",
        "| task | n | R@1 | R@5 | R@10 | MedR | MeanR |",
        "|---|---|---|---|---|---|---|",
        row("text → image: CLDR name → OpenMoji gallery", mm["text_to_image_openmoji"]),
        *[row(f"text → image: {LANG_NAMES.get(k.rsplit('_', 1)[1], k)} CLDR name → OpenMoji gallery", mm[k])
          for k in mm if k.startswith("text_to_image_openmoji_")],
        row("image → image: OpenMoji → catalog picture (Fluent 3D / Noto)", mm["image_to_image_openmoji_to_catalog"]),
    ]
    for s in ("google", "twitter", "fluent-flat", "fluent-3d"):
        lines.append(row(f"image → image: OpenMoji → {s}", mm[f"image_to_image_openmoji_to_{s}"]))
    lines.append(row("text → image: CLDR name → Noto gallery (a training style)", mm["text_to_image_google_seen"]))
    if cat:
        lines += [
            "",
            "Demo catalog (`data/demo-catalog/queries.jsonl` against every product, best picture per product) — what the",
            "TypeScript evaluator should reproduce with this model:",
            "",
            "| queries | n | R@1 | R@5 | R@10 | MedR | MeanR | MRR |",
            "|---|---|---|---|---|---|---|---|",
            row("text (CLDR name)", cat["text_queries"]) + f" {cat['text_queries']['MRR']:.3f} |",
            row("image (OpenMoji)", cat["image_queries"]) + f" {cat['image_queries']['MRR']:.3f} |",
        ] + ([row("text, Chinese (CLDR zh name, queries.zh.jsonl)", cat["text_zh_queries"])
              + f" {cat['text_zh_queries']['MRR']:.3f} |"] if "text_zh_queries" in cat else [])
    lines += [
        "",
        "## Limits",
        "",
        ("- English only; Chinese (or any CJK) text is split into characters that are all `[UNK]`."
         if list(metrics.get("languages") or ["en"]) == ["en"] else
         "- Names in languages other than English are the CLDR ones only (one name, a few tags per concept): other"
         " wordings of the same thing are far less reliable than in English."),
        "- Knows only the concepts above, drawn as emoji; photos of real products are out of distribution.",
        "- No checkpoint was picked by its OpenMoji score: the shipped model is the last step of the last phase."
        + (" The second, lower-LR phase was added after the first phase's OpenMoji numbers fell just short of"
           " the targets (R@1 0.30), so OpenMoji did influence how long the model was trained."
           if metrics.get("phases") else ""),
        "",
    ]
    with open(os.path.join(out, "MODEL_CARD.md"), "w") as f:
        f.write("\n".join(lines))
    print("wrote", os.path.join(out, "MODEL_CARD.md"))


if __name__ == "__main__":
    main()
