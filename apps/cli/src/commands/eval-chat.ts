import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type AppConfig } from '@vitrine/core';
import {
  buildChatReport,
  CHAT_SLOTS,
  chatCatalog,
  evaluateChat,
  readCatalogProducts,
  readConversationSet,
  type ChatAgent,
  type ChatCatalogItem,
  type ChatEvaluation,
  type ChatMetrics,
  type ChatTurnOutcome,
  type Prf,
  type Rate,
  scoreChat,
} from '@vitrine/evaluation';
import { parserAgent } from './chat-agents';
import { openChatHarness, serviceAgent, type ChatHarness } from './chat-harness';

export const DEFAULT_CHAT_SET = 'data/eval/chat/conversations.jsonl';
export const DEFAULT_CHAT_CATALOG = 'data/demo-catalog/products.jsonl';

export interface EvalChatArgs {
  readonly set: string;
  readonly catalog: string;
  readonly json: boolean;
  /** Score the language layer (parseUtterance) alone: no products, answers or constraints. */
  readonly parserOnly: boolean;
  /** Write every turn's outcome (label, what the assistant did, violations) here as JSONL. */
  readonly dump?: string;
  /** Write a self-contained HTML report here: the figures, every scenario's pass or fail, the failing turns. */
  readonly report?: string;
}

/**
 * `vitrine eval-chat`: runs every conversation of a set through the product's `ChatService` in a throw-away embedded
 * setup (the catalog imported and indexed into PGlite + embedded vectors in a temp folder, as `vitrine eval` does)
 * and prints intent accuracy, slot F1 per slot, reference accuracy, abstention on unknowable questions and
 * constraint violations, overall and per language. `--parser-only` scores the language layer alone, in a second.
 */
export async function runEvalChat(
  args: EvalChatArgs,
  base: AppConfig,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const conversations = await readConversationSet(args.set);
  const log = (m: string) => void (args.json ? undefined : err.write(`${m}\n`));
  let harness: ChatHarness | undefined;
  let agent: ChatAgent;
  let catalog: ReadonlyMap<string, ChatCatalogItem>;
  let mode: string;
  if (args.parserOnly) {
    const products = readCatalogProducts(args.catalog);
    catalog = chatCatalog(products);
    agent = parserAgent({
      brands: [...new Set(products.flatMap((p) => (p.brand ? [p.brand] : [])))],
      categories: [...new Set(products.flatMap((p) => (p.category ? [p.category] : [])))],
    });
    mode = 'parser only (parseUtterance): intent, slots, references';
  } else {
    harness = await openChatHarness(args.catalog, base, log);
    catalog = harness.catalog;
    agent = serviceAgent(harness);
    mode = `ChatService, embedded (PGlite, ${harness.products} products); slots as parsed`;
  }
  let evaluation: ChatEvaluation;
  try {
    evaluation = await evaluateChat(conversations, agent, catalog);
  } finally {
    await harness?.close();
  }
  const { metrics, outcomes, turnMs } = evaluation;
  if (args.dump) writeFileSync(args.dump, outcomes.map((o) => JSON.stringify(o)).join('\n') + '\n');
  const byLang = Object.fromEntries(
    (['en', 'zh'] as const).map((l) => [l, scoreChat(outcomes.filter((o) => o.lang === l))]),
  );
  const sorted = [...turnMs].sort((a, b) => a - b);
  const summary = {
    mode,
    set: { file: resolve(args.set), conversations: metrics.conversations, turns: metrics.turns },
    msPerTurn: {
      p50: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      p99: round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0),
    },
    overall: metrics,
    byLang,
    misses: misses(outcomes),
  };
  if (args.report) {
    const file = resolve(args.report);
    writeFileSync(
      file,
      buildChatReport({
        mode,
        set: args.set,
        conversations,
        outcomes,
        overall: metrics,
        byLang,
        generatedAt: new Date(),
      }),
    );
    log(`report written to ${file}`);
  }
  if (args.json)
    out.write(`${JSON.stringify(summary, (_k, v: unknown) => (Number.isNaN(v) ? null : v), 2)}\n`);
  else out.write(report(summary.mode, metrics, byLang, summary.msPerTurn, summary.misses));
  return 0;
}

const round = (x: number) => Number(x.toFixed(3));
const pct = (r: Rate) => (r.n === 0 ? 'n/a' : `${(100 * r.rate).toFixed(1)}% (${r.hits}/${r.n})`);
const num = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));

/** The first wrong turns, to read what the assistant got wrong. */
function misses(outcomes: readonly ChatTurnOutcome[]): string[] {
  return outcomes
    .filter((o) => o.intent !== undefined && o.intent !== o.gold.intent)
    .slice(0, 15)
    .map((o) => `${o.conversationId}#${o.turn + 1} "${o.gold.user}": ${o.gold.intent} → ${o.intent}`);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

function report(
  mode: string,
  m: ChatMetrics,
  byLang: Record<string, ChatMetrics>,
  ms: { p50: number; p99: number },
  missed: string[],
): string {
  const cols: [string, ChatMetrics][] = [['all', m], ...Object.entries(byLang)];
  const line = (name: string, f: (x: ChatMetrics) => string) => [name, ...cols.map(([, x]) => f(x))];
  const head = table([
    ['', ...cols.map(([n]) => n)],
    line('conversations / turns', (x) => `${x.conversations} / ${x.turns}`),
    line('intent accuracy', (x) => pct(x.intent)),
    line('slot F1 (micro)', (x) => num(x.slots.micro.f1)),
    line('reference accuracy', (x) => pct(x.references)),
    line('abstained, unknowable questions', (x) => pct(x.abstention)),
    line('answered, knowable questions', (x) => pct(x.knowableAnswered)),
    line('hard constraint violations', (x) =>
      x.violations.turnsChecked === 0 ? 'n/a' : String(x.violations.hard),
    ),
    line('  of its own filters', (x) =>
      x.violations.hardAgainstOwnFilters === null ? 'n/a' : String(x.violations.hardAgainstOwnFilters),
    ),
    line('brand violations', (x) =>
      x.violations.turnsChecked === 0 ? 'n/a' : String(x.violations.byKind.brand),
    ),
    line('products shown unasked', (x) => pct(x.productsWhenNoneAsked)),
  ]);
  const slots = table([
    ['slot', 'P', 'R', 'F1', 'tp', 'fp', 'fn'],
    ...CHAT_SLOTS.map((s) => prfRow(s, m.slots.perSlot[s])),
    prfRow('micro', m.slots.micro),
  ]);
  const confusions = Object.entries(m.intent.confusions)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([k, n]) => `  ${n}× ${k}`);
  const violations = m.violations.examples
    .slice(0, 10)
    .map((v) => `  ${v.conversationId}#${v.turn + 1} ${v.sku} ${v.kind}: ${v.detail}`);
  return [
    `mode: ${mode}; ${ms.p50} ms per turn (p50), ${ms.p99} ms (p99)`,
    head,
    '',
    slots,
    ...(confusions.length ? ['', 'intent confusions (labelled → predicted):', ...confusions] : []),
    ...(missed.length ? ['', 'first wrong intents:', ...missed.map((x) => `  ${x}`)] : []),
    ...(violations.length ? ['', 'violations:', ...violations] : []),
    '',
  ].join('\n');
}

function prfRow(name: string, p: Prf): string[] {
  return [name, num(p.precision), num(p.recall), num(p.f1), String(p.tp), String(p.fp), String(p.fn)];
}

export function registerEvalChatCommand(program: Command): void {
  program
    .command('eval-chat')
    .description(
      'shopping assistant quality on a conversation set: intent accuracy, slot F1 per slot, reference accuracy, abstention on unknowable questions, constraint violations',
    )
    .option('--set <file>', 'conversations JSONL (data/eval/chat/README.md)', DEFAULT_CHAT_SET)
    .option('--catalog <file>', 'catalog JSONL the conversations are about', DEFAULT_CHAT_CATALOG)
    .option(
      '--parser-only',
      'score the language layer (parseUtterance) alone, without the chat service',
      false,
    )
    .option('--json', 'print JSON', false)
    .option('--dump <file>', "write every turn's outcome as JSONL")
    .option('--report <file>', 'also write a self-contained HTML report (every scenario, its failing turns)')
    .action(
      async (o: {
        set: string;
        catalog: string;
        parserOnly: boolean;
        json: boolean;
        dump?: string;
        report?: string;
      }) => {
        process.exitCode = await runEvalChat(
          {
            set: o.set,
            catalog: o.catalog,
            json: o.json,
            parserOnly: o.parserOnly,
            ...(o.dump ? { dump: o.dump } : {}),
            ...(o.report ? { report: o.report } : {}),
          },
          loadConfig(),
          process.stdout,
          process.stderr,
        );
      },
    );
}
