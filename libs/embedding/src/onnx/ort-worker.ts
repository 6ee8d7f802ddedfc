import { Worker } from 'node:worker_threads';
import { Tensor, type InferenceSession } from 'onnxruntime-node';

/**
 * What the provider needs of an onnxruntime session: its graph's names and metadata (checked against the CLIP
 * contract), `run` and `release`.
 */
export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
  run(feeds: Record<string, Tensor>, fetches?: readonly string[]): Promise<Record<string, Tensor>>;
  release(): Promise<void>;
}

/** A tensor as it crosses the thread boundary. */
interface WireTensor {
  readonly type: Tensor.Type;
  readonly dims: readonly number[];
  readonly data: Tensor.DataType;
}

type Request =
  | { readonly op: 'create'; readonly path: string; readonly options: InferenceSession.SessionOptions }
  | {
      readonly op: 'run';
      readonly session: number;
      readonly feeds: Record<string, WireTensor>;
      readonly fetches?: readonly string[];
    }
  | { readonly op: 'release'; readonly session: number };

interface Created {
  readonly session: number;
  readonly inputNames: string[];
  readonly outputNames: string[];
  readonly inputMetadata: InferenceSession.ValueMetadata[];
  readonly outputMetadata: InferenceSession.ValueMetadata[];
}

type Reply =
  | { readonly id: number; readonly ok: true; readonly value?: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

/**
 * The worker's whole program, plain CommonJS so it runs the same from `dist/` and under Jest (an `eval` worker
 * needs no file of its own). It loads onnxruntime-node by the absolute path the main thread resolved.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ort);
const sessions = new Map();
let next = 1;
async function handle(m) {
  if (m.op === 'create') {
    const s = await ort.InferenceSession.create(m.path, m.options);
    const session = next++;
    sessions.set(session, s);
    return { session, inputNames: s.inputNames, outputNames: s.outputNames,
             inputMetadata: s.inputMetadata, outputMetadata: s.outputMetadata };
  }
  const s = sessions.get(m.session);
  if (!s) throw new Error('session ' + m.session + ' is released');
  if (m.op === 'release') {
    sessions.delete(m.session);
    await s.release();
    return undefined;
  }
  const feeds = {};
  for (const [name, t] of Object.entries(m.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  const out = await (m.fetches ? s.run(feeds, m.fetches) : s.run(feeds));
  const value = {};
  for (const [name, t] of Object.entries(out)) value[name] = { type: t.type, dims: t.dims, data: t.data };
  return value;
}
parentPort.on('message', (m) => {
  handle(m).then(
    (value) => parentPort.postMessage({ id: m.id, ok: true, value }),
    (e) => parentPort.postMessage({ id: m.id, ok: false, error: String((e && e.message) || e) }),
  );
});
`;

/**
 * onnxruntime-node computes `run()` on the calling JavaScript thread: a 300 ms batch on the main thread is 300 ms
 * in which the process answers no HTTP request and reads no database reply. The sessions live here instead, on a
 * worker thread of their own, and the main thread only posts inputs and receives embeddings — the event loop keeps
 * serving while the model runs. (That searches also need not wait for an indexing batch is the provider's
 * priorities and, in embedded mode, a second worker with its own sessions.)
 *
 * Inputs are copied once into transferable buffers (a view into a larger pixel buffer is sliced, not cloned
 * whole); outputs (batch × embedding size) come back by structured clone. The worker keeps the process alive only
 * while a request is outstanding.
 */
export class OrtWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private seq = 0;
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ort: require.resolve('onnxruntime-node') },
    });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    const fail = (e: Error) => {
      this.failure = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      this.worker.unref();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the onnxruntime worker thread exited (code ${code})`)));
  }

  /** Opens a session on the worker; rejects with onnxruntime's own message when it cannot. */
  async createSession(path: string, options: InferenceSession.SessionOptions): Promise<ModelSession> {
    const created = (await this.call({ op: 'create', path, options })) as Created;
    return new RemoteSession(this, created);
  }

  /** Stops the thread; outstanding requests fail. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  /** @internal */
  call(request: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  private settle(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new Error(reply.error));
  }
}

class RemoteSession implements ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
  private readonly id: number;

  constructor(
    private readonly worker: OrtWorker,
    created: Created,
  ) {
    this.id = created.session;
    this.inputNames = created.inputNames;
    this.outputNames = created.outputNames;
    this.inputMetadata = created.inputMetadata;
    this.outputMetadata = created.outputMetadata;
  }

  async run(feeds: Record<string, Tensor>, fetches?: readonly string[]): Promise<Record<string, Tensor>> {
    const wire: Record<string, WireTensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [name, t] of Object.entries(feeds)) {
      const data = (t.data as Float32Array | BigInt64Array | Int32Array).slice();
      wire[name] = { type: t.type, dims: t.dims, data };
      transfer.push(data.buffer);
    }
    const out = (await this.worker.call(
      { op: 'run', session: this.id, feeds: wire, ...(fetches ? { fetches } : {}) },
      transfer,
    )) as Record<string, WireTensor>;
    const tensors: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(out)) tensors[name] = new Tensor(t.type, t.data, t.dims);
    return tensors;
  }

  async release(): Promise<void> {
    await this.worker.call({ op: 'release', session: this.id });
  }
}
