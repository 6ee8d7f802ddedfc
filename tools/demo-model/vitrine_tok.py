"""A tiny BERT-style WordPiece tokenizer that gives the same ids as `@huggingface/tokenizers` (JS, 0.2) on the
`tokenizer.json` it writes.

Why our own code: Debian has no `tokenizers` Python package, and the TypeScript side tokenizes with the JS library,
so this file re-implements exactly what that library does for this one configuration:
  added-token split (special tokens, un-normalized) -> BertNormalizer(clean_text, handle_chinese_chars, lowercase,
  strip_accents) -> BertPreTokenizer -> WordPiece(greedy longest match, "##") -> BertProcessing([CLS] .. [SEP]).
Quirks of the JS library that are copied on purpose (see check_tokenizer.mjs, which compares both):
  * CJK padding looks at UTF-16 code units, so only BMP ideographs get spaces around them;
  * whitespace is JavaScript's `\\s` set, control characters are Cc/Cf/Co/Cs except tab, CR, LF.
"""
import json
import unicodedata
from collections import Counter

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
SPECIALS = [PAD, UNK, CLS, SEP, MASK]  # ids 0..4, in this order
PREFIX = "##"
MAX_CHARS_PER_WORD = 100

# JavaScript's \s (ECMAScript WhiteSpace + LineTerminator)
_JS_SPACE = set("\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {chr(c) for c in range(0x2000, 0x200B)}


def _is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


def _is_cjk_utf16(ch):
    cp = ord(ch)
    if cp > 0xFFFF:  # the JS code tests charCodeAt(i), i.e. UTF-16 units: astral ideographs never match
        return False
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF


def _is_punct(ch):
    cp = ord(ch)
    if 0x21 <= cp <= 0x2F or 0x3A <= cp <= 0x40 or 0x5B <= cp <= 0x60 or 0x7B <= cp <= 0x7E:
        return True
    return unicodedata.category(ch).startswith("P")


def normalize(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        out.append(" " if ch in _JS_SPACE else ch)
    text = "".join(out)
    text = "".join(f" {ch} " if _is_cjk_utf16(ch) else ch for ch in text)
    text = text.lower()
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    return text


def pre_tokenize(text):
    words, cur = [], []
    for ch in _js_trim(text):
        if ch in _JS_SPACE:
            if cur:
                words.append("".join(cur))
                cur = []
        elif _is_punct(ch):
            if cur:
                words.append("".join(cur))
                cur = []
            words.append(ch)
        else:
            cur.append(ch)
    if cur:
        words.append("".join(cur))
    return words


def _js_trim(text):
    a, b = 0, len(text)
    while a < b and text[a] in _JS_SPACE:
        a += 1
    while b > a and text[b - 1] in _JS_SPACE:
        b -= 1
    return text[a:b]


class WordPieceTokenizer:
    def __init__(self, vocab, max_length):
        self.vocab = dict(vocab)  # token -> id
        self.max_length = max_length
        self.pad_id, self.unk_id = self.vocab[PAD], self.vocab[UNK]
        self.cls_id, self.sep_id = self.vocab[CLS], self.vocab[SEP]

    def _wordpiece(self, word):
        chars = list(word)
        if len(chars) > MAX_CHARS_PER_WORD:
            return [UNK]
        pieces, start = [], 0
        while start < len(chars):
            end, cur = len(chars), None
            while start < end:
                sub = "".join(chars[start:end])
                if start > 0:
                    sub = PREFIX + sub
                if sub in self.vocab:
                    cur = sub
                    break
                end -= 1
            if cur is None:
                return [UNK]
            pieces.append(cur)
            start = end
        return pieces

    def _split_specials(self, text):
        """Exact, case-sensitive matches of special tokens are cut out first (they are not normalized)."""
        sections, buf, i = [], [], 0
        specials = sorted(SPECIALS, key=len, reverse=True)
        while i < len(text):
            hit = next((s for s in specials if text.startswith(s, i)), None)
            if hit:
                if buf:
                    sections.append("".join(buf))
                    buf = []
                sections.append(hit)
                i += len(hit)
            else:
                buf.append(text[i])
                i += 1
        if buf:
            sections.append("".join(buf))
        return sections

    def tokenize(self, text):
        tokens = []
        for section in self._split_specials(text):
            if section in SPECIALS:
                tokens.append(section)
                continue
            for word in pre_tokenize(normalize(section)):
                tokens.extend(self._wordpiece(word))
        return tokens

    def encode(self, text):
        """Ids with [CLS] and [SEP], not truncated, not padded (what the JS library returns)."""
        return [self.cls_id] + [self.vocab.get(t, self.unk_id) for t in self.tokenize(text)] + [self.sep_id]

    def encode_batch(self, texts):
        """Truncate keeping [SEP] last, pad with [PAD]: what the TypeScript side does. Returns (ids, mask) lists."""
        ids, mask = [], []
        for t in texts:
            e = self.encode(t)
            if len(e) > self.max_length:
                e = e[: self.max_length - 1] + [self.sep_id]
            m = [1] * len(e) + [0] * (self.max_length - len(e))
            ids.append(e + [self.pad_id] * (self.max_length - len(e)))
            mask.append(m)
        return ids, mask


def build_vocab(texts, extra_texts=(), extra_min_count=2):
    """Deterministic WordPiece vocabulary.

    `texts` (English training text): every whole word. `extra_texts` (the other languages' names and tags, not
    templated, so counts say how many concepts use a word): words seen at least `extra_min_count` times. Every
    character of both alone, and as '##'-continuation except CJK ideographs (the normaliser isolates those, so they
    never continue a word): no Latin word is ever [UNK], every CJK character seen is a token. Plus a few English
    suffixes (plurals etc. of known words)."""
    words, extra_words = Counter(), Counter()
    chars = set("abcdefghijklmnopqrstuvwxyz0123456789")
    punct = {chr(c) for c in range(0x21, 0x7F) if _is_punct(chr(c))} | set("\u2019\u2018\u201c\u201d\u2013\u2014\u2026")
    for counter, src in ((words, texts), (extra_words, extra_texts)):
        for t in src:
            for w in pre_tokenize(normalize(t)):
                counter[w] += 1
                chars.update(w)
    suffixes = ["s", "es", "ed", "ing", "er", "ers", "y", "ies", "ly", "al"]
    vocab = list(SPECIALS)
    seen = set(vocab)

    def add(tok):
        if tok not in seen:
            seen.add(tok)
            vocab.append(tok)

    for c in sorted(chars | punct):
        add(c)
    for c in sorted(chars):
        if not _is_cjk_utf16(c):
            add(PREFIX + c)
    for s in suffixes:
        add(PREFIX + s)
    for w, n in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])):
        add(w)
    for w, n in sorted(extra_words.items(), key=lambda kv: (-kv[1], kv[0])):
        if n >= extra_min_count:
            add(w)
    return {t: i for i, t in enumerate(vocab)}


def vocab_stats(vocab):
    """Counts by kind, for the log and the model card."""
    cjk = sum(1 for t in vocab if len(t) == 1 and _is_cjk_utf16(t))
    kana = sum(1 for t in vocab if len(t) == 1 and 0x3040 <= ord(t) <= 0x30FF)
    cont = sum(1 for t in vocab if t.startswith(PREFIX))
    return {"size": len(vocab), "cjk_ideographs": cjk, "kana": kana, "continuations": cont}


def to_hf_json(vocab):
    """Hugging Face tokenizers JSON (loads in @huggingface/tokenizers JS and in the Rust/Python library)."""
    added = [
        {"id": vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for s in SPECIALS
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": True, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": [SEP, vocab[SEP]], "cls": [CLS, vocab[CLS]]},
        "decoder": {"type": "WordPiece", "prefix": PREFIX, "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": UNK, "continuing_subword_prefix": PREFIX,
                  "max_input_chars_per_word": MAX_CHARS_PER_WORD, "vocab": vocab},
    }


def save(vocab, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(to_hf_json(vocab), f, ensure_ascii=False, indent=1)
