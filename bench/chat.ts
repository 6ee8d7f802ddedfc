// npm run bench:chat [-- --passes 2 --catalog data/demo-catalog/products.jsonl --set data/eval/chat/conversations.jsonl]
// Turn latency of the shopping-assistant chat, embedded: the demo catalog is imported and indexed into a throw-away
// PGlite + embedded-vectors setup (the one `vitrine eval-chat` uses), then every conversation of the chat evaluation
// set (pictures included) is replayed through ChatService.turn — one conversation at a time (concurrency 1), then 16 conversations at
// once (concurrency 16). Prints p50/p99/mean/max per turn, turns/s, and the process's CPU time per turn (user +
// system over all its threads: PGlite, the embedding worker and the dialogue manager are all in this process, so
// that is the server's CPU per turn). A first pass warms up and is not counted.
import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@vitrine/core';
import { readConversationSet, type ChatConversation } from '@vitrine/evaluation';
import { openChatHarness, type ChatHarness } from '../apps/cli/src/commands/chat-harness';

const { values } = parseArgs({
  options: {
    catalog: { type: 'string', default: 'data/demo-catalog/products.jsonl' },
    set: { type: 'string', default: 'data/eval/chat/conversations.jsonl' },
    passes: { type: 'string', default: '2' },
  },
});
const PASSES = Math.max(1, Number(values.passes));

interface Run {
  readonly ms: number[];
  readonly byIntent: Map<string, number[]>;
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Replays `conversations` with `concurrency` conversations in flight; each conversation's turns in order. */
async function replay(
  harness: ChatHarness,
  conversations: readonly ChatConversation[],
  pictures: ReadonlyMap<string, Uint8Array>,
  concurrency: number,
): Promise<Run> {
  const ms: number[] = [];
  const byIntent = new Map<string, number[]>();
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    for (let i = next++; i < conversations.length; i = next++) {
      let conversationId: string | undefined;
      for (const turn of conversations[i]!.turns) {
        const start = performance.now();
        const image = turn.image !== undefined ? pictures.get(turn.image) : undefined;
        const result = await harness.chat.turn({
          ...(conversationId ? { conversationId } : {}),
          message: turn.user,
          ...(image ? { image } : {}),
        });
        const took = performance.now() - start;
        conversationId = result.conversationId;
        ms.push(took);
        byIntent.set(turn.intent, [...(byIntent.get(turn.intent) ?? []), took]);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { ms, byIntent, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}

function row(label: string, run: Run): string[] {
  const s = [...run.ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return [
    label,
    String(s.length),
    quantile(s, 0.5).toFixed(1),
    quantile(s, 0.99).toFixed(1),
    mean.toFixed(1),
    s[s.length - 1]!.toFixed(1),
    ((1000 * s.length) / run.wallMs).toFixed(0),
    (run.cpuMs / s.length).toFixed(2),
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

async function main(): Promise<void> {
  const conversations = await readConversationSet(resolve(values.set));
  const turns = conversations.reduce((a, c) => a + c.turns.length, 0);
  // Pictures are read once: the bench measures the chat, not the disk.
  const pictures = new Map<string, Uint8Array>();
  for (const c of conversations)
    for (const t of c.turns) if (t.image) pictures.set(t.image, new Uint8Array(await readFile(t.image)));
  const harness = await openChatHarness(resolve(values.catalog), loadConfig(), (m) => console.log(m));
  try {
    console.log(
      `node ${process.version}, ${cpus().length} cores; ${conversations.length} conversations, ${turns} turns, ` +
        `${PASSES} measured pass(es) per concurrency after one warm-up pass\n`,
    );
    await replay(harness, conversations, pictures, 1);
    const runs: [string, Run][] = [];
    for (const c of [1, 16]) {
      const merged: Run = { ms: [], byIntent: new Map(), wallMs: 0, cpuMs: 0 };
      for (let p = 0; p < PASSES; p++) {
        const r = await replay(harness, conversations, pictures, c);
        merged.ms.push(...r.ms);
        for (const [k, v] of r.byIntent) merged.byIntent.set(k, [...(merged.byIntent.get(k) ?? []), ...v]);
        Object.assign(merged, { wallMs: merged.wallMs + r.wallMs, cpuMs: merged.cpuMs + r.cpuMs });
      }
      runs.push([`c${c}`, merged]);
    }
    console.log(
      table([
        ['concurrency', 'turns', 'p50 ms', 'p99 ms', 'mean ms', 'max ms', 'turns/s', 'CPU ms/turn'],
        ...runs.map(([label, r]) => row(label, r)),
      ]),
    );
    const c1 = runs[0]![1];
    console.log('\nconcurrency 1, per intent:');
    console.log(
      table([
        ['intent', 'turns', 'p50 ms', 'p99 ms', 'mean ms', 'max ms'],
        ...[...c1.byIntent.entries()]
          .sort((a, b) => a[0].localeCompare(b[0]))
          .map(([intent, ms]) => row(intent, { ms, byIntent: new Map(), wallMs: 1, cpuMs: 0 }).slice(0, 6)),
      ]),
    );
  } finally {
    await harness.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
