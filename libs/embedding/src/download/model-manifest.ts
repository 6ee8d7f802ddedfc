/** One file of a downloadable model, as served under `<baseUrl>/<repo>/resolve/<revision>/<path>`. */
export interface ManifestFile {
  readonly path: string;
  /**
   * Pinned sha256 (hex). `null` means nobody has verified this file yet: `model fetch` then refuses unless a
   * checksum was recorded by an earlier fetch (checksums.json) or `--trust-on-first-use` is given.
   */
  readonly sha256: string | null;
}

/** A model that `vitrine model fetch <name>` knows how to download. */
export interface ModelManifest {
  readonly name: string;
  /** Hugging Face repository, `owner/name`. */
  readonly repo: string;
  /** Commit to download from, so the bytes cannot change under a pinned checksum. */
  readonly revision: string;
  readonly files: readonly ManifestFile[];
}

/** Where model files come from unless `--base-url` says otherwise (a mirror, or a local server in tests). */
export const HF_BASE_URL = 'https://huggingface.co';

/**
 * Models `model fetch` can download.
 *
 * clip-vit-base-patch32: OpenAI CLIP ViT-B/32 as exported to ONNX by Xenova (the Hugging Face CLIP ONNX
 * layout this library loads). The revision is the one a public project pins for this repository; it and the
 * file checksums could not be verified from the machine this was written on (no network to the hub), so the
 * checksums are `null` until someone fetches with `--trust-on-first-use --print-checksums` and pins them here.
 */
export const MODEL_MANIFESTS: Readonly<Record<string, ModelManifest>> = {
  'clip-vit-base-patch32': {
    name: 'clip-vit-base-patch32',
    repo: 'Xenova/clip-vit-base-patch32',
    revision: 'd15189d7028b43f1d3e65039190477f6af591c2a',
    files: [
      { path: 'config.json', sha256: null },
      { path: 'preprocessor_config.json', sha256: null },
      { path: 'tokenizer.json', sha256: null },
      { path: 'onnx/text_model.onnx', sha256: null },
      { path: 'onnx/vision_model.onnx', sha256: null },
    ],
  },
};

/** The download URL of one manifest file. */
export function manifestFileUrl(baseUrl: string, manifest: ModelManifest, file: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${manifest.repo}/resolve/${manifest.revision}/${file}`;
}

/** A model with no published ONNX export that Vitrine can load as is: export it, then install the folder. */
export interface ModelExportRecipe {
  readonly name: string;
  /** Hugging Face repository of the text tower. */
  readonly text: string;
  /** Hugging Face repository of the vision tower (the space the text tower was trained to map into). */
  readonly vision: string;
  readonly summary: string;
}

/**
 * Multilingual models `tools/multilingual-clip/export.py <name> --out <dir>` exports on a machine with Python and
 * the model hub, and `vitrine model fetch <name> --from <dir>` installs. None of them is published as an ONNX
 * export with its pooling and projection inside the text graph (sentence-transformers' `onnx/model.onnx` ends at
 * the token vectors; its Dense layer is a pickled PyTorch file), so Vitrine does not download them directly.
 */
export const MODEL_EXPORTS: Readonly<Record<string, ModelExportRecipe>> = {
  'clip-vit-b32-multilingual': {
    name: 'clip-vit-b32-multilingual',
    text: 'sentence-transformers/clip-ViT-B-32-multilingual-v1',
    vision: 'openai/clip-vit-base-patch32',
    summary: 'multilingual DistilBERT (50+ languages) distilled into OpenAI CLIP ViT-B/32 image space',
  },
  'mclip-xlmr-large-vit-b32': {
    name: 'mclip-xlmr-large-vit-b32',
    text: 'M-CLIP/XLM-Roberta-Large-Vit-B-32',
    vision: 'openai/clip-vit-base-patch32',
    summary: 'XLM-RoBERTa Large (SentencePiece) distilled into OpenAI CLIP ViT-B/32 image space',
  },
  'chinese-clip-vit-b16': {
    name: 'chinese-clip-vit-b16',
    text: 'OFA-Sys/chinese-clip-vit-base-patch16',
    vision: 'OFA-Sys/chinese-clip-vit-base-patch16',
    summary: 'Chinese-CLIP: Chinese RoBERTa-wwm text and ViT-B/16 vision, trained together',
  },
};
