import { Tensor } from 'onnxruntime-node';
import type { EmbeddingLogger } from '../embedding-provider';
import { InferenceLane, type LanePriority } from '../batching/inference-lane';
import { readModelDir, type ModelDir } from '../model/model-dir';
import { modelInvalid } from '../model/model-errors';
import { hashOnnxFiles } from '../model/model-id';
import type { GraphInputs, GraphRunner } from '../pipeline/embedding-pipeline';
import { TextTokenizer, type PaddingMode, type TokenBatch } from '../text/text-tokenizer';
import { checkGraphs, type GraphContract, type IdType } from './graph-contract';
import { openSessions, type Device, type OpenedSessions } from './sessions';

/** Where and how a model directory's graphs run in this process (the adapter and the embedding service alike). */
export interface OnnxSessionOptions {
  /** A directory in the Hugging Face CLIP ONNX layout. */
  readonly modelDir: string;
  /** Default `cpu`. `cuda` falls back to the CPU with one warning when the CUDA provider is absent. */
  readonly device?: Device;
  /** onnxruntime intra-op threads; 0 (default) lets onnxruntime decide. */
  readonly threads?: number;
}

/** A model directory read and checked, its sessions open. */
export interface OpenedModel {
  readonly md: ModelDir;
  readonly tokenizer: TextTokenizer;
  readonly sessions: OpenedSessions;
  readonly contract: GraphContract;
  /** Of the ONNX files, for the model id. */
  readonly sha256: string;
  /** Opens another pair of sessions where the first ended up (no second CUDA attempt and warning). */
  readonly openMore: () => Promise<OpenedSessions>;
}

/**
 * Reads and checks a model directory (files, configs, graph inputs/outputs) and opens its sessions, hashing the
 * ONNX files meanwhile. Throws `MODEL_INVALID` naming the problem; closes what it opened when it throws.
 */
export async function openModel(options: OnnxSessionOptions, logger: EmbeddingLogger): Promise<OpenedModel> {
  const md = await readModelDir(options.modelDir);
  const tokenizer = TextTokenizer.create(md.dir, md.tokenizerJson, md.text);
  const hashing = hashOnnxFiles([md.visionModelPath, md.textModelPath]);
  hashing.catch(() => undefined); // awaited below; a failure to open sessions must not leave it unhandled
  const sessionOptions = {
    dir: md.dir,
    textModelPath: md.textModelPath,
    visionModelPath: md.visionModelPath,
    device: options.device ?? 'cpu',
    threads: options.threads ?? 0,
    logger,
  };
  const sessions = await openSessions(sessionOptions);
  try {
    const contract = checkGraphs(md, sessions.text, sessions.vision);
    const sha256 = await hashing;
    const openMore = () => openSessions({ ...sessionOptions, device: sessions.device });
    return { md, tokenizer, sessions, contract, sha256, openMore };
  } catch (e) {
    await sessions.close();
    throw e;
  }
}

/** An id-typed input tensor from the tokenizer's int32 ids (int64 graphs get a BigInt64Array copy). */
export function idTensor(type: IdType, data: Int32Array, dims: number[]): Tensor {
  if (type === 'int32') return new Tensor('int32', data, dims);
  const big = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) big[i] = BigInt(data[i] as number);
  return new Tensor('int64', big, dims);
}

/** The text graph's feeds for a token batch, as the graph's contract asks (one segment of `token_type_ids`). */
export function textFeeds(contract: GraphContract, ids: Int32Array, mask: Int32Array, dims: number[]) {
  const feeds: Record<string, Tensor> = { input_ids: idTensor(contract.idsType, ids, dims) };
  if (contract.maskType) feeds.attention_mask = idTensor(contract.maskType, mask, dims);
  if (contract.tokenTypeIdsType)
    feeds.token_type_ids = idTensor(contract.tokenTypeIdsType, new Int32Array(ids.length), dims);
  return feeds;
}

/**
 * The {@link GraphRunner} on onnxruntime sessions in this process. Runs go through an {@link InferenceLane}: one
 * at a time per priority, searches (`interactive`) never behind queued indexing batches, on a second pair of
 * sessions when the adapter opened one.
 */
export class OnnxGraphRunner implements GraphRunner {
  readonly serialRuns = true;
  private readonly lane = new InferenceLane();
  private readonly inputs: GraphInputs;

  constructor(
    private readonly model: {
      readonly dir: string;
      readonly dim: number;
      readonly imageSize: { readonly width: number; readonly height: number };
    },
    private readonly contract: GraphContract,
    /** The sessions each kind of run uses: the same pair, or two. */
    private readonly sessions: Readonly<Record<LanePriority, OpenedSessions>>,
    textPadding: PaddingMode,
  ) {
    this.inputs = { textPadding };
  }

  prepare(): GraphInputs {
    return this.inputs;
  }

  schedule<T>(priority: LanePriority, work: () => Promise<T>): Promise<T> {
    return this.lane.run(priority, work);
  }

  runText(b: TokenBatch, priority: LanePriority): Promise<Float32Array> {
    return this.textOn(this.sessions[priority], b);
  }

  runVision(pixels: Float32Array, count: number, priority: LanePriority): Promise<Float32Array> {
    return this.visionOn(this.sessions[priority], pixels, count);
  }

  /** Raw `text_embeds` of one pair of sessions (warm-up runs each pair). */
  async textOn(sessions: OpenedSessions, b: TokenBatch): Promise<Float32Array> {
    const out = await sessions.text.run(
      textFeeds(this.contract, b.ids, b.attentionMask, [b.batch, b.length]),
      ['text_embeds'],
    );
    return this.output(out, 'text_embeds', b.batch);
  }

  async visionOn(sessions: OpenedSessions, pixels: Float32Array, count: number): Promise<Float32Array> {
    const { width, height } = this.model.imageSize;
    const out = await sessions.vision.run({
      pixel_values: new Tensor('float32', pixels, [count, 3, height, width]),
    });
    return this.output(out, 'image_embeds', count);
  }

  async close(): Promise<void> {
    await this.lane.whenIdle();
    const { bulk, interactive } = this.sessions;
    await Promise.all([bulk.close(), interactive !== bulk ? interactive.close() : undefined]);
  }

  private output(out: Record<string, Tensor>, name: string, batch: number): Float32Array {
    const t = out[name];
    const { dim } = this.model;
    if (!t || t.type !== 'float32' || t.dims.length !== 2 || t.dims[0] !== batch || t.dims[1] !== dim) {
      const dims = t ? `[${t.dims.join(', ')}] ${t.type}` : 'missing';
      throw modelInvalid(
        this.model.dir,
        `${name} is ${dims} for a batch of ${batch}; expected [${batch}, ${dim}] float32`,
      );
    }
    return t.data as Float32Array;
  }
}
