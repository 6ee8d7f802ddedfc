import { Pool } from 'undici';
import { DomainError } from '@vitrine/core';
import type { EmbeddingLogger } from '../embedding-provider';
import type { LanePriority } from '../batching/inference-lane';
import type { GraphInputs, GraphRunner } from '../pipeline/embedding-pipeline';
import type { TokenBatch } from '../text/text-tokenizer';
import {
  INFERENCE_HEADER_CONTENT_LENGTH,
  MODEL_ID_PARAMETER,
  PRIORITY_PARAMETER,
  TEXT_MODEL,
  VISION_MODEL,
  decodeBody,
  encodeBody,
  idsAs,
  type TensorValues,
  type V2InferResponse,
  type V2ModelConfig,
  type V2ModelMetadata,
} from './kserve-v2';

/** What the client learned from the service's model metadata. */
export interface RemoteContract extends GraphInputs {
  readonly ids: 'INT64' | 'INT32';
  readonly mask: 'INT64' | 'INT32' | undefined;
  readonly tokenTypeIds: 'INT64' | 'INT32' | undefined;
}

export interface KServeRunnerSettings {
  /** Without a trailing slash. */
  readonly url: string;
  readonly timeoutMs: number;
  readonly binary: boolean;
  readonly connections: number;
  readonly logger: EmbeddingLogger;
}

function errorCode(e: unknown): string {
  for (let c: unknown = e, depth = 0; c && typeof c === 'object' && depth < 5; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    c = (c as { cause?: unknown }).cause;
  }
  return 'unknown';
}

/**
 * The {@link GraphRunner} over a KServe v2 service (apps/embedder, or Triton serving the same two graphs): sends
 * the graphs' input tensors and reads their raw outputs. Runs are not queued here: the service batches requests
 * from all clients and runs searches (`priority` 1) first. It checks that the service serves `modelId` before the
 * first run and again after an outage, and logs an outage once when it starts and once when it ends.
 */
export class KServeGraphRunner implements GraphRunner {
  readonly serialRuns = false;
  private readonly pool: Pool;
  private contract: Promise<RemoteContract> | undefined;
  /** Whether the last request failed on the network (logged once per outage). */
  private down = false;

  constructor(
    private readonly modelId: string,
    private readonly dim: number,
    private readonly imageSize: { readonly width: number; readonly height: number },
    private readonly settings: KServeRunnerSettings,
  ) {
    this.pool = new Pool(new URL(settings.url).origin, {
      connections: settings.connections,
      connectTimeout: Math.min(settings.timeoutMs, 10_000),
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
    });
  }

  prepare(): Promise<GraphInputs> {
    return this.verify();
  }

  schedule<T>(_priority: LanePriority, work: () => Promise<T>): Promise<T> {
    return work();
  }

  async runText(b: TokenBatch, priority: LanePriority): Promise<Float32Array> {
    const contract = await this.verify();
    const dims = [b.batch, b.length];
    const inputs: TensorValues[] = [{ name: 'input_ids', shape: dims, data: idsAs(contract.ids, b.ids) }];
    if (contract.mask)
      inputs.push({ name: 'attention_mask', shape: dims, data: idsAs(contract.mask, b.attentionMask) });
    if (contract.tokenTypeIds)
      inputs.push({
        name: 'token_type_ids',
        shape: dims,
        data: idsAs(contract.tokenTypeIds, new Int32Array(b.ids.length)),
      });
    return this.infer(TEXT_MODEL, 'text_embeds', inputs, priority);
  }

  runVision(pixels: Float32Array, count: number, priority: LanePriority): Promise<Float32Array> {
    const shape = [count, 3, this.imageSize.height, this.imageSize.width];
    return this.infer(
      VISION_MODEL,
      'image_embeds',
      [{ name: 'pixel_values', shape, data: pixels }],
      priority,
    );
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /**
   * Checks the service's model id and reads the text graph's inputs; remembered until a request fails on the
   * network (the service may come back with another model).
   */
  verify(): Promise<RemoteContract> {
    if (this.contract) return this.contract;
    const check = this.readContract();
    this.contract = check;
    check.catch(() => {
      if (this.contract === check) this.contract = undefined;
    });
    return check;
  }

  private async readContract(): Promise<RemoteContract> {
    for (const model of [TEXT_MODEL, VISION_MODEL]) {
      const config = await this.getJson<V2ModelConfig>(`/v2/models/${model}/config`);
      this.checkModelId(config.parameters?.[MODEL_ID_PARAMETER]?.string_value, model);
    }
    const meta = await this.getJson<V2ModelMetadata>(`/v2/models/${TEXT_MODEL}`);
    const input = (name: string) => meta.inputs.find((i) => i.name === name);
    const idType = (name: string) => {
      const t = input(name)?.datatype;
      return t === 'INT64' || t === 'INT32' ? t : undefined;
    };
    const ids = idType('input_ids');
    if (!ids) throw this.mismatch(`its ${TEXT_MODEL} takes no INT64/INT32 input_ids`, undefined);
    const seq = input('input_ids')?.shape[1];
    return {
      ids,
      mask: idType('attention_mask'),
      tokenTypeIds: idType('token_type_ids'),
      textPadding: typeof seq === 'number' && seq > 0 ? 'max_length' : 'longest',
    };
  }

  private checkModelId(actual: string | undefined, model: string): void {
    if (actual === this.modelId) return;
    throw this.mismatch(
      actual === undefined
        ? `its ${model} declares no model id (Triton: parameters { key: "${MODEL_ID_PARAMETER}" value: { string_value: "${this.modelId}" } })`
        : `its ${model} serves ${actual}`,
      actual,
    );
  }

  private mismatch(why: string, actual: string | undefined): DomainError {
    return new DomainError(
      'MODEL_MISMATCH',
      `The embedding service at ${this.settings.url} does not serve ${this.modelId} (MODEL_DIR): ${why}; ` +
        'vectors of two models must never mix — point EMBEDDING_URL at a service with the same model',
      { service: this.settings.url, expected: this.modelId, actual },
    );
  }

  /** Logs the start and the end of an outage once each, not every failed request. */
  private reachable(up: boolean, reason?: string): void {
    if (up === !this.down) return;
    this.down = !up;
    if (up) this.settings.logger.log(`the embedding service at ${this.settings.url} answers again`);
    else
      this.settings.logger.warn(
        `the embedding service at ${this.settings.url} is unreachable (${reason}); embedding requests fail with UNAVAILABLE until it answers`,
      );
  }

  private unreachable(e: unknown): DomainError {
    const reason = errorCode(e);
    this.reachable(false, reason);
    return new DomainError(
      'UNAVAILABLE',
      `The embedding service at ${this.settings.url} is unreachable (${reason}); retry shortly`,
      { service: this.settings.url, reason },
      { cause: e },
    );
  }

  private async getJson<T>(path: string): Promise<T> {
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.pool.request({ method: 'GET', path });
    } catch (e) {
      throw this.unreachable(e);
    }
    const text = await res.body.text();
    this.reachable(true);
    if (res.statusCode !== 200) throw this.refused(res.statusCode, text, path);
    return JSON.parse(text) as T;
  }

  private refused(status: number, text: string, path: string): DomainError {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? message;
    } catch {
      // not JSON: keep the text
    }
    const details = { service: this.settings.url, status, path };
    if (status === 503 || status === 429)
      return new DomainError('OVERLOADED', `The embedding service is busy: ${message}`, details);
    if (status === 404) return this.mismatch(`${path} is not found (${message})`, undefined);
    // A 400 or 500 is the service's (or this client's) fault, never the picture's: retried, never a failed product.
    return new DomainError(
      'UNAVAILABLE',
      `The embedding service refused ${path} (${status}): ${message}`,
      details,
    );
  }

  /** POSTs one inference request; returns the flat raw output. */
  private async infer(
    model: string,
    output: string,
    inputs: TensorValues[],
    priority: LanePriority,
  ): Promise<Float32Array> {
    const { binary } = this.settings;
    const { body, headerLength } = encodeBody(
      {
        ...(priority === 'interactive' ? { parameters: { [PRIORITY_PARAMETER]: 1 } } : {}),
        outputs: [{ name: output, parameters: { binary_data: binary } }],
      },
      'inputs',
      inputs,
      binary,
    );
    const path = `/v2/models/${model}/infer`;
    let res: Awaited<ReturnType<Pool['request']>>;
    let bytes: Buffer;
    try {
      res = await this.pool.request({
        method: 'POST',
        path,
        body,
        headers: {
          'content-type': headerLength === undefined ? 'application/json' : 'application/octet-stream',
          ...(headerLength === undefined ? {} : { [INFERENCE_HEADER_CONTENT_LENGTH]: String(headerLength) }),
        },
      });
      bytes = Buffer.from(await res.body.arrayBuffer());
    } catch (e) {
      this.contract = undefined; // a service that comes back may serve another model: check it again
      throw this.unreachable(e);
    }
    this.reachable(true);
    if (res.statusCode !== 200) throw this.refused(res.statusCode, bytes.toString('utf8'), path);
    const lengthHeader = res.headers[INFERENCE_HEADER_CONTENT_LENGTH];
    const { header, tensors } = decodeBody<V2InferResponse>(
      bytes,
      lengthHeader === undefined ? undefined : Number(lengthHeader),
      'outputs',
    );
    const served = header.parameters?.[MODEL_ID_PARAMETER];
    if (typeof served === 'string') this.checkModelId(served, model);
    const t = tensors.find((x) => x.name === output);
    if (!t || !(t.data instanceof Float32Array) || t.shape[1] !== this.dim)
      throw this.mismatch(`its ${output} is not [batch, ${this.dim}] FP32`, undefined);
    return t.data;
  }
}
