import type { ChatCompletionsClient, ToolChatMessage } from '@vitrine/chat';
import { describeFilters, listReply } from '../dialogue/replies';
import type { ChatFilters, ShownProduct } from '../dialogue/state';
import type { Lang, Vocabulary } from '@vitrine/nlu';
import { checkReply } from './checked-reply';
import { CHAT_TOOLS, type ChatToolbox, type ToolAnswer, type ToolProduct } from './chat-tools';

/** Rounds of tool calls a turn may take before the model must reply; one more request is for the reply. */
export const MAX_TOOL_ROUNDS = 3;
/** Tool calls run per round; more get an error result. */
const MAX_CALLS_PER_ROUND = 6;
const MAX_CATEGORIES_SENT = 100;

/** What the model is told about the turn besides the tools. */
export interface PlanInput {
  readonly lang: Lang;
  /** The shopper's message. */
  readonly message: string;
  /** The constraints in force (applied by the tools whatever the model asks). */
  readonly filters: ChatFilters;
  /** The list the shopper sees, in order ("the second one"). */
  readonly shown: readonly ShownProduct[];
  /** The product the conversation is about ("it"). */
  readonly focus?: ShownProduct | undefined;
  readonly vocabulary: Vocabulary;
}

/** Plans a turn with tool calls over a {@link ChatToolbox} and writes its reply; throws when it cannot. */
export interface TurnPlanner {
  /** Who answered, as `replyBy` says it. */
  readonly id: string;
  plan(input: PlanInput, toolbox: ChatToolbox): Promise<string>;
}

const SYSTEM =
  'You are the shopping assistant of an online shop. Use the tools to find and look up products: search (words ' +
  "and filters), product_detail, ask (the customer's question about one product) and similar. The customer's " +
  'constraints (CONSTRAINTS) are applied to every tool result. To refer to a product the customer sees ("the second ' +
  'one", "it"), use its productId from SHOWN or FOCUS. Then reply to the customer briefly, in LANGUAGE. Mention ' +
  'only products the tools returned, by their exact title, with prices and attributes exactly as the tool results ' +
  'give them; never add a product, a price, a number, a material, a colour or any property the tool results do ' +
  'not state, and never promise anything about delivery, returns or payment. Reply with the text only.';

/**
 * A remote model (OpenAI-compatible with tool calling, `ANSWERER_URL`) plans the turn: it calls the tools (at most
 * {@link MAX_TOOL_ROUNDS} rounds), each result is sent back as a `role: "tool"` message, and its final text is
 * returned for the caller to check. A failing endpoint, a reply with no text, or a model still calling tools after
 * the last round throws.
 */
export class RemoteToolPlanner implements TurnPlanner {
  constructor(private readonly client: ChatCompletionsClient) {}

  get id(): string {
    return `tools:${this.client.model}`;
  }

  async plan(input: PlanInput, toolbox: ChatToolbox): Promise<string> {
    const messages: ToolChatMessage[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: context(input) },
    ];
    for (let round = 0; ; round++) {
      const completion = await this.client.completeWithTools(messages, CHAT_TOOLS, { maxTokens: 500 });
      if (completion.toolCalls.length === 0) {
        const text = completion.text?.trim() ?? '';
        if (!text) throw new Error('the model replied with no text');
        return text;
      }
      if (round === MAX_TOOL_ROUNDS)
        throw new Error(`the model was still calling tools after ${MAX_TOOL_ROUNDS} rounds`);
      messages.push({
        role: 'assistant',
        content: completion.text,
        tool_calls: completion.toolCalls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: c.arguments },
        })),
      });
      for (const [i, call] of completion.toolCalls.entries()) {
        const result =
          i < MAX_CALLS_PER_ROUND
            ? await toolbox.call(call.name, call.arguments)
            : { error: `at most ${MAX_CALLS_PER_ROUND} tool calls per round` };
        messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
      }
    }
  }
}

function context(input: PlanInput): string {
  const short = (p: ShownProduct) => ({
    productId: p.id,
    title: p.title,
    ...(p.price ? { price: `${p.price.currency} ${p.price.amount}` } : {}),
  });
  return [
    `LANGUAGE: ${input.lang === 'zh' ? 'Simplified Chinese' : 'English'}`,
    `CONSTRAINTS: ${describeFilters(input.filters, 'en') || 'none'} ${JSON.stringify(input.filters)}`,
    `CATEGORIES: ${input.vocabulary.categories.slice(0, MAX_CATEGORIES_SENT).join(', ')}`,
    `SHOWN: ${JSON.stringify(input.shown.map((p, i) => ({ position: i + 1, ...short(p) })))}`,
    ...(input.focus ? [`FOCUS: ${JSON.stringify(short(input.focus))}`] : []),
    `CUSTOMER: ${input.message}`,
  ].join('\n');
}

/** The turn as the tools answered it: the checked reply and the products it shows. */
export interface ToolReply {
  readonly message: string;
  /** Products to show, from the tool results only. */
  readonly products: readonly ToolProduct[];
  /** Product questions asked, with product Q&A's answers verbatim. */
  readonly answers: readonly ToolAnswer[];
  /** Sentences of the model's reply dropped by the claim check (absent when a Q&A answer is the reply). */
  readonly dropped?: number;
}

/**
 * Checks the model's reply against the facts of all tool results of the turn (`checkReply`) and picks the products
 * to show: those the reply names, in the order named, then the other results in result order (at most `pageSize`).
 * When the model asked product questions, the reply is product Q&A's answers verbatim ("I can't tell" stays so).
 * When nothing of the reply survives, the products are listed from a template. Null when the tools returned
 * nothing to show: the embedded manager answers instead.
 */
export function toolReply(
  text: string,
  toolbox: ChatToolbox,
  filters: ChatFilters,
  lang: Lang,
  pageSize: number,
): ToolReply | null {
  const all = toolbox.products;
  if (toolbox.answers.length > 0) {
    const asked = [...new Set(toolbox.answers.map((a) => a.productId))];
    return {
      message: toolbox.answers.map((a) => `${a.title}: ${a.answer.answer}`).join('\n'),
      products: asked
        .map((id) => all.find((p) => p.card.id === id))
        .filter((p): p is ToolProduct => p !== undefined)
        .slice(0, pageSize),
      answers: toolbox.answers,
    };
  }
  if (all.length === 0) return null;
  const checked = checkReply(text, toolbox.facts());
  const said = normalised(checked.text);
  const named = all
    .map((p) => ({ p, at: said.indexOf(normalised(p.card.title)) }))
    .filter((x) => x.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((x) => x.p);
  const products = [...named, ...all.filter((p) => !named.includes(p))].slice(0, pageSize);
  const message =
    checked.text ||
    listReply(
      products.map((p) => shown(p)),
      1,
      filters,
      lang,
    );
  return { message, products, answers: [], dropped: checked.dropped };
}

function normalised(s: string): string {
  return s.normalize('NFKC').replace(/[’‘`]/g, "'").toLowerCase();
}

function shown({ card }: ToolProduct): ShownProduct {
  return {
    id: card.id,
    title: card.title,
    brand: card.brand,
    category: card.category,
    price: card.price ? { amount: card.price.amount, currency: card.price.currency } : null,
    inStock: card.inStock,
  };
}
