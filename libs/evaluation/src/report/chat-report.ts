import {
  sameReference,
  sameSlotValue,
  type ChatMetrics,
  type ChatTurnOutcome,
  type ObservedReference,
} from '../chat/chat-metrics';
import { CHAT_SLOTS, NO_PRODUCT_INTENTS, type ChatConversation } from '../chat/conversation-set';
import { fixed, markup, page, percent, section, table, type Html } from './html';
import { stamp } from './vqa-report';

export interface ChatReportInput {
  readonly mode: string;
  readonly set: string;
  readonly conversations: readonly ChatConversation[];
  readonly outcomes: readonly ChatTurnOutcome[];
  readonly overall: ChatMetrics;
  readonly byLang: Readonly<Record<string, ChatMetrics>>;
  readonly generatedAt: Date;
}

const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));
const refText = (r: ObservedReference) =>
  'positions' in r ? `position ${r.positions.join(', ')}` : `the cheaper of ${r.cheaperOf.join(', ')}`;

/**
 * What went wrong on one turn, one sentence each (empty: the turn passed). The same rules as `scoreChat`: a wrong
 * intent, a slot missing, wrong or extra, a wrong reference, an answer to an unknowable question or none to a
 * knowable one, products where none was asked, and every shown product outside the stated constraints.
 */
export function turnProblems(o: ChatTurnOutcome): string[] {
  const problems: string[] = [];
  if (o.intent !== undefined && o.intent !== o.gold.intent)
    problems.push(`intent ${o.gold.intent} understood as ${o.intent}`);
  if (o.slots !== undefined) {
    for (const slot of CHAT_SLOTS) {
      const gold = o.gold.slots[slot];
      const got = o.slots[slot];
      if ((gold !== undefined || got !== undefined) && !sameSlotValue(gold, got))
        problems.push(`${slot}: expected ${show(gold)}, got ${show(got)}`);
    }
  }
  if (
    o.expectedReference !== undefined &&
    (o.reference === undefined || !sameReference(o.expectedReference, o.reference))
  )
    problems.push(
      `refers to ${o.reference ? refText(o.reference) : 'nothing'}, expected ${refText(o.expectedReference)}`,
    );
  if (o.gold.intent === 'question' && o.gold.abstain === true && o.answered === true)
    problems.push('answered a question neither the catalog nor the picture can answer');
  if (o.gold.intent === 'question' && o.gold.abstain === false && o.answered === false)
    problems.push("said it can't tell, where the catalog or the picture answers");
  if (o.shown !== undefined && o.shown > 0 && NO_PRODUCT_INTENTS.has(o.gold.intent))
    problems.push(`showed ${o.shown} products where none was asked`);
  for (const v of o.violations) problems.push(`showed ${v.sku}, against the ${v.kind} asked: ${v.detail}`);
  return problems;
}

/** The self-contained HTML report of a `vitrine eval-chat` run: the figures, then every conversation's verdict. */
export function buildChatReport(input: ChatReportInput): string {
  const cols: [string, ChatMetrics][] = [['all', input.overall], ...Object.entries(input.byLang)];
  const rate = (r: { n: number; hits: number; rate: number }) =>
    r.n === 0 ? 'n/a' : `${percent(r.rate)} (${r.hits}/${r.n})`;
  const line = (name: string, f: (m: ChatMetrics) => string) => [name, ...cols.map(([, m]) => f(m))];
  const summary = table(
    ['', ...cols.map(([n]) => n)],
    [
      line('conversations / turns', (m) => `${m.conversations} / ${m.turns}`),
      line('intent accuracy', (m) => rate(m.intent)),
      line('slot F1 (micro)', (m) => fixed(m.slots.micro.f1)),
      line('reference accuracy', (m) => rate(m.references)),
      line('abstained, unknowable questions', (m) => rate(m.abstention)),
      line('answered, knowable questions', (m) => rate(m.knowableAnswered)),
      line('hard constraint violations', (m) =>
        m.violations.turnsChecked ? String(m.violations.hard) : 'n/a',
      ),
      line('products shown unasked', (m) => rate(m.productsWhenNoneAsked)),
    ],
  );
  const byConversation = new Map<string, ChatTurnOutcome[]>();
  for (const o of input.outcomes)
    byConversation.set(o.conversationId, [...(byConversation.get(o.conversationId) ?? []), o]);
  const verdicts = input.conversations.map((c) => {
    const turns = byConversation.get(c.id) ?? [];
    const failing = turns.map((o) => ({ o, problems: turnProblems(o) })).filter((t) => t.problems.length > 0);
    return { c, turns, failing };
  });
  const failed = verdicts.filter((v) => v.failing.length > 0);
  // Failing scenarios first, most failing turns first, in a table; the passing ones as a compact list.
  const failingFirst = [...failed].sort((a, b) => b.failing.length - a.failing.length);
  const passed = verdicts.filter((v) => v.failing.length === 0);
  const scenarios = markup`${
    failingFirst.length
      ? table(
          ['scenario', 'language', 'turns', 'failing turns', 'verdict'],
          failingFirst.map((v) => [
            markup`<a href="#c-${v.c.id}">${v.c.id}</a>`,
            v.c.lang,
            v.turns.length,
            v.failing.length,
            markup`<span class="fail">fail</span>`,
          ]),
          2,
        )
      : ''
  }${
    passed.length
      ? markup`<p>Passed (${passed.length}):</p><ul class="chips">${passed.map(
          (v) =>
            markup`<li data-verdict="pass"><span class="pass">✓</span> ${v.c.id} <span class="meta">${v.c.lang} · ${v.turns.length} turn${v.turns.length === 1 ? '' : 's'}</span></li>`,
        )}</ul>`
      : ''
  }`;
  const details: Html[] = failed.map(
    (v) =>
      markup`<article class="case chat" id="c-${v.c.id}" data-conversation="${v.c.id}">
        <div>
          <h3>${v.c.id}</h3>
          <div class="meta">${v.c.lang} · ${v.failing.length} of ${v.turns.length} turns failing</div>
        </div>
        <ol class="turns">
          ${v.turns.map((o) => {
            const problems = v.failing.find((f) => f.o === o)?.problems;
            return markup`<li value="${o.turn + 1}" lang="${o.lang}" ${problems ? markup` class="fail"` : ''}>
              “${o.gold.user}”${o.gold.image ? ' (with a picture)' : ''}
              <span class="meta">${o.gold.intent}</span>${
                problems
                  ? markup`<ul>
                      ${problems.map((p) => markup`<li>${p}</li>`)}
                    </ul>`
                  : ''
              }
            </li>`;
          })}
        </ol>
      </article>`,
  );
  return page({
    title: 'Vitrine shopping assistant evaluation',
    subtitle: `${input.mode} · ${input.set} · ${stamp(input.generatedAt)}`,
    sections: [
      section('summary', 'Summary', summary),
      section(
        'scenarios',
        `Scenarios: ${verdicts.length - failed.length} pass, ${failed.length} fail`,
        scenarios,
        'A scenario fails when any of its turns does: a wrong intent, slot or reference, an answer where it cannot know ' +
          '(or none where it can), products where none was asked, or a product outside what the shopper asked for.',
      ),
      section(
        'failures',
        'Failing turns',
        failed.length ? markup`<div class="gallery">${details}</div>` : markup`<p>Every scenario passed.</p>`,
        'Each failing scenario with all its turns; the failing ones say what went wrong.',
      ),
    ],
    footer:
      'Written by vitrine eval-chat. Self-contained: no script, no font, no picture is loaded from anywhere.',
  });
}
