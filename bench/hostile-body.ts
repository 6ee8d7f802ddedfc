// node -r @swc-node/register bench/hostile-body.ts --url http://127.0.0.1:3000 [--admin-key KEY] [--keys 60000]
// What validation-cost bodies do to a running API (issue 11, defect 3): four concurrent JSON bodies of N unknown keys
// to the text search (and, with an admin key, to the admin upsert) while /healthz is polled every 10 ms. Prints,
// per route, each answer's status and size, when all four were answered, and the worst /healthz latency meanwhile.
// Run it from another process than the API's, so its own JSON work does not count against the server.
const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};

async function attack(
  base: string,
  path: string,
  text: string,
  headers: Record<string, string>,
): Promise<void> {
  let worst = 0;
  let polls = 0;
  let stop = false;
  const poll = (async () => {
    while (!stop) {
      const started = performance.now();
      await fetch(`${base}/healthz`).then((r) => r.text());
      worst = Math.max(worst, performance.now() - started);
      polls++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: text,
      });
      return `${res.status} (${(await res.text()).length} B)`;
    }),
  );
  const elapsed = performance.now() - started;
  stop = true;
  await poll;
  console.log(
    `${path}: ${answers.join(', ')}; all answered in ${elapsed.toFixed(0)} ms; ` +
      `worst /healthz ${worst.toFixed(0)} ms over ${polls} polls`,
  );
}

async function main(): Promise<void> {
  const base = arg('url', 'http://127.0.0.1:3000').replace(/\/$/, '');
  const key = arg('admin-key', '');
  const keys = Number(arg('keys', '60000'));
  const body: Record<string, unknown> = { query: 'apple' };
  for (let i = 0; i < keys; i++) body[`k${i}`] = 1;
  const text = JSON.stringify(body);
  console.log(`${keys} unknown keys, ${text.length} bytes per body, 4 at once`);
  await attack(base, '/v1/search/text', text, {});
  if (key) await attack(base, '/v1/admin/products', text, { 'x-api-key': key });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
