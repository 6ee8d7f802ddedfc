export * from './embedding-provider';
export * from './embedding.module';
export { OnnxEmbeddingProvider, embeddingOptionsFromConfig } from './onnx/onnx-embedding-provider';
export type { OnnxEmbeddingOptions, ModelInfo } from './onnx/onnx-embedding-provider';
export { RemoteEmbeddingProvider } from './remote/remote-embedding-provider';
export type { RemoteEmbeddingOptions } from './remote/remote-embedding-provider';
export { EmbeddingGraphServer } from './remote/graph-server';
export type { GraphRunEvent, GraphServerOptions } from './remote/graph-server';
export * as kserve from './remote/kserve-v2';
export type { Device } from './onnx/sessions';
export { ImagePreprocessor } from './image/image-preprocessor';
export type { DecodedImage, ImagePreprocessorOptions } from './image/image-preprocessor';
export { TOKENIZER_MODELS, TextTokenizer } from './text/text-tokenizer';
export type { PaddingMode, TokenBatch, TokenizerModel } from './text/text-tokenizer';
export { MODEL_FILES, TEXT_POOLINGS, readModelDir, safeModelName } from './model/model-dir';
export type { ImageSpec, ModelDir, TextConfig, TextPooling, Towers } from './model/model-dir';
export { formatModelId, hashOnnxFiles } from './model/model-id';
export { cosineSimilarity, dot, l2NormalizeRows, meanDirection } from './vector-math';
export * from './fetch/safe-fetch';
export { isPublicAddress } from './fetch/address-policy';
export { ImageSource } from './fetch/image-source';
export { HF_BASE_URL, MODEL_EXPORTS, MODEL_MANIFESTS, manifestFileUrl } from './download/model-manifest';
export type { ManifestFile, ModelExportRecipe, ModelManifest } from './download/model-manifest';
export { EXPORT_MANIFEST_FILE, installExportedModel } from './download/model-install';
export type { ExportManifest, InstallOptions } from './download/model-install';
export { CHECKSUMS_FILE, downloadModel } from './download/model-download';
export type {
  ChecksumSource,
  DownloadOptions,
  DownloadProgress,
  DownloadResult,
} from './download/model-download';
