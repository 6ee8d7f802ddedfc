import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (nothing listens on it once this returns). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * A Redis of this test's own on its own port (never the shared one): started, shut down and started again empty,
 * as a Redis restart without persistence does.
 */
export class OwnRedis {
  private readonly dir = mkdtempSync(join(tmpdir(), 'vitrine-own-redis-'));
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  /** Starts the server unless it is already up. */
  start(): void {
    if (this.up()) return;
    execFileSync('redis-server', [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--dir',
      this.dir,
      '--pidfile',
      join(this.dir, 'redis.pid'),
    ]);
    for (let i = 0; i < 100; i++) {
      if (this.up()) return;
      execFileSync('sleep', ['0.05']);
    }
    throw new Error(`redis-server on ${this.port} did not start`);
  }
  stop(): void {
    try {
      this.cli('shutdown', 'nosave');
    } catch {
      // the connection drops as the server exits
    }
  }
  cleanup(): void {
    this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
  private up(): boolean {
    try {
      return this.cli('ping').trim() === 'PONG';
    } catch {
      return false;
    }
  }
  private cli(...args: string[]): string {
    return execFileSync('redis-cli', ['-p', String(this.port), ...args], { encoding: 'utf8', timeout: 5000 });
  }
}
