#!/usr/bin/python3
"""Writes libs/embedding/test-fixtures/multilingual-wordpiece/: a small multilingual WordPiece tokenizer.json built
by train.py's tokenizer code (from the names and tags of a subset of concepts, all languages) and the ids that
vitrine_tok.py (the Python side of training) gives for ~200 strings: Chinese, Japanese, German, French, Spanish,
mixed scripts, accents, emoji, edge cases. libs/embedding/src/text/cjk-wordpiece.parity.spec.ts asserts that
@huggingface/tokenizers (what the TypeScript side runs) gives the same ids.

  node tools/demo-model/build-dataset.mjs && /usr/bin/python3 tools/demo-model/make_parity_fixture.py
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
import train as T  # noqa: E402
import vitrine_tok as vt  # noqa: E402

REPO = os.path.abspath(os.path.join(C.HERE, "..", ".."))
OUT = os.path.join(REPO, "libs", "embedding", "test-fixtures", "multilingual-wordpiece")
SUBSET = 80  # concepts whose text builds the vocabulary (every 6th, so all groups are in)

EDGE = [
    "", "   ", "红色的鞋", "红色 的 鞋", "跑鞋 👟 sneaker", "Running SHOE 跑鞋", "スニーカー", "ジョギングシューズ",
    "靴とバッグ", "かばん", "café crème brûlée", "Kaffeetasse für 5 €", "zapatilla deportiva, talla 42",
    "chaussure de sport à 49,99 €", "Größe XL — Übergröße", "naïve façade", "ÉLÉGANT", "ß ẞ", "œuvre",
    "中文English混合", "苹果iPhone手机", "買い物かご🛒", "🍎🍌🍇", "👩‍👩‍👧‍👦 family", "🇨🇳 flag", "⌚ watch",
    "￥199 人民币", "全角ＡＢＣ１２３", "「引用」と『括弧』", "你好，世界！", "价格：¥99.00（包邮）", "𠀋 astral ideograph",
    "𝐛𝐨𝐥𝐝 math letters", "tab\tnew\nline\u00a0nbsp\u3000ideographic space", "zero\u200bwidth", "[CLS] x [SEP]",
    "[UNK] [MASK]", "a " * 40, "鞋" * 40, "x" * 150, "Ärmel-Shirt (Baumwolle)", "ñandú y pingüino",
    "한국어 텍스트", "русский текст", "ภาษาไทย", "עברית", "العربية", "ελληνικά",
]


def main():
    concepts, meta, images, _ = C.load_images(C.load_manifest())
    sub = concepts[::6][:SUBSET]
    weights = T.parse_weights(T.DEFAULT_LANG_WEIGHTS)
    sampler = T.TextSampler(sub, meta, random.Random(0), weights)
    vocab, tok = T.build_tokenizer(sampler, 32, list(weights))
    os.makedirs(OUT, exist_ok=True)
    vt.save(vocab, os.path.join(OUT, "tokenizer.json"))

    rng = random.Random(7)
    strings = []
    # names of concepts in the vocabulary subset (every language) and of concepts outside it (pieces, [UNK])
    others = [c for c in concepts if c not in set(sub)]
    for lang in C.LANGS:
        inside = [C.names_in(meta[c], lang) for c in rng.sample(sub, 16)]
        outside = [C.names_in(meta[c], lang) for c in rng.sample(others, 6)]
        strings += [s for s in inside + outside if s]
    # prompts as training writes them, and tags
    strings += [sampler.sample(rng.choice(range(len(sub))))[0] for _ in range(40)]
    strings += EDGE
    strings = list(dict.fromkeys(strings))
    cases = [{"text": s, "ids": tok.encode(s)} for s in strings]
    with open(os.path.join(OUT, "reference.json"), "w", encoding="utf-8") as f:
        json.dump({"note": "ids from tools/demo-model/vitrine_tok.py (with [CLS]/[SEP], no truncation, no padding) "
                           "for tokenizer.json; regenerate with tools/demo-model/make_parity_fixture.py",
                   "vocab": vt.vocab_stats(vocab), "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(cases)} strings, vocab {vt.vocab_stats(vocab)} -> {OUT}")


if __name__ == "__main__":
    main()
