import type { InferenceSession } from 'onnxruntime-node';
import type { ModelSession } from './ort-worker';
import type { ModelDir } from '../model/model-dir';
import { modelInvalid } from '../model/model-errors';

export type IdType = 'int64' | 'int32';

/** What the loader learned from the graphs' declared inputs and outputs. */
export interface GraphContract {
  readonly idsType: IdType;
  /** Absent when the text graph takes no `attention_mask` (some OpenAI CLIP exports: causal attention). */
  readonly maskType: IdType | undefined;
  /** Present when the text graph takes `token_type_ids` (BERT-style exports, e.g. Chinese-CLIP): fed zeros. */
  readonly tokenTypeIdsType: IdType | undefined;
  /** A fixed sequence length the text graph insists on, if it declares one. */
  readonly fixedSequence: number | undefined;
}

type TensorMeta = Extract<InferenceSession.ValueMetadata, { isTensor: true }>;

/** A session's graph as far as the contract goes. */
type GraphShape = Pick<ModelSession, 'inputNames' | 'inputMetadata' | 'outputMetadata'>;

function tensorMeta(
  dir: string,
  list: readonly InferenceSession.ValueMetadata[],
  name: string,
  what: string,
): TensorMeta {
  const m = list.find((x) => x.name === name);
  if (!m) {
    const have = list.map((x) => x.name).join(', ');
    throw modelInvalid(dir, `${what} has no ${name} (it has: ${have || 'nothing'})`);
  }
  if (!m.isTensor) throw modelInvalid(dir, `${what} ${name} is not a tensor`);
  return m;
}

function idType(dir: string, m: TensorMeta): IdType {
  if (m.type === 'int64' || m.type === 'int32') return m.type;
  throw modelInvalid(dir, `text model input ${m.name} has type ${m.type}; expected int64 or int32`);
}

const TEXT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];

/**
 * Text and vision towers exported from different models must map into one space of one size: when both graphs
 * declare their output size, a disagreement is named as such rather than as a projection_dim mismatch.
 */
function checkSameSpace(md: ModelDir, text: TensorMeta, vision: TensorMeta): void {
  const t = text.shape[text.shape.length - 1];
  const v = vision.shape[vision.shape.length - 1];
  if (typeof t === 'number' && typeof v === 'number' && t !== v) {
    const from = md.towers ? ` (text from ${md.towers.text}, vision from ${md.towers.vision})` : '';
    throw modelInvalid(
      md.dir,
      `the towers do not share one space: text_embeds has ${t} dimensions, image_embeds ${v}${from}`,
    );
  }
}

function checkOutput(dir: string, m: TensorMeta, projectionDim: number): void {
  if (m.type !== 'float32') throw modelInvalid(dir, `${m.name} has type ${m.type}; expected float32`);
  const last = m.shape[m.shape.length - 1];
  if (m.shape.length !== 2 || (typeof last === 'number' && last !== projectionDim)) {
    throw modelInvalid(
      dir,
      `${m.name} has shape [${m.shape.join(', ')}]; expected [batch, ${projectionDim}]`,
    );
  }
}

/**
 * Checks the sessions against the Hugging Face CLIP ONNX contract: text `input_ids` (+ optional
 * `attention_mask`, `token_type_ids`) -> `text_embeds`, vision `pixel_values` -> `image_embeds`, with types and static dims
 * agreeing with config.json and preprocessor_config.json. Input types are read from the graph, never assumed.
 */
export function checkGraphs(md: ModelDir, text: GraphShape, vision: GraphShape): GraphContract {
  const dir = md.dir;
  const extraText = text.inputNames.filter((n) => !TEXT_INPUTS.includes(n));
  if (extraText.length) throw modelInvalid(dir, `text model has unexpected inputs: ${extraText.join(', ')}`);
  const ids = tensorMeta(dir, text.inputMetadata, 'input_ids', 'text model input');
  if (ids.shape.length !== 2) throw modelInvalid(dir, `input_ids has rank ${ids.shape.length}; expected 2`);
  const seq = ids.shape[1];
  if (typeof seq === 'number' && seq !== md.text.maxLength) {
    throw modelInvalid(
      dir,
      `input_ids is fixed at ${seq} tokens but the text context (vitrine.text_max_length or ` +
        `max_position_embeddings) is ${md.text.maxLength}`,
    );
  }
  const optionalInput = (name: string) =>
    text.inputNames.includes(name)
      ? idType(dir, tensorMeta(dir, text.inputMetadata, name, 'text model input'))
      : undefined;
  const mask = optionalInput('attention_mask');
  if (!mask && (md.text.pooling === 'mean' || md.text.pooling === 'cls')) {
    // Without a mask the encoder attends to the padding, and mean pooling would average it in.
    throw modelInvalid(
      dir,
      `config.json declares ${md.text.pooling} pooling but the text model takes no attention_mask`,
    );
  }
  const textOut = tensorMeta(dir, text.outputMetadata, 'text_embeds', 'text model output');

  if (vision.inputNames.length !== 1) {
    throw modelInvalid(
      dir,
      `vision model inputs are ${vision.inputNames.join(', ')}; expected pixel_values only`,
    );
  }
  const px = tensorMeta(dir, vision.inputMetadata, 'pixel_values', 'vision model input');
  if (px.type !== 'float32') throw modelInvalid(dir, `pixel_values has type ${px.type}; expected float32`);
  const [, c, h, w] = px.shape;
  const fixedMismatch = (v: number | string | undefined, want: number) => typeof v === 'number' && v !== want;
  if (
    px.shape.length !== 4 ||
    fixedMismatch(c, 3) ||
    fixedMismatch(h, md.image.height) ||
    fixedMismatch(w, md.image.width)
  ) {
    throw modelInvalid(
      dir,
      `pixel_values has shape [${px.shape.join(', ')}] but preprocessor_config.json gives ` +
        `[batch, 3, ${md.image.height}, ${md.image.width}]`,
    );
  }
  const visionOut = tensorMeta(dir, vision.outputMetadata, 'image_embeds', 'vision model output');
  checkSameSpace(md, textOut, visionOut);
  checkOutput(dir, textOut, md.projectionDim);
  checkOutput(dir, visionOut, md.projectionDim);
  return {
    idsType: idType(dir, ids),
    maskType: mask,
    tokenTypeIdsType: optionalInput('token_type_ids'),
    fixedSequence: typeof seq === 'number' ? seq : undefined,
  };
}
