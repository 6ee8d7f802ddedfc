import { parseUtterance, type ParsedTurn, type Vocabulary } from '@vitrine/nlu';
import type {
  ChatAgent,
  ChatAgentReply,
  ChatSlots,
  ChatTurnContext,
  ObservedReference,
} from '@vitrine/evaluation';

/** The assistant's parsed slots in the evaluation's flat spelling (price split into bounds and currency). */
export function flatSlots(parsed: ParsedTurn): ChatSlots {
  const s = parsed.slots;
  const out: Record<string, string | number | boolean | null> = {};
  // A dropped constraint ("any colour") is the slot set to null, as the labels write it.
  for (const slot of s.clear ?? []) out[slot === 'price' ? 'priceMax' : slot] = null;
  if (s.category !== undefined) out.category = s.category;
  if (s.colour !== undefined) out.colour = s.colour;
  if (s.brand !== undefined) out.brand = s.brand;
  if (s.excludeBrand !== undefined) out.excludeBrand = s.excludeBrand;
  if (s.price?.min !== undefined) out.priceMin = s.price.min;
  if (s.price?.max !== undefined) out.priceMax = s.price.max;
  if (s.price?.currency !== undefined) out.currency = s.price.currency;
  if (s.price?.relative === 'cheaper') out.cheaper = true;
  if (s.inStock !== undefined) out.inStock = s.inStock;
  if (s.sort !== undefined) out.sort = s.sort;
  return out;
}

/**
 * The parsed references as positions in the result list, "it" resolved to the labelled focus. A reference the
 * evaluation cannot place (the last one of an unseen list, the pricier of) is position 0: counted wrong.
 */
export function parsedReference(parsed: ParsedTurn, context: ChatTurnContext): ObservedReference | undefined {
  const refs = parsed.slots.references;
  if (!refs || refs.length === 0) return undefined;
  const positions: number[] = [];
  for (const ref of refs) {
    if (ref.kind === 'ordinal') {
      const n = context.resultList.length;
      positions.push(ref.index >= 0 ? ref.index + 1 : n > 0 ? n + 1 + ref.index : 0);
    } else if (ref.kind === 'focus') {
      if (!context.focus) positions.push(0);
      else if ('cheaperOf' in context.focus) return refs.length === 1 ? context.focus : { positions: [0] };
      else positions.push(...context.focus.positions);
    } else if (ref.kind === 'cheapest' && refs.length === 1) {
      const n = ref.among ?? context.resultList.length;
      return n > 0 ? { cheaperOf: Array.from({ length: n }, (_, i) => i + 1) } : { positions: [0] };
    } else positions.push(0);
  }
  return { positions };
}

/** The language layer alone (`parseUtterance`): intent, slots and references; no products, no answers. */
export function parserAgent(vocabulary: Vocabulary): ChatAgent {
  return {
    open: () =>
      Promise.resolve({
        turn: (text: string, context: ChatTurnContext, image?: string): Promise<ChatAgentReply> => {
          // A picture without words is a request for similar products (as the chat takes it); the parser cannot
          // see the picture itself.
          if (image !== undefined && text.trim() === '')
            return Promise.resolve({ intent: 'similar', slots: {} });
          const parsed = parseUtterance(text, vocabulary);
          const reference = parsedReference(parsed, context);
          return Promise.resolve({
            intent: parsed.intent,
            slots: flatSlots(parsed),
            ...(reference ? { reference } : {}),
          });
        },
      }),
  };
}
