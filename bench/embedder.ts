// npm run bench:embedder [-- --queries 300 --rounds 3 --images 530 --concurrency 8 --codec-floats 150528]
// CLIP as a service (issue 16, goal 5), measured on the CPU, every figure side by side in one run:
//  1. added latency per search: one query text embedded in this process (OnnxEmbeddingProvider) vs through the
//     built embedding service (dist/apps/embedder, RemoteEmbeddingProvider), unique texts, rounds alternating;
//     wall time per query and CPU per query (this process, plus the embedder's from /proc for the service);
//  2. the wire format: encoding + decoding one pixel tensor (ViT-B/32: 150,528 floats) as JSON numbers vs Triton's
//     binary tensor extension, and the demo model's picture requests both ways through the service;
//  3. two indexer-like clients (child processes embedding the demo catalog's pictures one at a time with bulk
//     priority, N in flight like INDEXER_CONCURRENCY) each with its own model vs both sharing one embedder:
//     pictures/s over both, CPU per picture over every process, and peak RSS (VmHWM) summed over the processes.
// The embedder and the children are stopped by their PIDs.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import {
  OnnxEmbeddingProvider,
  RemoteEmbeddingProvider,
  kserve,
  type EmbeddingProvider,
} from '@vitrine/embedding';

const ROOT = resolve(__dirname, '..');
const MODEL_DIR = join(ROOT, 'models/demo-clip');
const IMAGES_DIR = join(ROOT, 'data/demo-catalog/images');
const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const QUERIES = Number(arg('queries', '300'));
const ROUNDS = Number(arg('rounds', '3'));
const IMAGES = Number(arg('images', '530'));
const CONCURRENCY = Number(arg('concurrency', '8'));
const CODEC_FLOATS = Number(arg('codec-floats', String(3 * 224 * 224)));
const TICK = 100; // getconf CLK_TCK on Linux

const quiet = { log: () => undefined, warn: (m: string) => process.stderr.write(`${m}\n`) };

/** utime + stime of a process, in seconds, from /proc/<pid>/stat. */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

/** VmHWM (peak RSS) and VmRSS of a process, in MiB. */
function memOf(pid: number): { peak: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { peak: kib('VmHWM') / 1024, rss: kib('VmRSS') / 1024 };
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

async function startEmbedder(): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(ROOT, 'dist/apps/embedder/src/main.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', MODEL_DIR, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`the embedder exited with ${proc.exitCode}`);
    const ok = await fetch(`${url}/v2/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { proc, url };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the embedder did not become ready in 120 s');
}

function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.pid === undefined) return Promise.resolve();
  return new Promise((ok) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    proc.once('exit', () => {
      clearTimeout(kill);
      ok();
    });
    process.kill(proc.pid!, 'SIGTERM');
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const f = (x: number, d = 2) => x.toFixed(d);

// ------------------------------------------------------------------------------------------------ child

interface ChildResult {
  readonly images: number;
  readonly seconds: number;
  readonly cpu: number;
  readonly peakMiB: number;
}

/** An indexer-like client: pictures one at a time with bulk priority, CONCURRENCY in flight. */
async function child(mode: string, url: string): Promise<void> {
  const provider: EmbeddingProvider =
    mode === 'own'
      ? await OnnxEmbeddingProvider.load({ modelDir: MODEL_DIR, logger: quiet })
      : await RemoteEmbeddingProvider.connect({ url, modelDir: MODEL_DIR, logger: quiet });
  const files = readdirSync(IMAGES_DIR).slice(0, IMAGES);
  const bytes = files.map((file) => readFileSync(join(IMAGES_DIR, file)));
  process.send!({ ready: true });
  await new Promise<void>((ok) => process.once('message', () => ok()));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bytes.length) await provider.embedImage(bytes[next++]!, { priority: 'bulk' });
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const result: ChildResult = {
    images: bytes.length,
    seconds,
    // The run only (every thread of this process), not the boot: the model load is not per picture.
    cpu: (c.user + c.system) / 1e6,
    peakMiB: memOf(process.pid).peak,
  };
  process.send!(result);
  await provider.close();
}

function forkChild(
  mode: string,
  url: string,
): { proc: ChildProcess; ready: Promise<void>; done: Promise<ChildResult> } {
  const proc = fork(
    __filename,
    ['--child', mode, '--url', url, '--images', String(IMAGES), '--concurrency', String(CONCURRENCY)],
    {
      execArgv: ['-r', '@swc-node/register'],
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  let readyOk!: () => void;
  const ready = new Promise<void>((ok) => (readyOk = ok));
  const done = new Promise<ChildResult>((ok, fail) => {
    proc.on('message', (m: { ready?: boolean } & Partial<ChildResult>) => {
      if (m.ready) readyOk();
      else ok(m as ChildResult);
    });
    proc.once('exit', (code) => fail(new Error(`child exited with ${code}`)));
  });
  return { proc, ready, done };
}

// ------------------------------------------------------------------------------------------------ parts

async function latency(url: string, embedderPid: number): Promise<void> {
  const local = await OnnxEmbeddingProvider.load({ modelDir: MODEL_DIR, logger: quiet });
  const remote = await RemoteEmbeddingProvider.connect({ url, modelDir: MODEL_DIR, logger: quiet });
  const words = [
    'red',
    'blue',
    'leather',
    'wooden',
    'small',
    'shoe',
    'mug',
    'guitar',
    'lamp',
    'backpack',
    'kids',
  ];
  let n = 0;
  const query = () => {
    n++;
    return `${words[n % words.length]} ${words[(n * 7) % words.length]} ${n}`;
  };
  for (let i = 0; i < 30; i++) await Promise.all([local.embedText(query()), remote.embedText(query())]);
  const stats = { local: { ms: [] as number[], cpu: 0 }, remote: { ms: [] as number[], cpu: 0, server: 0 } };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of ['local', 'remote'] as const) {
      const p = mode === 'local' ? local : remote;
      const c0 = process.cpuUsage();
      const s0 = cpuOf(embedderPid);
      for (let i = 0; i < QUERIES; i++) {
        const t0 = performance.now();
        await p.embedText(query());
        stats[mode].ms.push(performance.now() - t0);
      }
      const c = process.cpuUsage(c0);
      stats[mode].cpu += (c.user + c.system) / 1e6;
      if (mode === 'remote') stats.remote.server += cpuOf(embedderPid) - s0;
    }
  }
  const total = ROUNDS * QUERIES;
  const l = stats.local;
  const rm = stats.remote;
  console.log(
    `\n## Added latency per search (one query text, sequential, ${total} unique texts per mode, ${ROUNDS} alternating rounds)`,
  );
  console.log(
    '| mode | p50 ms | p90 ms | p99 ms | client CPU ms/query | embedder CPU ms/query | total CPU ms/query |',
  );
  console.log('|---|---|---|---|---|---|---|');
  console.log(
    `| in-process | ${f(pct(l.ms, 50))} | ${f(pct(l.ms, 90))} | ${f(pct(l.ms, 99))} | ${f((l.cpu / total) * 1000)} | — | ${f((l.cpu / total) * 1000)} |`,
  );
  console.log(
    `| EMBEDDING_URL | ${f(pct(rm.ms, 50))} | ${f(pct(rm.ms, 90))} | ${f(pct(rm.ms, 99))} | ${f((rm.cpu / total) * 1000)} | ${f((rm.server / total) * 1000)} | ${f(((rm.cpu + rm.server) / total) * 1000)} |`,
  );
  console.log(
    `added p50: ${f(pct(rm.ms, 50) - pct(l.ms, 50))} ms; total CPU ratio service/in-process: ${f((rm.cpu + rm.server) / l.cpu)}×`,
  );
  await Promise.all([local.close(), remote.close()]);
}

async function wire(url: string): Promise<void> {
  const floats = Float32Array.from({ length: CODEC_FLOATS }, (_, i) => Math.sin(i) * 2);
  const tensor = [{ name: 'pixel_values', shape: [1, 3, CODEC_FLOATS / 3], data: floats }];
  const time = (binary: boolean) => {
    const reps = 40;
    const c0 = process.cpuUsage();
    let size = 0;
    for (let i = 0; i < reps; i++) {
      const { body, headerLength } = kserve.encodeBody({}, 'inputs', tensor, binary);
      size = body.length;
      kserve.decodeBody(body, headerLength, 'inputs');
    }
    const c = process.cpuUsage(c0);
    return { ms: (c.user + c.system) / 1000 / reps, kib: size / 1024 };
  };
  time(true);
  time(false);
  const b = time(true);
  const j = time(false);
  console.log(
    `\n## Wire format of one pixel tensor (${CODEC_FLOATS} floats), encode + decode in this process`,
  );
  console.log('| format | body KiB | CPU ms |');
  console.log('|---|---|---|');
  console.log(`| JSON numbers | ${f(j.kib, 0)} | ${f(j.ms)} |`);
  console.log(`| binary tensor extension | ${f(b.kib, 0)} | ${f(b.ms, 3)} |`);
  console.log(`JSON / binary CPU: ${f(j.ms / b.ms, 0)}×`);

  const images = readdirSync(IMAGES_DIR)
    .slice(0, 32)
    .map((file) => readFileSync(join(IMAGES_DIR, file)));
  console.log(
    '\nDemo model (64×64 pictures) through the service, batches of 32, wall ms per batch (p50 of 15):',
  );
  for (const binary of [true, false]) {
    const remote = await RemoteEmbeddingProvider.connect({ url, modelDir: MODEL_DIR, logger: quiet, binary });
    await remote.embedImages(images);
    const ms: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      await remote.embedImages(images);
      ms.push(performance.now() - t0);
    }
    console.log(`  ${binary ? 'binary' : 'JSON  '}: ${f(pct(ms, 50), 1)} ms`);
    await remote.close();
  }
}

async function sharing(): Promise<void> {
  const rows: string[] = [];
  for (const mode of ['own', 'shared'] as const) {
    const embedder = mode === 'shared' ? await startEmbedder() : undefined;
    const s0 = embedder ? cpuOf(embedder.proc.pid!) : 0;
    const kids = [forkChild(mode, embedder?.url ?? ''), forkChild(mode, embedder?.url ?? '')];
    await Promise.all(kids.map((k) => k.ready));
    const t0 = performance.now();
    kids.forEach((k) => k.proc.send('go'));
    const results = await Promise.all(kids.map((k) => k.done));
    const wall = (performance.now() - t0) / 1000;
    const serverCpu = embedder ? cpuOf(embedder.proc.pid!) - s0 : 0;
    const serverPeak = embedder ? memOf(embedder.proc.pid!).peak : 0;
    await Promise.all(kids.map((k) => stop(k.proc)));
    if (embedder) await stop(embedder.proc);
    const images = results.reduce((n, r) => n + r.images, 0);
    const cpu = results.reduce((n, r) => n + r.cpu, 0) + serverCpu;
    const peak = results.reduce((n, r) => n + r.peakMiB, 0) + serverPeak;
    rows.push(
      `| ${mode === 'own' ? 'each its own model' : 'one shared embedder'} | ${f(images / wall, 0)} | ${f((cpu / images) * 1000)} | ${results.map((r) => f(r.peakMiB, 0)).join(' + ')}${embedder ? ` + ${f(serverPeak, 0)} (embedder)` : ''} = ${f(peak, 0)} |`,
    );
  }
  console.log(
    `\n## Two indexer-like clients (${IMAGES} pictures each, ${CONCURRENCY} in flight, bulk priority)`,
  );
  console.log('| mode | pictures/s (both) | CPU ms/picture (all processes) | peak RSS MiB |');
  console.log('|---|---|---|---|');
  rows.forEach((r) => console.log(r));
}

async function main(): Promise<void> {
  if (args.includes('--child')) return child(arg('child', 'own'), arg('url', ''));
  console.log(
    `# bench:embedder — ${new Date().toISOString()} — loadavg ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  );
  const embedder = await startEmbedder();
  try {
    await latency(embedder.url, embedder.proc.pid!);
    await wire(embedder.url);
  } finally {
    await stop(embedder.proc);
  }
  await sharing();
  console.log(`\nloadavg at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
