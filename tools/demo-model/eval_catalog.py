#!/usr/bin/python3
"""Runs data/demo-catalog/queries.jsonl against data/demo-catalog/products.jsonl with the trained model and the
reference preprocessing, as the TypeScript evaluator will: a product's score is the best score over its pictures.
Adds the numbers to metrics.json under "catalog" (the expected result of the TypeScript evaluator)."""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import vitrine_tok as vt  # noqa: E402

REPO = os.path.abspath(os.path.join(C.HERE, "..", ".."))
CAT = os.path.join(REPO, "data", "demo-catalog")


def main():
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=os.path.join(C.CACHE, "checkpoint.pt"))
    ap.add_argument("--metrics", default=os.path.join(C.HERE, "metrics.json"))
    ap.add_argument("--tokenizer", default=None,
                    help="default: tokenizer.json next to the checkpoint, else models/demo-clip/tokenizer.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(args.checkpoint, map_location="cpu")
    model = C.DualEncoder(ck["cfg"])
    model.load_state_dict(ck["state"])
    model.eval()
    tok_path = args.tokenizer or os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)), "tokenizer.json")
    if not os.path.exists(tok_path):
        tok_path = os.path.join(REPO, "models", "demo-clip", "tokenizer.json")
    with open(tok_path, encoding="utf-8") as f:
        tok = vt.WordPieceTokenizer(json.load(f)["model"]["vocab"], ck["cfg"]["max_len"])

    products = [json.loads(line) for line in open(os.path.join(CAT, "products.jsonl"), encoding="utf-8")]
    queries = [json.loads(line) for line in open(os.path.join(CAT, "queries.jsonl"), encoding="utf-8")]
    zh_file = os.path.join(CAT, "queries.zh.jsonl")  # Chinese names of the text queries (build-catalog.mjs)
    zh = [json.loads(line) for line in open(zh_file, encoding="utf-8")] if os.path.exists(zh_file) else []
    files, owner = [], []
    for pi, p in enumerate(products):
        for im in p["images"]:
            files.append(im)
            owner.append(pi)
    with torch.no_grad():
        px = torch.stack([C.preprocess_file(os.path.join(CAT, f)) for f in files])
        gal = F.normalize(model.vision(px), dim=-1)
    owner = torch.tensor(owner)
    sku_index = {p["sku"]: i for i, p in enumerate(products)}

    def product_scores(q):  # [Q, D] -> [Q, products], max over each product's pictures
        s = q @ gal.T
        out = torch.full((q.shape[0], len(products)), -2.0)
        return out.scatter_reduce(1, owner.expand(q.shape[0], -1), s, reduce="amax")

    res = {}
    for kind in ("text", "image", "text_zh"):
        qs = [q for q in (zh if kind == "text_zh" else queries) if kind.split("_")[0] in q]
        if not qs:
            continue
        with torch.no_grad():
            if kind != "image":
                ids, mask = tok.encode_batch([q["text"] for q in qs])
                qe = F.normalize(model.text(torch.tensor(ids), torch.tensor(mask)), dim=-1)
            else:
                qe = F.normalize(model.vision(torch.stack([C.preprocess_file(os.path.join(CAT, q["image"]))
                                                           for q in qs])), dim=-1)
        s = product_scores(qe)
        rel = torch.tensor([sku_index[q["relevant"][0]] for q in qs])
        own = s.gather(1, rel.view(-1, 1))
        ranks = (s > own).sum(1).float() + 1
        res[f"{kind}_queries"] = {
            "n": len(qs),
            "R@1": round(float((ranks <= 1).float().mean()), 4),
            "R@5": round(float((ranks <= 5).float().mean()), 4),
            "R@10": round(float((ranks <= 10).float().mean()), 4),
            "MedR": float(ranks.median()),
            "MeanR": round(float(ranks.mean()), 2),
            "MRR": round(float((1 / ranks).mean()), 4),
        }
    print(json.dumps(res, indent=1))
    path = args.metrics
    with open(path) as f:
        metrics = json.load(f)
    metrics["catalog"] = {
        "protocol": "data/demo-catalog/queries.jsonl against all products (gallery = every product picture, a "
                    "product scores its best picture); text queries are CLDR names, image queries are OpenMoji; "
                    "text_zh_queries: queries.zh.jsonl, the same queries by their Chinese CLDR names",
        **res,
    }
    with open(path, "w") as f:
        json.dump(metrics, f, indent=1)


if __name__ == "__main__":
    main()
