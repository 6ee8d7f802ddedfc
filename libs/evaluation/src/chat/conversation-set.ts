import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '@vitrine/core';
import { parseJsonlLines } from '../jsonl';

/** The intents a chat turn is labelled with (the assistant's own vocabulary, issue 13 §2). */
export const CHAT_INTENTS = [
  'search',
  'refine',
  'sort',
  'show-more',
  'question',
  'compare',
  'similar',
  'start-over',
  'greeting',
  'help',
  'out-of-scope',
] as const;
export type ChatIntent = (typeof CHAT_INTENTS)[number];

/** Intents whose reply is a result list: the list later references count positions in. */
export const LIST_INTENTS: ReadonlySet<string> = new Set([
  'search',
  'refine',
  'sort',
  'show-more',
  'similar',
]);
/** Intents that ask for no product at all: a product shown on them is invented. */
export const NO_PRODUCT_INTENTS: ReadonlySet<string> = new Set([
  'greeting',
  'help',
  'out-of-scope',
  'start-over',
]);

/** The slots scored, flat (price split into bounds and currency). */
export const CHAT_SLOTS = [
  'category',
  'colour',
  'brand',
  'excludeBrand',
  'priceMin',
  'priceMax',
  'currency',
  'inStock',
  'sort',
  'cheaper',
] as const;
export type ChatSlot = (typeof CHAT_SLOTS)[number];

/** A slot's value; `null` is a constraint the shopper dropped ("any colour"). */
export type SlotValue = string | number | boolean | null;
export type ChatSlots = Readonly<Partial<Record<ChatSlot, SlotValue>>>;

/**
 * The shown product(s) a turn is about: 1-based positions in the last result list, or the cheaper of some positions
 * ("the cheaper of the two"), resolved on the products actually shown.
 */
export type GoldReference = number | readonly number[] | { readonly cheaperOf: readonly number[] };

/** One shopper turn and what a correct assistant makes of it. */
export interface ChatGoldTurn {
  /** What the shopper types; may be empty on a picture turn. */
  readonly user: string;
  /** A picture sent with the turn: absolute path (relative in the file, to the file's folder). */
  readonly image?: string;
  readonly intent: ChatIntent;
  readonly slots: ChatSlots;
  readonly ref?: GoldReference;
  /** On questions: true when neither the catalog nor the picture can answer it. */
  readonly abstain?: boolean;
}

export interface ChatConversation {
  readonly id: string;
  readonly lang: 'en' | 'zh';
  readonly note?: string;
  readonly turns: readonly ChatGoldTurn[];
}

const position = z.number().int().min(1);
const slotValue = z.union([z.string().min(1), z.number().finite(), z.boolean(), z.null()]);
const turnSchema = z
  .object({
    user: z.string(),
    image: z.string().min(1).optional(),
    intent: z.enum(CHAT_INTENTS),
    slots: z.partialRecord(z.enum(CHAT_SLOTS), slotValue).optional(),
    ref: z
      .union([position, z.array(position).min(1), z.object({ cheaperOf: z.array(position).min(2) }).strict()])
      .optional(),
    abstain: z.boolean().optional(),
  })
  .strict()
  .refine((t) => t.user.trim() !== '' || t.image !== undefined, 'a turn without a picture needs words')
  .refine((t) => t.abstain === undefined || t.intent === 'question', 'abstain is only for questions');
const conversationSchema = z
  .object({
    id: z.string().min(1),
    lang: z.enum(['en', 'zh']),
    note: z.string().optional(),
    turns: z.array(turnSchema).min(1),
  })
  .strict();

/**
 * Parses a conversation set (one conversation per JSONL line, see data/eval/chat/README.md); picture paths resolve
 * against `folder`. Every problem is a `ValidationError` naming its line: ground truth is never dropped silently.
 */
export function parseConversationSet(
  text: string,
  source = 'conversation set',
  folder = process.cwd(),
): ChatConversation[] {
  const { rows, problems } = parseJsonlLines(text, conversationSchema);
  const out: ChatConversation[] = [];
  const ids = new Set<string>();
  for (const { line, value: c } of rows) {
    if (ids.has(c.id)) problems.push(`line ${line}: id "${c.id}" repeats an earlier conversation`);
    ids.add(c.id);
    out.push({
      id: c.id,
      lang: c.lang,
      ...(c.note !== undefined ? { note: c.note } : {}),
      turns: c.turns.map((t) => ({
        user: t.user,
        ...(t.image !== undefined ? { image: resolve(folder, t.image) } : {}),
        intent: t.intent,
        slots: t.slots ?? {},
        ...(t.ref !== undefined ? { ref: t.ref } : {}),
        ...(t.abstain !== undefined ? { abstain: t.abstain } : {}),
      })),
    });
  }
  if (problems.length > 0) throw new ValidationError(`${source}: ${problems.slice(0, 10).join('\n')}`);
  if (out.length === 0) throw new ValidationError(`${source}: no conversation`);
  return out;
}

/** Reads and parses a conversation set file. */
export async function readConversationSet(file: string): Promise<ChatConversation[]> {
  return parseConversationSet(await readFile(file, 'utf8'), file, dirname(resolve(file)));
}
