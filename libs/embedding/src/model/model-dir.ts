import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { JsonFileError, parseJsonFile } from '@vitrine/core';
import { modelInvalid } from './model-errors';

/** Files of the Hugging Face CLIP ONNX layout, relative to the model directory. */
export const MODEL_FILES = {
  textModel: 'onnx/text_model.onnx',
  visionModel: 'onnx/vision_model.onnx',
  tokenizer: 'tokenizer.json',
  preprocessor: 'preprocessor_config.json',
  config: 'config.json',
} as const;

const id = z.number().int().nonnegative();

/**
 * How the text graph turns token vectors into one vector, as config.json `vitrine.text_pooling` declares it. The
 * pooling always happens inside the graph (Vitrine feeds ids and mask and reads `text_embeds`); the declaration
 * lets the loader check what that pooling needs: `eos` (CLIP, demo model) and `argmax` (OpenAI CLIP: the end
 * token has the largest id) read the end token, `mean` (sentence-transformers, M-CLIP) averages the tokens the
 * attention mask marks, `cls` (Chinese-CLIP) reads the first token.
 */
export const TEXT_POOLINGS = ['eos', 'argmax', 'mean', 'cls'] as const;
export type TextPooling = (typeof TEXT_POOLINGS)[number];
const triple = z.tuple([z.number(), z.number(), z.number()]);
const hw = z.object({ height: z.number().int().positive(), width: z.number().int().positive() });

const configSchema = z.looseObject({
  _name_or_path: z.string().optional(),
  model_type: z.string().optional(),
  projection_dim: z.number().int().positive(),
  text_config: z.looseObject({
    max_position_embeddings: z.number().int().min(2),
    bos_token_id: id.optional(),
    eos_token_id: id.optional(),
    pad_token_id: id.optional(),
  }),
  vitrine: z
    .looseObject({
      name: z.string().min(1).optional(),
      text_pooling: z.enum(TEXT_POOLINGS).optional(),
      text_max_length: z.number().int().min(2).optional(),
      towers: z
        .object({
          text: z.string().min(1),
          vision: z.string().min(1),
          space: z.string().min(1),
        })
        .optional(),
    })
    .optional(),
});

const preprocessorSchema = z.looseObject({
  do_resize: z.boolean().default(true),
  // CLIP configs write either {shortest_edge} or a bare integer (older exports); {height,width} resizes exactly.
  size: z.union([z.number().int().positive(), z.object({ shortest_edge: z.number().int().positive() }), hw]),
  resample: z.number().int().default(3),
  do_center_crop: z.boolean().default(true),
  crop_size: z.union([z.number().int().positive(), hw]).optional(),
  do_rescale: z.boolean().default(true),
  rescale_factor: z
    .number()
    .positive()
    .default(1 / 255),
  do_normalize: z.boolean().default(true),
  image_mean: triple.optional(),
  image_std: triple.optional(),
});

/** Resize kernels sharp offers for the PIL resample codes Hugging Face configs use. */
export type ResizeKernel = 'nearest' | 'cubic' | 'linear' | 'lanczos3';

/** How an image becomes `pixel_values`, following `preprocessor_config.json` (CLIPImageProcessor semantics). */
export interface ImageSpec {
  readonly resize:
    | { readonly kind: 'shortest_edge'; readonly size: number }
    | { readonly kind: 'exact'; readonly width: number; readonly height: number }
    | null;
  readonly crop: { readonly width: number; readonly height: number } | null;
  readonly kernel: ResizeKernel;
  /** Multiplier from 0..255 to model units; 1 when the config disables rescaling. */
  readonly rescaleFactor: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** Size of the tensor the vision model receives. */
  readonly width: number;
  readonly height: number;
}

/** What config.json says about text; special ids are settled against the tokenizer (see TextTokenizer). */
export interface TextConfig {
  /** Longest encoding in tokens: `vitrine.text_max_length`, else `text_config.max_position_embeddings`. */
  readonly maxLength: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  readonly padId: number | undefined;
  readonly pooling: TextPooling | undefined;
}

/**
 * Where each tower comes from when they were trained apart (a multilingual text encoder distilled into the space
 * of another model's vision tower), and the space both map into. Declared by the exporter, shown by
 * `vitrine model info`; the loader checks that both towers give vectors of the same size.
 */
export interface Towers {
  readonly text: string;
  readonly vision: string;
  readonly space: string;
}

/** A model directory read and checked for shape, before any ONNX session exists. */
export interface ModelDir {
  readonly dir: string;
  /** Name part of the model id (`vitrine.name`, `_name_or_path` or the folder name), filename-safe. */
  readonly name: string;
  readonly modelType: string | undefined;
  readonly projectionDim: number;
  readonly text: TextConfig;
  /** Declared origins of the two towers, when config.json has `vitrine.towers`. */
  readonly towers: Towers | undefined;
  readonly image: ImageSpec;
  readonly tokenizerJson: object;
  readonly textModelPath: string;
  readonly visionModelPath: string;
}

// PIL resample codes: 0 NEAREST, 1 LANCZOS, 2 BILINEAR, 3 BICUBIC (4 BOX and 5 HAMMING have no sharp kernel).
const KERNELS: Record<number, ResizeKernel> = { 0: 'nearest', 1: 'lanczos3', 2: 'linear', 3: 'cubic' };
const OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const OPENAI_STD = [0.26862954, 0.26130258, 0.27577711] as const;

async function readJson(dir: string, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, file), 'utf8');
  } catch (e) {
    throw modelInvalid(dir, `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, e);
  }
  try {
    return parseJsonFile(text, file);
  } catch (e) {
    // "config.json: not valid JSON at line 12, column 3 (...)": a cut download is found without an editor.
    throw modelInvalid(dir, e instanceof JsonFileError ? e.message : `${file} is not valid JSON`, e);
  }
}

function parse<T>(dir: string, file: string, schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw modelInvalid(dir, `${file}: ${issues}`);
}

async function requireFile(dir: string, file: string): Promise<string> {
  const p = path.join(dir, file);
  const st = await fs.stat(p).catch(() => undefined);
  if (!st?.isFile() || st.size === 0) throw modelInvalid(dir, `${file} is missing or empty`);
  return p;
}

/** Keeps model ids usable as keys everywhere (collection names, job ids, file names). */
export function safeModelName(raw: string): string {
  const s = raw
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return s || 'model';
}

function imageSpec(dir: string, pre: z.infer<typeof preprocessorSchema>): ImageSpec {
  const kernel = KERNELS[pre.resample];
  if (!kernel) throw modelInvalid(dir, `preprocessor_config.json: unsupported resample ${pre.resample}`);
  const resize: ImageSpec['resize'] = !pre.do_resize
    ? null
    : typeof pre.size === 'number'
      ? { kind: 'shortest_edge', size: pre.size }
      : 'shortest_edge' in pre.size
        ? { kind: 'shortest_edge', size: pre.size.shortest_edge }
        : { kind: 'exact', width: pre.size.width, height: pre.size.height };
  let crop: ImageSpec['crop'] = null;
  if (pre.do_center_crop) {
    if (pre.crop_size === undefined)
      throw modelInvalid(dir, 'preprocessor_config.json: do_center_crop without crop_size');
    crop =
      typeof pre.crop_size === 'number'
        ? { width: pre.crop_size, height: pre.crop_size }
        : { width: pre.crop_size.width, height: pre.crop_size.height };
  }
  const final = crop ?? (resize?.kind === 'exact' ? resize : null);
  if (!final) {
    throw modelInvalid(
      dir,
      'preprocessor_config.json gives no fixed image size (needs crop_size or an exact size)',
    );
  }
  return {
    resize,
    crop,
    kernel,
    rescaleFactor: pre.do_rescale ? pre.rescale_factor : 1,
    mean: pre.do_normalize ? (pre.image_mean ?? OPENAI_MEAN) : [0, 0, 0],
    std: pre.do_normalize ? (pre.image_std ?? OPENAI_STD) : [1, 1, 1],
    width: final.width,
    height: final.height,
  };
}

/**
 * Reads and checks a model directory in the Hugging Face CLIP ONNX layout (see {@link MODEL_FILES}). Throws
 * `MODEL_INVALID` naming the first problem. The ONNX graphs themselves are checked when sessions are created.
 */
export async function readModelDir(dirInput: string): Promise<ModelDir> {
  const dir = path.resolve(dirInput);
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw modelInvalid(dir, 'not a directory');
  const textModelPath = await requireFile(dir, MODEL_FILES.textModel);
  const visionModelPath = await requireFile(dir, MODEL_FILES.visionModel);
  const config = parse(dir, MODEL_FILES.config, configSchema, await readJson(dir, MODEL_FILES.config));
  const pre = parse(
    dir,
    MODEL_FILES.preprocessor,
    preprocessorSchema,
    await readJson(dir, MODEL_FILES.preprocessor),
  );
  const tokenizerJson = await readJson(dir, MODEL_FILES.tokenizer);
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null || !('model' in tokenizerJson)) {
    throw modelInvalid(dir, 'tokenizer.json has no "model" section');
  }
  const tc = config.text_config;
  const maxLength = config.vitrine?.text_max_length ?? tc.max_position_embeddings;
  if (maxLength > tc.max_position_embeddings) {
    throw modelInvalid(
      dir,
      `config.json vitrine.text_max_length ${maxLength} exceeds text_config.max_position_embeddings ` +
        `${tc.max_position_embeddings}`,
    );
  }
  return {
    dir,
    name: safeModelName(config.vitrine?.name ?? config._name_or_path ?? path.basename(dir)),
    modelType: config.model_type,
    projectionDim: config.projection_dim,
    text: {
      maxLength,
      bosId: tc.bos_token_id,
      eosId: tc.eos_token_id,
      padId: tc.pad_token_id,
      pooling: config.vitrine?.text_pooling,
    },
    towers: config.vitrine?.towers,
    image: imageSpec(dir, pre),
    tokenizerJson,
    textModelPath,
    visionModelPath,
  };
}
