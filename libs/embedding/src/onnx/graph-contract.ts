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
 * `attention_mask`) -> `text_embeds`, vision `pixel_values` -> `image_embeds`, with types and static dims
 * agreeing with config.json and preprocessor_config.json. Input types are read from the graph, never assumed.
 */
export function checkGraphs(md: ModelDir, text: GraphShape, vision: GraphShape): GraphContract {
  const dir = md.dir;
  const extraText = text.inputNames.filter((n) => n !== 'input_ids' && n !== 'attention_mask');
  if (extraText.length) throw modelInvalid(dir, `text model has unexpected inputs: ${extraText.join(', ')}`);
  const ids = tensorMeta(dir, text.inputMetadata, 'input_ids', 'text model input');
  if (ids.shape.length !== 2) throw modelInvalid(dir, `input_ids has rank ${ids.shape.length}; expected 2`);
  const seq = ids.shape[1];
  if (typeof seq === 'number' && seq !== md.text.maxLength) {
    throw modelInvalid(
      dir,
      `input_ids is fixed at ${seq} tokens but max_position_embeddings is ${md.text.maxLength}`,
    );
  }
  const mask = text.inputNames.includes('attention_mask')
    ? idType(dir, tensorMeta(dir, text.inputMetadata, 'attention_mask', 'text model input'))
    : undefined;
  checkOutput(
    dir,
    tensorMeta(dir, text.outputMetadata, 'text_embeds', 'text model output'),
    md.projectionDim,
  );

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
  checkOutput(
    dir,
    tensorMeta(dir, vision.outputMetadata, 'image_embeds', 'vision model output'),
    md.projectionDim,
  );
  return {
    idsType: idType(dir, ids),
    maskType: mask,
    fixedSequence: typeof seq === 'number' ? seq : undefined,
  };
}
