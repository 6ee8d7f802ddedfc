import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** An API process a benchmark started. */
export interface ApiProcess {
  readonly url: string;
  readonly pid: number;
  /** When the log said "search is complete" after start (indexing finished), if it has. */
  indexedAt(): number | undefined;
  stop(): Promise<void>;
}

export interface StartApiOptions {
  /** Node arguments before the environment: a script (default the built API, dist/apps/api/src/main.js) and its args. */
  readonly argv: readonly string[];
  /** Environment beside PATH, HOST and PORT. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * `indexed`: the seeder's "search is complete" (the first start on an empty database), then an empty indexing
   * queue (its follow-up jobs done); `listening`: only the HTTP server (indexing may still be running).
   */
  readonly waitFor: 'indexed' | 'listening';
  /** Printed with the ready line. */
  readonly label: string;
}

/** Starts an API process on a random port and waits until it is ready (see {@link StartApiOptions.waitFor}). */
export async function startApi(options: StartApiOptions): Promise<ApiProcess> {
  const port = String(30_000 + Math.floor(Math.random() * 20_000));
  const child = spawn(process.execPath, [...options.argv], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: port, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  await new Promise<void>((resolveReady, reject) => {
    let buffered = '';
    child.once('exit', (code) =>
      reject(new Error(`API ${options.label} exited with ${code} before it was ready`)),
    );
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const msg = (() => {
          try {
            const parsed = JSON.parse(line) as { msg?: unknown };
            return typeof parsed.msg === 'string' ? parsed.msg : '';
          } catch {
            return line;
          }
        })();
        if (
          msg.includes('search is complete') ||
          (options.waitFor === 'listening' && msg.startsWith('listening on'))
        ) {
          console.log(`API ${options.label} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          // Stop parsing the request log: this process also runs the load generator, and every cycle spent here
          // is taken from it on a 2-core machine.
          child.stdout.off('data', onData);
          resolveReady();
          return;
        }
      }
    };
    child.stdout.on('data', onData);
  });
  // Indexing queues follow-up work (attribute extraction) that runs on after "search is complete": measure an
  // idle API, not one still busy with it.
  if (options.waitFor === 'indexed') await waitForIdleQueue(url);
  // Only a substring test from here on (no JSON parsing): when did indexing finish, if it was still running.
  let indexedAt: number | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    if (indexedAt === undefined && chunk.includes('search is complete')) indexedAt = Date.now();
  });
  return {
    url,
    pid: child.pid!,
    indexedAt: () => indexedAt,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Polls `/metrics` until the API's indexing queue has nothing waiting, active or delayed. */
export async function waitForIdleQueue(url: string): Promise<void> {
  const open = /^vitrine_indexing_queue_jobs\{state="(?:waiting|active|delayed)"\} (\d+)$/gm;
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    if ([...text.matchAll(open)].reduce((sum, m) => sum + Number(m[1]), 0) === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}
