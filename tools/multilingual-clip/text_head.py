"""The one piece of code that turns a multilingual text transformer into a CLIP text tower Vitrine can load.

Both `export.py` (real models, on a machine with the model hub) and `make-fixture.py` (the tiny test model) wrap
their transformer in `TextEmbeds`, so the graph the jest parity test loads was built by the same wrapper as a real
export: inputs `input_ids`, `attention_mask` (int64, [batch, sequence]) and one output `text_embeds`
([batch, projection_dim], float32, not normalised; Vitrine normalises).

Pooling follows each model's own code:
  mean  sentence-transformers `Pooling(pooling_mode_mean_tokens)` and M-CLIP: sum of the token vectors where
        attention_mask is 1, divided by the number of such tokens (clamped at 1e-9 like sentence-transformers).
  cls   Chinese-CLIP `get_text_features`: the first token's vector.
"""
import torch
import torch.nn as nn

POOLINGS = ("mean", "cls")


class TextEmbeds(nn.Module):
    def __init__(self, transformer: nn.Module, pooling: str, projection: nn.Module):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, not {pooling!r}")
        self.transformer, self.pooling, self.projection = transformer, pooling, projection

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask)[0]
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)
        return self.projection(pooled)


def export_text(module: TextEmbeds, path: str, example_ids: torch.Tensor, opset: int = 17) -> None:
    """Exports `module` with dynamic batch and sequence axes and the names Vitrine's graph contract expects."""
    module.eval()
    with torch.no_grad():
        torch.onnx.export(
            module, (example_ids, torch.ones_like(example_ids)), path, opset_version=opset,
            input_names=["input_ids", "attention_mask"], output_names=["text_embeds"],
            dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                          "attention_mask": {0: "batch_size", 1: "sequence_length"},
                          "text_embeds": {0: "batch_size"}})
    module.eval()  # torch.onnx.export leaves the module in training mode


def write_export_manifest(out: str, name: str, text: dict, vision: dict, **extra) -> dict:
    """Writes `export.json`: the model name, where each tower came from (`repo`, `revision`), and the sha256 and
    size of every file of the model folder. `vitrine model fetch <name> --from <out>` checks the copy against it."""
    import hashlib
    import json
    import os

    files = {}
    for root, _, names in os.walk(out):
        for n in sorted(names):
            p = os.path.join(root, n)
            rel = os.path.relpath(p, out).replace(os.sep, "/")
            if rel == "export.json" or rel.startswith("."):
                continue
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            files[rel] = {"sha256": h.hexdigest(), "size": os.path.getsize(p)}
    manifest = {"name": name, "text": text, "vision": vision, **extra, "files": dict(sorted(files.items()))}
    with open(os.path.join(out, "export.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")
    return manifest
