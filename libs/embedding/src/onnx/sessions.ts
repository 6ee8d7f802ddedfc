import type { InferenceSession } from 'onnxruntime-node';
import type { EmbeddingLogger } from '../embedding-provider';
import { modelInvalid } from '../model/model-errors';
import { OrtWorker, type ModelSession } from './ort-worker';

export type Device = 'cpu' | 'cuda';

export interface OpenedSessions {
  readonly text: ModelSession;
  readonly vision: ModelSession;
  /** Where the sessions actually run (CPU after a CUDA fallback). */
  readonly device: Device;
  /** Releases both sessions and stops their worker thread. */
  close(): Promise<void>;
}

/**
 * Opens the text and vision sessions on the requested device, on a worker thread of their own ({@link OrtWorker}). onnxruntime-node 1.30 throws on
 * `executionProviders: ['cuda']` when its CUDA provider libraries are not installed (they are not bundled
 * with the npm package), and does not fall back by itself: here a CUDA failure logs one warning and both
 * sessions open on the CPU. A model that fails on the CPU too is `MODEL_INVALID`.
 */
export async function openSessions(opts: {
  readonly dir: string;
  readonly textModelPath: string;
  readonly visionModelPath: string;
  readonly device: Device;
  /** Intra-op threads; 0 lets onnxruntime decide (one per physical core). */
  readonly threads: number;
  readonly logger: EmbeddingLogger;
}): Promise<OpenedSessions> {
  const worker = new OrtWorker();
  try {
    return await open(worker, opts);
  } catch (e) {
    await worker.terminate();
    throw e;
  }
}

async function open(worker: OrtWorker, opts: Parameters<typeof openSessions>[0]): Promise<OpenedSessions> {
  const factory = (p: string, o: InferenceSession.SessionOptions) => worker.createSession(p, o);
  const opened = (text: ModelSession, vision: ModelSession, device: Device): OpenedSessions => ({
    text,
    vision,
    device,
    close: async () => {
      await Promise.allSettled([text.release(), vision.release()]);
      await worker.terminate();
    },
  });
  const base: InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    ...(opts.threads > 0 ? { intraOpNumThreads: opts.threads } : {}),
    // onnxruntime's pool threads busy-wait for the next run by default. Between the small, frequent runs of
    // an API (one query text) that spinning takes the cores the event loop, PostgreSQL and the next request
    // need; blocking costs only a wake-up per run.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  const cpu = async (p: string, file: string): Promise<ModelSession> => {
    try {
      return await factory(p, { ...base, executionProviders: ['cpu'] });
    } catch (e) {
      throw modelInvalid(opts.dir, `${file} cannot be loaded by onnxruntime (${(e as Error).message})`, e);
    }
  };
  if (opts.device === 'cuda') {
    let text: ModelSession | undefined;
    try {
      text = await factory(opts.textModelPath, { ...base, executionProviders: ['cuda', 'cpu'] });
      const vision = await factory(opts.visionModelPath, { ...base, executionProviders: ['cuda', 'cpu'] });
      return opened(text, vision, 'cuda');
    } catch (e) {
      await text?.release();
      const [t, v] = [
        await cpu(opts.textModelPath, 'text model'),
        await cpu(opts.visionModelPath, 'vision model'),
      ];
      opts.logger.warn(
        `EMBEDDING_DEVICE=cuda but the CUDA execution provider could not start (${firstLine(e)}); running on ` +
          'the CPU instead. On a GPU host install the provider: ONNXRUNTIME_NODE_INSTALL=cuda12 node ' +
          'node_modules/onnxruntime-node/script/install.js (needs CUDA 12 and cuDNN 9).',
      );
      return opened(t, v, 'cpu');
    }
  }
  return opened(
    await cpu(opts.textModelPath, 'text model'),
    await cpu(opts.visionModelPath, 'vision model'),
    'cpu',
  );
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
