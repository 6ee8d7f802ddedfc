#!/usr/bin/python3
"""Packs what training reads into one folder that can be carried to a machine without Node.js or the npm packages
(the GPU machine of device-train.sh):

  <out>/dataset.npz      every picture, reference-preprocessed to uint8 [3,64,64], per style, plus names and tags
  <out>/tokenizer.json   built by train.py's code from the same text, checked against @huggingface/tokenizers here

  /usr/bin/python3 tools/demo-model/pack_dataset.py [--out tools/demo-model/.cache/device]
  /usr/bin/python3 tools/demo-model/pack_dataset.py --check models/demo-clip/tokenizer.json   # parity only
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import train as T  # noqa: E402
import vitrine_tok as vt  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(C.CACHE, "device"))
    ap.add_argument("--lang-weights", default=T.DEFAULT_LANG_WEIGHTS, help="languages of the tokenizer (as train.py)")
    ap.add_argument("--max-len", type=int, default=32)
    ap.add_argument("--check", default=None, metavar="TOKENIZER_JSON",
                    help="only compare this tokenizer's Python ids with @huggingface/tokenizers (check_tokenizer.mjs) "
                         "on every training text, e.g. a model that came back from the GPU machine")
    args = ap.parse_args()
    concepts, meta, images, train_styles = C.load_images(C.load_manifest())
    weights = T.parse_weights(args.lang_weights)
    sampler = T.TextSampler(concepts, meta, random.Random(0), weights)
    texts = sampler.all_texts() + sampler.all_texts(list(weights)[1:]) + [meta[c]["label"] for c in concepts]
    if args.check:
        with open(args.check, encoding="utf-8") as f:
            tok = vt.WordPieceTokenizer(json.load(f)["model"]["vocab"], args.max_len)
        T.check_tokenizer_parity(tok, os.path.abspath(args.check), texts)
        return
    os.makedirs(args.out, exist_ok=True)
    data = os.path.join(args.out, "dataset.npz")
    C.save_packed(data, concepts, meta, images, train_styles)
    vocab, tok = T.build_tokenizer(sampler, args.max_len, list(weights))
    tok_path = os.path.join(args.out, "tokenizer.json")
    vt.save(vocab, tok_path)
    T.check_tokenizer_parity(tok, tok_path, texts)
    size = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    n_pics = sum(p is not None for s in train_styles for p in images[s])
    print(f"packed {len(concepts)} concepts, {n_pics} training pictures in {len(train_styles)} styles, vocab "
          f"{vt.vocab_stats(vocab)} -> {args.out} ({size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
