#!/usr/bin/env python3
"""Exports a multilingual CLIP into a folder Vitrine loads, for `vitrine model fetch <name> --from <folder>`.

Run it on a machine with Python and access to the Hugging Face hub (this repository's CI has neither):

    python3 -m venv .venv && . .venv/bin/activate
    pip install torch transformers onnx onnxruntime huggingface_hub \\
        sentence-transformers   # for clip-vit-b32-multilingual
        multilingual-clip       # for mclip-xlmr-large-vit-b32
    python3 tools/multilingual-clip/export.py clip-vit-b32-multilingual --out exports/clip-vit-b32-multilingual
    npm run vitrine -- model fetch clip-vit-b32-multilingual --from exports/clip-vit-b32-multilingual

Models (`--list` prints them):

  clip-vit-b32-multilingual  text: sentence-transformers/clip-ViT-B-32-multilingual-v1 (multilingual DistilBERT,
                             WordPiece, mean pooling, Dense 768->512 without bias), vision: openai/clip-vit-base-patch32
  mclip-xlmr-large-vit-b32   text: M-CLIP/XLM-Roberta-Large-Vit-B-32 (XLM-R Large, SentencePiece/Unigram, pad id 1,
                             mean pooling, Linear 1024->512), vision: openai/clip-vit-base-patch32
  chinese-clip-vit-b16       text and vision: OFA-Sys/chinese-clip-vit-base-patch16 (Chinese RoBERTa-wwm, WordPiece,
                             first-token pooling, text_projection 768->512; its own ViT-B/16)

What it writes, in the layout Vitrine's loader reads (docs/embeddings.md, "Model directory"):

  onnx/text_model.onnx       `input_ids`, `attention_mask` (int64) -> `text_embeds` [batch, 512]: the transformer,
                             the pooling and the projection in one graph (text_head.TextEmbeds, the same wrapper the
                             test fixture is built with). Graphs over 2 GB keep their weights in text_model.onnx_data.
  onnx/vision_model.onnx     `pixel_values` -> `image_embeds` [batch, 512]
  tokenizer.json             the text model's fast tokenizer, as its repository ships it
  preprocessor_config.json   the vision model's image processor
  config.json                projection_dim, the special ids the tokenizer really adds, and `vitrine`: name, pooling,
                             context length (`text_max_length`), and `towers` (text and vision repo@commit, shared space)
  export.json                the name, both sources pinned to the commit the hub resolved, a parity check of the ONNX
                             graphs against the PyTorch models, and the sha256 of every file

The parity check runs a few texts in several languages (and random pixels) through PyTorch and onnxruntime and
refuses to finish when they differ by more than --tolerance. The export takes a few minutes and, for XLM-R Large,
about 8 GB of RAM.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

OPENAI_B32 = "openai/clip-vit-base-patch32"
RECIPES = {
    "clip-vit-b32-multilingual": {
        "text": "sentence-transformers/clip-ViT-B-32-multilingual-v1", "vision": OPENAI_B32, "space": OPENAI_B32,
        "kind": "sentence-transformers", "pooling": "mean",
        # None: the model's own max_seq_length (sentence_bert_config.json)
        "max_length": None,
    },
    "mclip-xlmr-large-vit-b32": {
        "text": "M-CLIP/XLM-Roberta-Large-Vit-B-32", "vision": OPENAI_B32, "space": OPENAI_B32,
        "kind": "mclip", "pooling": "mean",
        # M-CLIP's card sets no limit; 77 keeps queries and titles whole at CLIP's own context (Immich's export
        # of the same model uses 77 too). Override with --max-length.
        "max_length": 77,
    },
    "chinese-clip-vit-b16": {
        "text": "OFA-Sys/chinese-clip-vit-base-patch16", "vision": "OFA-Sys/chinese-clip-vit-base-patch16",
        "space": "OFA-Sys/chinese-clip-vit-base-patch16", "kind": "chinese-clip", "pooling": "cls",
        # Chinese-CLIP's own code tokenises to a context of 52.
        "max_length": 52,
    },
}
PARITY_TEXTS = ["red running shoes", "红色的鞋", "赤い運動靴", "rote Laufschuhe", "sac à main en cuir",
                "a blue umbrella 雨伞", ""]


def as_tensor(x, field):
    """`get_text_features`/`get_image_features` return a tensor in transformers 4.x; newer releases may wrap it."""
    import torch
    if isinstance(x, torch.Tensor):
        return x
    return getattr(x, field, None) if getattr(x, field, None) is not None else x[0]


def resolve(repo, revision):
    """The commit `revision` names now, so export.json pins the bytes that were exported."""
    from huggingface_hub import HfApi
    return HfApi().model_info(repo, revision=revision).sha


def load_text(recipe, revision):
    """Returns (transformer, projection, fast tokenizer, max_length, reference encode function)."""
    import torch
    kind, repo = recipe["kind"], recipe["text"]
    if kind == "sentence-transformers":
        from sentence_transformers import SentenceTransformer
        st = SentenceTransformer(repo, revision=revision, device="cpu")
        modules = list(st)
        pooling, dense = modules[1], modules[2]
        if len(modules) != 3 or not getattr(pooling, "pooling_mode_mean_tokens", False):
            raise SystemExit(f"{repo}: expected Transformer, mean Pooling, Dense; got {[type(m).__name__ for m in modules]}")
        if not isinstance(dense.activation_function, torch.nn.Identity):
            raise SystemExit(f"{repo}: the Dense layer has activation {dense.activation_function}; expected Identity")
        ref = lambda texts: st.encode(texts, convert_to_tensor=True, normalize_embeddings=False)  # noqa: E731
        return modules[0].auto_model, dense.linear, st.tokenizer, st.max_seq_length, ref
    if kind == "mclip":
        import transformers
        from multilingual_clip import pt_multilingual_clip
        model = pt_multilingual_clip.MultilingualCLIP.from_pretrained(repo, revision=revision).eval()
        tok = transformers.AutoTokenizer.from_pretrained(repo, revision=revision, use_fast=True)
        ref = lambda texts: model.forward(texts, tok)  # noqa: E731
        return model.transformer, model.LinearTransformation, tok, None, ref
    if kind == "chinese-clip":
        from transformers import ChineseCLIPModel, AutoTokenizer
        model = ChineseCLIPModel.from_pretrained(repo, revision=revision).eval()
        tok = AutoTokenizer.from_pretrained(repo, revision=revision, use_fast=True)

        def ref(texts):
            b = tok(texts, padding=True, return_tensors="pt")
            return as_tensor(model.get_text_features(input_ids=b["input_ids"], attention_mask=b["attention_mask"]),
                             "text_embeds")
        return model.text_model, model.text_projection, tok, None, ref
    raise SystemExit(f"unknown kind {kind}")


class OpenAiVision:
    @staticmethod
    def load(repo, revision):
        import torch
        from transformers import CLIPImageProcessor, CLIPVisionModelWithProjection
        model = CLIPVisionModelWithProjection.from_pretrained(repo, revision=revision).eval()

        class Tower(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, pixel_values):
                return self.model(pixel_values=pixel_values).image_embeds
        return Tower().eval(), CLIPImageProcessor.from_pretrained(repo, revision=revision)


class ChineseClipVision:
    @staticmethod
    def load(repo, revision):
        import torch
        from transformers import ChineseCLIPImageProcessor, ChineseCLIPModel
        model = ChineseCLIPModel.from_pretrained(repo, revision=revision).eval()

        class Tower(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, pixel_values):
                return as_tensor(self.model.get_image_features(pixel_values=pixel_values), "image_embeds")
        return Tower().eval(), ChineseCLIPImageProcessor.from_pretrained(repo, revision=revision)


def consolidate(src, dst, data_name):
    """Writes the ONNX model at `src` to `dst`; weights over protobuf's 2 GB go to one `data_name` file beside it."""
    import onnx
    model = onnx.load(src)  # loads external tensors too
    if model.ByteSize() < 2_000_000_000:
        onnx.save_model(model, dst)
    else:
        onnx.save_model(model, dst, save_as_external_data=True, all_tensors_to_one_file=True, location=data_name,
                        size_threshold=1024)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", nargs="?", choices=sorted(RECIPES))
    ap.add_argument("--out", help="output folder (created; must be empty or absent)")
    ap.add_argument("--text-revision", default="main")
    ap.add_argument("--vision-revision", default="main")
    ap.add_argument("--max-length", type=int, help="text context in tokens (default: the recipe's)")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--tolerance", type=float, default=1e-4, help="largest |PyTorch - onnxruntime| accepted")
    ap.add_argument("--list", action="store_true", help="print the models this script exports")
    a = ap.parse_args()
    if a.list or not a.name:
        for n, r in RECIPES.items():
            print(f"{n:28} text {r['text']}\n{'':28} vision {r['vision']}")
        return
    if not a.out:
        ap.error("--out is required")
    if os.path.exists(a.out) and os.listdir(a.out):
        ap.error(f"{a.out} is not empty")

    import numpy as np
    import onnxruntime as ort
    import torch
    from text_head import TextEmbeds, export_text, write_export_manifest

    recipe = RECIPES[a.name]
    text_rev = resolve(recipe["text"], a.text_revision)
    vision_rev = resolve(recipe["vision"], a.vision_revision)
    print(f"text   {recipe['text']}@{text_rev}\nvision {recipe['vision']}@{vision_rev}")

    transformer, projection, tok, own_max, reference = load_text(recipe, text_rev)
    if not tok.is_fast:
        raise SystemExit("the text model has no fast tokenizer (tokenizer.json); Vitrine needs one")
    max_length = a.max_length or recipe["max_length"] or own_max
    mpe = transformer.config.max_position_embeddings
    # RoBERTa-family models number positions from pad_id + 1, so 514 positions hold 512 tokens.
    usable = mpe - (tok.pad_token_id + 1 if transformer.config.model_type in ("xlm-roberta", "roberta") else 0)
    if max_length > usable:
        raise SystemExit(f"--max-length {max_length} exceeds the {usable} positions the text model has")
    text = TextEmbeds(transformer, recipe["pooling"], projection).eval()
    vision_loader = ChineseClipVision if recipe["kind"] == "chinese-clip" else OpenAiVision
    vision, processor = vision_loader.load(recipe["vision"], vision_rev)

    out = os.path.abspath(a.out)
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        example = tok(["a photo", "红色的鞋子"], padding=True, return_tensors="pt")["input_ids"]
        export_text(text, os.path.join(tmp, "text.onnx"), example, opset=a.opset)
        size = processor.crop_size if getattr(processor, "do_center_crop", False) else processor.size
        h, w = size["height"], size["width"]
        with torch.no_grad():
            torch.onnx.export(vision, (torch.zeros(1, 3, h, w),), os.path.join(tmp, "vision.onnx"),
                              opset_version=a.opset, input_names=["pixel_values"], output_names=["image_embeds"],
                              dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}})
        vision.eval()
        consolidate(os.path.join(tmp, "text.onnx"), os.path.join(out, "onnx", "text_model.onnx"),
                    "text_model.onnx_data")
        consolidate(os.path.join(tmp, "vision.onnx"), os.path.join(out, "onnx", "vision_model.onnx"),
                    "vision_model.onnx_data")
        tok.save_pretrained(tmp)
        shutil.copyfile(os.path.join(tmp, "tokenizer.json"), os.path.join(out, "tokenizer.json"))
    processor.save_pretrained(out)  # preprocessor_config.json

    # Parity: the exported graphs against the PyTorch models they came from.
    sess_t = ort.InferenceSession(os.path.join(out, "onnx", "text_model.onnx"), providers=["CPUExecutionProvider"])
    sess_v = ort.InferenceSession(os.path.join(out, "onnx", "vision_model.onnx"), providers=["CPUExecutionProvider"])
    b = tok(PARITY_TEXTS, padding=True, truncation=True, max_length=max_length, return_tensors="np")
    got_t = sess_t.run(["text_embeds"], {"input_ids": b["input_ids"].astype(np.int64),
                                         "attention_mask": b["attention_mask"].astype(np.int64)})[0]
    with torch.no_grad():
        want_t = reference(PARITY_TEXTS).detach().cpu().numpy()
        px = torch.randn(2, 3, h, w, generator=torch.Generator().manual_seed(0))
        want_v = vision(px).numpy()
    got_v = sess_v.run(["image_embeds"], {"pixel_values": px.numpy()})[0]
    diff_t, diff_v = float(np.abs(got_t - want_t).max()), float(np.abs(got_v - want_v).max())
    print(f"parity: text max |diff| {diff_t:.2e} over {len(PARITY_TEXTS)} texts, vision {diff_v:.2e}")
    if got_t.shape[1] != got_v.shape[1]:
        raise SystemExit(f"text_embeds has {got_t.shape[1]} dimensions, image_embeds {got_v.shape[1]}")
    if max(diff_t, diff_v) > a.tolerance:
        raise SystemExit(f"the ONNX graphs differ from PyTorch by more than {a.tolerance}; nothing to install")

    empty = tok("")["input_ids"]
    config = {
        "model_type": "clip", "projection_dim": int(got_t.shape[1]),
        "text_config": {"model_type": transformer.config.model_type, "max_position_embeddings": mpe,
                        "vocab_size": transformer.config.vocab_size, "bos_token_id": empty[0],
                        "eos_token_id": empty[-1], "pad_token_id": tok.pad_token_id},
        "vision_config": {"image_size": h},
        "vitrine": {"name": a.name, "text_pooling": recipe["pooling"], "text_max_length": max_length,
                    "towers": {"text": f"{recipe['text']}@{text_rev}", "vision": f"{recipe['vision']}@{vision_rev}",
                               "space": recipe["space"]}},
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    import transformers
    write_export_manifest(
        out, a.name, {"repo": recipe["text"], "revision": text_rev},
        {"repo": recipe["vision"], "revision": vision_rev}, space=recipe["space"],
        parity={"texts": PARITY_TEXTS, "text_max_abs_diff": diff_t, "vision_max_abs_diff": diff_v},
        exported_with={"torch": torch.__version__, "transformers": transformers.__version__,
                       "onnxruntime": ort.__version__, "opset": a.opset})
    print(f"wrote {out}\nnext: npm run vitrine -- model fetch {a.name} --from {out}")


if __name__ == "__main__":
    main()
