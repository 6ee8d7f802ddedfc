import {
  CHAT_SLOTS,
  NO_PRODUCT_INTENTS,
  type ChatGoldTurn,
  type ChatSlot,
  type SlotValue,
} from './conversation-set';
import { VIOLATION_KINDS, type Violation, type ViolationKind } from './constraints';

/**
 * The reference an assistant resolved: 1-based positions in the last result list (a product not in it is position
 * 0), or, when only the parse is known, the positions it takes the cheaper of.
 */
export type ObservedReference =
  { readonly positions: readonly number[] } | { readonly cheaperOf: readonly number[] };

/** What happened on one turn: the label and what the assistant made of it (a field absent = not observed). */
export interface ChatTurnOutcome {
  readonly conversationId: string;
  readonly lang: 'en' | 'zh';
  /** 0-based turn index. */
  readonly turn: number;
  readonly gold: ChatGoldTurn;
  readonly intent?: string;
  readonly slots?: Readonly<Partial<Record<ChatSlot, SlotValue>>>;
  /** The gold reference resolved to positions; undefined when the turn has none or it cannot be resolved. */
  readonly expectedReference?: ObservedReference;
  readonly reference?: ObservedReference;
  /** On questions: whether the assistant gave an answer (false = it said it cannot tell). */
  readonly answered?: boolean;
  /** Products shown on this turn, when observed. */
  readonly shown?: number;
  /** Shown products outside the constraints the shopper stated (labels). */
  readonly violations: readonly Violation[];
  /** Shown products outside the constraints the assistant itself reported in force, when it reports them. */
  readonly ownViolations?: readonly Violation[];
}

export interface Prf {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface Rate {
  readonly n: number;
  readonly hits: number;
  /** hits / n; NaN when n = 0 (nothing to measure, printed as n/a). */
  readonly rate: number;
}

export interface ChatMetrics {
  readonly conversations: number;
  readonly turns: number;
  readonly intent: Rate & { readonly confusions: Readonly<Record<string, number>> };
  readonly slots: { readonly micro: Prf; readonly perSlot: Readonly<Record<ChatSlot, Prf>> };
  readonly references: Rate;
  /** Questions neither catalog nor picture can answer, and how many the assistant declined. */
  readonly abstention: Rate;
  /** Questions the catalog or the picture answers, and how many got an answer. */
  readonly knowableAnswered: Rate;
  readonly violations: {
    /** Price, currency, category and stock (issue 13's hard constraints; goal 0). */
    readonly hard: number;
    readonly byKind: Readonly<Record<ViolationKind, number>>;
    /**
     * Hard violations of the filters the assistant itself reported in force (null when it reports none): a product
     * its own filters exclude. The difference to {@link hard} is constraints it misread or lost.
     */
    readonly hardAgainstOwnFilters: number | null;
    /** Turns on which shown products were checked. */
    readonly turnsChecked: number;
    readonly examples: readonly (Violation & { readonly conversationId: string; readonly turn: number })[];
  };
  /** Greeting, help, start-over and out-of-scope turns that showed products anyway. */
  readonly productsWhenNoneAsked: Rate;
}

const rate = (n: number, hits: number): Rate => ({ n, hits, rate: n === 0 ? Number.NaN : hits / n });

function prf(tp: number, fp: number, fn: number): Prf {
  const precision = tp + fp === 0 ? Number.NaN : tp / (tp + fp);
  const recall = tp + fn === 0 ? Number.NaN : tp / (tp + fn);
  const f1 = tp + fp + fn === 0 ? Number.NaN : (2 * tp) / (2 * tp + fp + fn);
  return { tp, fp, fn, precision, recall, f1 };
}

/** Slot values compare case-insensitively (strings) and to the cent (numbers). */
export function sameSlotValue(a: SlotValue | undefined, b: SlotValue | undefined): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) < 0.005;
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

export function sameReference(a: ObservedReference, b: ObservedReference): boolean {
  const norm = (r: ObservedReference) =>
    'positions' in r ? `p:${r.positions.join(',')}` : `c:${[...r.cheaperOf].sort((x, y) => x - y).join(',')}`;
  return norm(a) === norm(b);
}

/**
 * Scores turn outcomes. Intent accuracy over turns whose intent was observed; slot precision/recall/F1 per slot
 * (a stated slot with the right value is a true positive, a wrong value is both a false positive and a false
 * negative, an extra slot a false positive); reference accuracy over turns with a resolvable gold reference;
 * abstention over unknowable questions; constraint violations over the products shown.
 */
export function scoreChat(outcomes: readonly ChatTurnOutcome[]): ChatMetrics {
  const conversations = new Set(outcomes.map((o) => o.conversationId)).size;
  let intentN = 0;
  let intentHits = 0;
  const confusions: Record<string, number> = {};
  const counts = Object.fromEntries(CHAT_SLOTS.map((s) => [s, { tp: 0, fp: 0, fn: 0 }])) as Record<
    ChatSlot,
    { tp: number; fp: number; fn: number }
  >;
  let refN = 0;
  let refHits = 0;
  let unknowable = 0;
  let abstained = 0;
  let knowable = 0;
  let answered = 0;
  let checked = 0;
  let noneAsked = 0;
  let noneAskedShown = 0;
  let ownHard: number | null = null;
  const byKind = Object.fromEntries(VIOLATION_KINDS.map((k) => [k, 0])) as Record<ViolationKind, number>;
  const examples: (Violation & { conversationId: string; turn: number })[] = [];

  for (const o of outcomes) {
    if (o.intent !== undefined) {
      intentN++;
      if (o.intent === o.gold.intent) intentHits++;
      else {
        const key = `${o.gold.intent} → ${o.intent}`;
        confusions[key] = (confusions[key] ?? 0) + 1;
      }
    }
    if (o.slots !== undefined) {
      for (const slot of CHAT_SLOTS) {
        const inGold = slot in o.gold.slots;
        const inPred = slot in o.slots;
        if (inGold && inPred && sameSlotValue(o.gold.slots[slot], o.slots[slot])) counts[slot].tp++;
        else {
          if (inGold) counts[slot].fn++;
          if (inPred) counts[slot].fp++;
        }
      }
    }
    if (o.expectedReference !== undefined) {
      refN++;
      if (o.reference !== undefined && sameReference(o.expectedReference, o.reference)) refHits++;
    }
    if (o.gold.intent === 'question' && o.gold.abstain !== undefined && o.answered !== undefined) {
      if (o.gold.abstain) {
        unknowable++;
        if (!o.answered) abstained++;
      } else {
        knowable++;
        if (o.answered) answered++;
      }
    }
    if (o.shown !== undefined) {
      checked++;
      if (NO_PRODUCT_INTENTS.has(o.gold.intent)) {
        noneAsked++;
        if (o.shown > 0) noneAskedShown++;
      }
    }
    if (o.ownViolations !== undefined)
      ownHard = (ownHard ?? 0) + o.ownViolations.filter((v) => v.kind !== 'brand').length;
    for (const v of o.violations) {
      byKind[v.kind]++;
      if (examples.length < 20) examples.push({ ...v, conversationId: o.conversationId, turn: o.turn });
    }
  }

  const perSlot = Object.fromEntries(
    CHAT_SLOTS.map((s) => [s, prf(counts[s].tp, counts[s].fp, counts[s].fn)]),
  ) as Record<ChatSlot, Prf>;
  const sum = (k: 'tp' | 'fp' | 'fn') => CHAT_SLOTS.reduce((a, s) => a + counts[s][k], 0);
  return {
    conversations,
    turns: outcomes.length,
    intent: { ...rate(intentN, intentHits), confusions },
    slots: { micro: prf(sum('tp'), sum('fp'), sum('fn')), perSlot },
    references: rate(refN, refHits),
    abstention: rate(unknowable, abstained),
    knowableAnswered: rate(knowable, answered),
    violations: {
      hard: byKind.price + byKind.currency + byKind.category + byKind.stock,
      byKind,
      hardAgainstOwnFilters: ownHard,
      turnsChecked: checked,
      examples,
    },
    productsWhenNoneAsked: rate(noneAsked, noneAskedShown),
  };
}
