// Runs the Qdrant stand-in as its own process, for a full stack where no Qdrant server can run (the soak run):
//   node dist/libs/vectors/src/testing/qdrant-standin.main.js --dir DIR [--port 6333] [--host 127.0.0.1]
//     [--api-key KEY] [--check-openapi]
// Prints "listening on <url>" once it answers; SIGTERM/SIGINT close the store and exit 0. With --check-openapi
// every request and response is checked against Qdrant's OpenAPI document and each problem is printed to stderr
// as "openapi violation: ..." (the document is read from the source tree, so run it from the repository).
import { OpenApiCheckers } from './openapi-check';
import { QdrantStandIn } from './qdrant-standin';

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = option(args, 'dir');
  if (!dir) throw new Error('--dir DIR is required (the embedded store that holds the data)');
  const port = Number(option(args, 'port') ?? '6333');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0..65535');
  const apiKey = option(args, 'api-key');
  const standIn = await QdrantStandIn.start({
    dir,
    port,
    host: option(args, 'host') ?? '127.0.0.1',
    ...(apiKey ? { apiKey } : {}),
    ...(args.includes('--check-openapi')
      ? {
          checker: OpenApiCheckers.load(),
          onViolation: (p: string) => process.stderr.write(`openapi violation: ${p}\n`),
        }
      : {}),
  });
  process.stdout.write(`listening on ${standIn.url}\n`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      standIn.close().then(
        () => process.exit(0),
        (e: unknown) => {
          process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
          process.exit(1);
        },
      );
    });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
