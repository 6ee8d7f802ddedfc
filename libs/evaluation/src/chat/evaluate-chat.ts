import { scoreChat, type ChatMetrics, type ChatTurnOutcome, type ObservedReference } from './chat-metrics';
import {
  constraintsAfter,
  findViolations,
  NO_CONSTRAINTS,
  type ChatCatalogItem,
  type StatedConstraints,
  type Violation,
} from './constraints';
import { LIST_INTENTS, type ChatConversation, type ChatSlots, type GoldReference } from './conversation-set';

/** What the evaluation knows before a turn, for an agent that only parses (it cannot see products). */
export interface ChatTurnContext {
  /** The last result list the assistant showed (empty before any, and always for a parser alone). */
  readonly resultList: readonly ChatCatalogItem[];
  /** The product(s) the conversation is about, from the labels: where "it" and "that one" point. */
  readonly focus?: ObservedReference;
}

/** What the assistant made of a turn; a field left out was not observed and is not scored. */
export interface ChatAgentReply {
  readonly intent?: string;
  readonly slots?: ChatSlots;
  /** The product(s) the turn was about: SKUs as the assistant resolved them, or positions as parsed. */
  readonly reference?: { readonly skus: readonly string[] } | ObservedReference;
  /** SKUs of the products shown, in order. */
  readonly shown?: readonly string[];
  /** On questions: false when the assistant said it cannot tell. */
  readonly answered?: boolean;
  /** The constraints the assistant says are in force after the turn (its own filters). */
  readonly filtersInForce?: StatedConstraints;
}

export interface ChatSession {
  /** One shopper turn: its words and, on a picture turn, the picture's path. */
  turn(text: string, context: ChatTurnContext, image?: string): Promise<ChatAgentReply>;
  close?(): Promise<void>;
}

/** The assistant under evaluation: one session per conversation. */
export interface ChatAgent {
  open(conversation: ChatConversation): Promise<ChatSession>;
}

export interface ChatEvaluation {
  readonly metrics: ChatMetrics;
  readonly outcomes: readonly ChatTurnOutcome[];
  /** Wall time per turn, in order, ms. */
  readonly turnMs: readonly number[];
}

/** The gold reference as positions, resolving "the cheaper of" on the products shown when they are known. */
export function resolveGoldReference(
  ref: GoldReference,
  list: readonly ChatCatalogItem[],
): ObservedReference | undefined {
  if (typeof ref === 'number') return { positions: [ref] };
  if (!('cheaperOf' in ref)) return { positions: [...ref] };
  const items = ref.cheaperOf.map((p) => list[p - 1]);
  if (items.some((i) => i === undefined)) return { cheaperOf: [...ref.cheaperOf] };
  // Prices in two currencies have no cheaper one without a rate: nothing to score.
  if (new Set(items.map((i) => i!.price?.currency)).size > 1) return undefined;
  let best = 0;
  // A product without a price is never the cheaper one.
  const amount = (i: number) => items[i]!.price?.amount ?? Number.POSITIVE_INFINITY;
  items.forEach((_, i) => {
    if (amount(i) < amount(best)) best = i;
  });
  return { positions: [ref.cheaperOf[best]!] };
}

/**
 * Runs every conversation through the agent and scores it. The evaluation tracks, from the labels, the constraints
 * in force (every product shown on a result-list turn is checked against them) and the product in focus; from the
 * replies, the result list references count positions in.
 */
export async function evaluateChat(
  conversations: readonly ChatConversation[],
  agent: ChatAgent,
  catalog: ReadonlyMap<string, ChatCatalogItem>,
  options: { onTurn?: (done: number, total: number) => void } = {},
): Promise<ChatEvaluation> {
  const total = conversations.reduce((a, c) => a + c.turns.length, 0);
  const outcomes: ChatTurnOutcome[] = [];
  const turnMs: number[] = [];
  const item = (sku: string): ChatCatalogItem => {
    const found = catalog.get(sku);
    if (!found) throw new Error(`the assistant showed ${sku}, which is not in the evaluation catalog`);
    return found;
  };
  for (const conversation of conversations) {
    const session = await agent.open(conversation);
    let list: readonly ChatCatalogItem[] = [];
    let focus: ObservedReference | undefined;
    let constraints: StatedConstraints = NO_CONSTRAINTS;
    try {
      for (const [index, gold] of conversation.turns.entries()) {
        const t0 = performance.now();
        const reply = await session.turn(
          gold.user,
          { resultList: list, ...(focus ? { focus } : {}) },
          gold.image,
        );
        turnMs.push(performance.now() - t0);

        const expected = gold.ref !== undefined ? resolveGoldReference(gold.ref, list) : undefined;
        let reference: ObservedReference | undefined;
        if (reply.reference !== undefined)
          reference =
            'skus' in reply.reference
              ? { positions: reply.reference.skus.map((s) => list.findIndex((p) => p.sku === s) + 1) }
              : reply.reference;

        const focusBrand =
          focus && 'positions' in focus && focus.positions.length === 1
            ? list[focus.positions[0]! - 1]?.brand
            : (list[0]?.brand ?? undefined);
        constraints = constraintsAfter(constraints, gold, focusBrand);

        const shown = reply.shown?.map(item);
        let violations: Violation[] = [];
        let ownViolations: Violation[] = [];
        if (shown !== undefined && LIST_INTENTS.has(gold.intent)) {
          violations = findViolations(constraints, shown);
          if (reply.filtersInForce) ownViolations = findViolations(reply.filtersInForce, shown);
          // A reply with no product leaves the last list on screen: "the first one" still means its first.
          if (shown.length > 0) list = shown;
        }
        if (gold.intent === 'start-over') list = [];
        if (expected !== undefined && ('cheaperOf' in expected || expected.positions.length === 1))
          focus = expected;
        if (gold.intent === 'start-over') focus = undefined;

        outcomes.push({
          conversationId: conversation.id,
          lang: conversation.lang,
          turn: index,
          gold,
          ...(reply.intent !== undefined ? { intent: reply.intent } : {}),
          ...(reply.slots !== undefined ? { slots: reply.slots } : {}),
          ...(expected !== undefined ? { expectedReference: expected } : {}),
          ...(reference !== undefined ? { reference } : {}),
          ...(reply.answered !== undefined ? { answered: reply.answered } : {}),
          ...(shown !== undefined ? { shown: shown.length } : {}),
          violations,
          ...(reply.filtersInForce ? { ownViolations } : {}),
        });
        options.onTurn?.(outcomes.length, total);
      }
    } finally {
      await session.close?.();
    }
  }
  return { metrics: scoreChat(outcomes), outcomes, turnMs };
}
