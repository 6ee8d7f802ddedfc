import { statSync } from 'node:fs';
import { ConfigError, loadConfig } from '@vitrine/core';
import { HEARTBEAT_MAX_AGE_MS } from './heartbeat';

/**
 * The indexer container's health check: exits 0 when INDEXER_HEARTBEAT_FILE was refreshed within the last 30 s
 * (`--max-age-s N` to change that), 1 otherwise, with the reason on stderr. It loads no model and opens no
 * connection, so probing every few seconds costs nothing.
 */
export function heartbeatAgeMs(file: string, now = Date.now()): number | undefined {
  try {
    return now - statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function main(): number {
  const flag = process.argv.indexOf('--max-age-s');
  const maxAgeMs = flag > 0 ? Number(process.argv[flag + 1]) * 1000 : HEARTBEAT_MAX_AGE_MS;
  if (!Number.isFinite(maxAgeMs) || maxAgeMs <= 0) {
    process.stderr.write('--max-age-s needs a positive number of seconds\n');
    return 2;
  }
  const file = loadConfig().indexer.heartbeatFile;
  const age = heartbeatAgeMs(file);
  if (age === undefined) {
    process.stderr.write(
      `unhealthy: no heartbeat file ${file} (indexer not started, stopped, or cannot write it)\n`,
    );
    return 1;
  }
  if (age > maxAgeMs) {
    process.stderr.write(`unhealthy: the last heartbeat is ${Math.round(age / 1000)} s old (${file})\n`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (e) {
    process.stderr.write(`${e instanceof ConfigError ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
