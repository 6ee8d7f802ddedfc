import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DomainError, NotFoundError, ValidationError } from '@vitrine/core';
import type { JsonValue, Product, ProductCard } from '@vitrine/catalog';
import type { SearchFilters, SearchOptions, SearchPage } from '@vitrine/search';
import type { VqaAnswer } from '@vitrine/vqa';
import * as reply from './dialogue/replies';
import {
  initialState,
  nextFilters,
  resolveReferences,
  satisfies,
  type ChatFilters,
  type DialogueState,
  type SearchSource,
  type ShownProduct,
} from './dialogue/state';
import { parseUtterance } from '@vitrine/nlu';
import type { Intent, Lang, ParsedTurn, ProductReference, Vocabulary } from '@vitrine/nlu';
import { checkReply, type ReplyFacts } from './remote/checked-reply';
import { ChatToolbox } from './remote/chat-tools';
import type { ReplyWriter } from './remote/remote-reply-writer';
import { toolReply, type TurnPlanner } from './remote/tool-planner';
import type { NewTurn } from './store/conversation.repository';

/** Products shown per turn. */
export const CHAT_PAGE_SIZE = 5;
/** Longest message accepted, in characters. */
export const MAX_CHAT_MESSAGE_CHARS = 1000;
/** Retrieval reads at most this many results to page, sort and re-check constraints over. */
const MAX_CANDIDATES = 100;
/** Pictures of picture turns kept in memory for "show more" and refinements (never stored). */
const PICTURES_KEPT = 200;
const VOCABULARY_TTL_MS = 60_000;

/** What the chat needs of search (libs/search `SearchService`). */
export interface ChatSearch {
  searchText(request: { query: string } & SearchOptions): Promise<SearchPage>;
  searchImage(request: { image: Uint8Array; query?: string } & SearchOptions): Promise<SearchPage>;
  similar(productId: string, options?: SearchOptions): Promise<SearchPage>;
}

/** What the chat needs of the catalog. */
export interface ChatCatalog {
  getByIds(ids: readonly string[]): Promise<Product[]>;
  cards(ids: readonly string[]): Promise<ProductCard[]>;
  distinctCategories(): Promise<string[]>;
  distinctBrands(): Promise<string[]>;
}

/** What the chat needs of product Q&A (libs/vqa `VqaService`). */
export interface ChatQuestions {
  askAboutProduct(productId: string, question: string): Promise<VqaAnswer>;
}

/** Where conversations live (see `ConversationRepository`). */
export interface ChatConversations {
  state(id: string): Promise<DialogueState | null>;
  append(id: string, state: DialogueState, turns: readonly NewTurn[]): Promise<void>;
}

export interface ChatDependencies {
  readonly search: ChatSearch;
  readonly catalog: ChatCatalog;
  readonly questions: ChatQuestions;
  readonly conversations: ChatConversations;
  /** A remote model writing the replies of turns that show products (`ANSWERER_URL`); templates without it. */
  readonly writer?: ReplyWriter | undefined;
  /**
   * A remote model planning product turns with tools (`ANSWERER_URL`, `CHAT_REMOTE_TOOLS`): it chooses search,
   * product detail, ask and similar calls and writes the reply, checked against the tool results. The embedded
   * manager answers when it fails.
   */
  readonly planner?: TurnPlanner | undefined;
}

/** Turns a remote planner may plan: those served by search, product detail, product Q&A or similar. */
const PLANNED_INTENTS: ReadonlySet<Intent> = new Set([
  'search',
  'refine',
  'sort',
  'show-more',
  'similar',
  'compare',
  'question',
]);

/** Intents about products already shown: planned only when the embedded manager resolved their references. */
const REFERENCE_INTENTS: ReadonlySet<Intent> = new Set(['question', 'compare', 'similar']);

const logger = new Logger('ChatService');

/** Turns whose reply a remote model may write: those that show products from a tool result. */
const WRITTEN_INTENTS: ReadonlySet<Intent> = new Set([
  'search',
  'refine',
  'sort',
  'show-more',
  'similar',
  'compare',
]);

export interface ChatTurnRequest {
  /** Continue this conversation; a new one is started without it. */
  readonly conversationId?: string;
  readonly message: string;
  /** A picture (encoded bytes): "a photo → similar products". */
  readonly image?: Uint8Array;
}

/** A product card as search results show them; `score` only when a search ranked it in this turn. */
export interface ChatProduct extends ProductCard {
  readonly score?: number;
}

/** The answer to a product question: `/ask`'s answer, and the product it is about. */
export interface ChatAnswer extends VqaAnswer {
  readonly productId: string;
}

/** A fact table of products, read from the catalog: one row per field, one value per product (null: not listed). */
export interface Comparison {
  readonly productIds: readonly string[];
  readonly rows: readonly { readonly field: string; readonly values: readonly (string | null)[] }[];
}

export interface ChatTurnResult {
  readonly conversationId: string;
  /** The assistant's reply. */
  readonly message: string;
  /** Products in the order the reply refers to them. */
  readonly products: readonly ChatProduct[];
  /** The constraints now in force. */
  readonly filters: ChatFilters;
  readonly sort: DialogueState['sort'];
  readonly intent: Intent;
  readonly lang: Lang;
  readonly answer?: ChatAnswer;
  readonly comparison?: Comparison;
  /**
   * Which path answered: `template` (the embedded manager), `tools:<model>` (the remote model chose the tools and
   * wrote the reply, checked against their results) or `remote:<model>` (it rewrote the embedded manager's reply).
   */
  readonly replyBy: string;
  /** Sentences of the remote model's reply dropped as unsupported by the turn's facts. */
  readonly droppedClaims?: number;
}

interface Outcome {
  readonly state: DialogueState;
  readonly message: string;
  readonly products: readonly ChatProduct[];
  readonly answer?: ChatAnswer;
  readonly comparison?: Comparison;
}

/**
 * The embedded dialogue manager: parses a turn ({@link parseUtterance}), resolves its references against the
 * conversation's state, runs search, product Q&A or a catalog comparison, and answers with a templated reply in the
 * shopper's language. Every product shown satisfies the hard constraints in force (retrieval filters, then checked
 * again on each card); every fact in a reply comes from a card, the catalog or a `/ask` answer.
 */
export class ChatService {
  private vocabulary: { at: number; value: Promise<Vocabulary> } | undefined;
  private readonly pictures = new Map<string, Uint8Array>();

  constructor(private readonly deps: ChatDependencies) {}

  async turn(request: ChatTurnRequest): Promise<ChatTurnResult> {
    const text = request.message.trim();
    if (text.length > MAX_CHAT_MESSAGE_CHARS)
      throw new ValidationError(`message is longer than ${MAX_CHAT_MESSAGE_CHARS} characters`, {
        field: 'message',
      });
    if (text.length === 0 && !request.image)
      throw new ValidationError('message must not be empty (or send a picture)', { field: 'message' });
    const id = request.conversationId ?? randomUUID();
    const stored = request.conversationId === undefined ? null : await this.deps.conversations.state(id);
    if (request.conversationId !== undefined && !stored) throw new NotFoundError('conversation', id);
    const vocabulary = await this.currentVocabulary();
    const parsed: ParsedTurn =
      text.length > 0
        ? parseUtterance(text, vocabulary)
        : { lang: stored?.lang ?? 'en', intent: 'similar', slots: {} };
    const lang = parsed.lang;
    const state: DialogueState = { ...(stored ?? initialState(lang)), lang };
    // One product question is asked once per turn, whether the embedded manager or the planner asks it.
    const questions = onceEach(this.deps.questions);
    const embedded = request.image
      ? await this.pictureTurn(id, state, parsed, request.image)
      : await this.dispatch(id, state, parsed, questions);
    // References never guess: a turn about shown products that resolved none ("the sixth one" of three) keeps the
    // embedded manager's question back rather than letting the model pick a product.
    const plannable =
      this.deps.planner !== undefined &&
      !request.image &&
      PLANNED_INTENTS.has(parsed.intent) &&
      !(REFERENCE_INTENTS.has(parsed.intent) && embedded.products.length === 0);
    const planned =
      plannable && this.deps.planner
        ? await this.planned(this.deps.planner, parsed, text, state, embedded, vocabulary, questions)
        : undefined;
    const outcome = planned?.outcome ?? embedded;
    const written = planned
      ? planned.written
      : plannable
        ? { message: embedded.message, by: 'template' }
        : await this.written(parsed, text, outcome, vocabulary);
    const result: ChatTurnResult = {
      conversationId: id,
      message: written.message,
      replyBy: written.by,
      ...(written.dropped !== undefined ? { droppedClaims: written.dropped } : {}),
      products: outcome.products,
      filters: outcome.state.filters,
      sort: outcome.state.sort,
      intent: parsed.intent,
      lang,
      ...(outcome.answer ? { answer: outcome.answer } : {}),
      ...(outcome.comparison ? { comparison: outcome.comparison } : {}),
    };
    await this.deps.conversations.append(id, outcome.state, [
      {
        role: 'user',
        message: text,
        payload: { intent: parsed.intent, lang, picture: request.image !== undefined },
      },
      { role: 'assistant', message: result.message, payload: toJson(turnPayload(result)) },
    ]);
    return result;
  }

  /**
   * The remote model's reply when one is configured and the turn showed products, with every sentence it cannot
   * support from the turn's facts dropped; the template when it fails, or when nothing it said survives the check.
   */
  private async written(
    parsed: ParsedTurn,
    message: string,
    outcome: Outcome,
    vocabulary: Vocabulary,
  ): Promise<{ message: string; by: string; dropped?: number }> {
    const writer = this.deps.writer;
    const template = { message: outcome.message, by: 'template' };
    if (!writer || outcome.products.length === 0 || !WRITTEN_INTENTS.has(parsed.intent)) return template;
    try {
      const products = await this.deps.catalog.getByIds(outcome.products.map((p) => p.id));
      const byId = new Map(products.map((p) => [p.id, p]));
      const facts: ReplyFacts = {
        constraints: reply.describeFilters(outcome.state.filters, outcome.state.lang),
        catalogBrands: vocabulary.brands,
        products: outcome.products.map((card) => {
          const p = byId.get(card.id);
          return {
            title: card.title,
            brand: card.brand,
            category: card.category,
            price: card.price ? reply.formatMoney(card.price) : null,
            inStock: card.inStock,
            attributes: Object.fromEntries(
              Object.entries(p?.attributes ?? {}).map(([k, v]) => [
                k,
                typeof v === 'string' ? v : JSON.stringify(v),
              ]),
            ),
            description: p?.description ?? null,
          };
        }),
      };
      const text = await writer.write({ lang: outcome.state.lang, message, draft: outcome.message, facts });
      if (!text) return template;
      const checked = checkReply(text, facts);
      if (!checked.text) return { ...template, dropped: checked.dropped };
      return { message: checked.text, by: writer.id, dropped: checked.dropped };
    } catch {
      // An unreachable or failing model costs the shopper nothing but the nicer wording.
      return template;
    }
  }

  /**
   * The turn as the remote planner answers it: its tool calls run under the constraints in force (the embedded
   * outcome's filters), its reply is checked against the tool results, and the state shows what it showed.
   * Undefined (the embedded outcome answers) when the model fails or its tools returned nothing to show.
   */
  private async planned(
    planner: TurnPlanner,
    parsed: ParsedTurn,
    text: string,
    before: DialogueState,
    embedded: Outcome,
    vocabulary: Vocabulary,
    questions: ChatQuestions,
  ): Promise<{ outcome: Outcome; written: { message: string; by: string; dropped?: number } } | undefined> {
    const filters = embedded.state.filters;
    const lang = embedded.state.lang;
    const toolbox = new ChatToolbox(
      { search: this.deps.search, catalog: this.deps.catalog, questions },
      { filters, question: parsed.slots.question ?? text, lang, vocabulary },
    );
    let planned;
    try {
      const reply = await planner.plan(
        { lang, message: text, filters, shown: before.shown, focus: before.focus, vocabulary },
        toolbox,
      );
      planned = toolReply(reply, toolbox, filters, lang, CHAT_PAGE_SIZE);
    } catch (error) {
      logger.warn(`${planner.id} failed (${(error as Error).message}); the embedded manager answers`);
      return undefined;
    }
    if (!planned) {
      logger.log(`${planner.id}: its tools (${toolbox.calls.join(', ') || 'none'}) returned nothing to show`);
      return undefined;
    }
    const products = planned.products;
    const cards = products.map((p) => p.card);
    const asked = planned.answers[0];
    const focus = asked
      ? cards.find((c) => c.id === asked.productId)
      : !toolbox.returnedList
        ? cards[0]
        : undefined;
    const comparison =
      parsed.intent === 'compare' && products.length >= 2
        ? comparisonOf(
            products.map((p) => p.product),
            lang,
          )
        : undefined;
    const state: DialogueState = dropUndefined({
      ...embedded.state,
      ...(toolbox.returnedList ? { shown: cards.map(toShown), compared: undefined } : {}),
      ...(comparison ? { compared: cards.map(toShown) } : {}),
      focus: focus ? toShown(focus) : toolbox.returnedList ? embedded.state.focus : before.focus,
    });
    return {
      outcome: {
        state,
        message: planned.message,
        products: cards,
        ...(asked ? { answer: { ...asked.answer, productId: asked.productId } } : {}),
        ...(comparison ? { comparison } : {}),
      },
      written: {
        message: planned.message,
        by: planner.id,
        ...(planned.dropped !== undefined ? { dropped: planned.dropped } : {}),
      },
    };
  }

  private async dispatch(
    id: string,
    state: DialogueState,
    parsed: ParsedTurn,
    questions: ChatQuestions,
  ): Promise<Outcome> {
    const { slots } = parsed;
    const lang = state.lang;
    switch (parsed.intent) {
      case 'greeting':
        return { state, message: reply.greeting(lang), products: [] };
      case 'help':
        return { state, message: reply.help(lang), products: [] };
      case 'out-of-scope':
        return { state, message: reply.outOfScope(slots.topic ?? 'other', lang), products: [] };
      case 'start-over': {
        const fresh = initialState(lang);
        if (slots.query || slots.category || slots.brand) return this.search(id, fresh, parsed);
        return {
          state: fresh,
          message:
            lang === 'zh'
              ? '好的，我们重新开始。您想找什么？'
              : "OK, let's start over. What are you looking for?",
          products: [],
        };
      }
      case 'search':
        // Mid-conversation, a turn naming no kind of product and no brand is likelier a refinement the parser
        // missed ("must be available right now") than a new search, which would drop the category in force: what
        // it does state (price, stock, colour) refines the search; with nothing stated, ask, and keep the list.
        if (slots.unrecognised && state.source) {
          if (slots.colour || slots.price || slots.inStock || slots.excludeBrand || slots.sort)
            return this.dispatch(id, state, { ...parsed, intent: 'refine' }, questions);
          return { state, message: reply.notUnderstood(state.filters, lang), products: [] };
        }
        return this.search(id, state, parsed);
      case 'refine': {
        const filters = nextFilters(state, slots, 'refine', state.focus);
        const next: DialogueState = {
          ...state,
          filters,
          ...(slots.sort ? { sort: slots.sort } : {}),
          offset: 0,
        };
        if (!next.source) return { state: next, message: reply.askWhatFor(filters, lang), products: [] };
        return this.show(id, next, false);
      }
      case 'sort': {
        const next: DialogueState = { ...state, sort: slots.sort ?? 'relevance', offset: 0 };
        if (!next.source) return { state: next, message: reply.askWhatFor(next.filters, lang), products: [] };
        return this.show(id, next, false);
      }
      case 'show-more':
        if (!state.source)
          return { state, message: reply.referenceProblem('nothing-shown', lang), products: [] };
        return this.show(id, state, true);
      case 'question':
        return this.question(state, slots.references ?? [{ kind: 'focus' }], slots.question, questions);
      case 'compare':
        return this.compare(state, slots.references ?? []);
      case 'similar':
        return this.similar(id, state, parsed);
    }
  }

  private async search(id: string, state: DialogueState, parsed: ParsedTurn): Promise<Outcome> {
    const { slots } = parsed;
    const filters = nextFilters(state, slots, 'search', state.focus);
    const words = withoutColour(slots.query ?? '', slots.colour) || slots.category || slots.brand || '';
    const next: DialogueState = {
      ...state,
      filters,
      sort: slots.sort ?? 'relevance',
      source: { kind: 'text', words: words.slice(0, 200) },
      offset: 0,
    };
    return this.show(id, next, false);
  }

  private async similar(id: string, state: DialogueState, parsed: ParsedTurn): Promise<Outcome> {
    const lang = state.lang;
    const refs = parsed.slots.references ?? [];
    if (
      (refs.length === 0 || (refs.length === 1 && refs[0]!.kind === 'focus')) &&
      !state.focus &&
      state.shown.length === 0
    ) {
      if (state.source?.kind === 'image') {
        const filters = nextFilters(state, parsed.slots, 'refine', undefined);
        return this.show(id, { ...state, filters, offset: 0 }, false);
      }
      return { state, message: reply.whichProduct(lang), products: [] };
    }
    const first = refs.length > 0 ? refs.slice(0, 1) : [{ kind: 'focus' as const }];
    // "more like this" after a list, with no product in focus: the first one shown.
    const resolved =
      first[0]?.kind === 'focus' && !state.focus && state.shown.length > 0
        ? { products: [state.shown[0]!] }
        : resolveReferences(state, first);
    if ('problem' in resolved)
      return { state, message: reply.referenceProblem(resolved.problem, lang), products: [] };
    const product = resolved.products[0]!;
    const filters = nextFilters(state, parsed.slots, 'refine', product);
    const next: DialogueState = {
      ...state,
      filters,
      source: { kind: 'similar', productId: product.id, title: product.title },
      offset: 0,
      focus: product,
    };
    return this.show(id, next, false);
  }

  private async pictureTurn(
    id: string,
    state: DialogueState,
    parsed: ParsedTurn,
    image: Uint8Array,
  ): Promise<Outcome> {
    const slots = parsed.slots;
    const filters = nextFilters(state, slots, 'search', undefined);
    const words = withoutColour(slots.query ?? '', slots.colour);
    const next: DialogueState = {
      ...state,
      filters,
      sort: slots.sort ?? 'relevance',
      source: { kind: 'image', ...(words ? { words: words.slice(0, 200) } : {}) },
      offset: 0,
    };
    // The picture replaces the conversation's last one only once it has been searched with: a picture the model
    // cannot read (a 415 or 422 to the shopper) must not break "show more" on the previous one.
    const previous = this.pictures.get(id);
    this.keepPicture(id, image);
    try {
      return await this.show(id, next, false);
    } catch (error) {
      if (previous) this.keepPicture(id, previous);
      else this.pictures.delete(id);
      throw error;
    }
  }

  /** Runs the search in force and shows its next page (`more`) or its first. */
  private async show(id: string, state: DialogueState, more: boolean): Promise<Outcome> {
    const lang = state.lang;
    const source = state.source!;
    const offset = more ? state.offset : 0;
    const filters = state.filters;
    const limit = Math.min(
      MAX_CANDIDATES,
      state.sort === 'relevance' && !filters.excludeBrands ? offset + CHAT_PAGE_SIZE * 4 : MAX_CANDIDATES,
    );
    let note: string | undefined;
    let page: readonly ProductCard[];
    try {
      const found = await this.retrieve(id, source, filters, true, limit);
      if (found === 'picture-gone') return { state, message: reply.pictureGone(lang), products: [] };
      page = found;
      if (page.length === 0 && filters.colour && offset === 0) {
        // Many products list no colour: show what matches everything else, and say the colour is unconfirmed.
        const loose = await this.retrieve(id, source, filters, false, limit);
        const unknown = loose === 'picture-gone' ? [] : await this.withoutListedColour(loose);
        if (unknown.length > 0) {
          page = unknown;
          note = reply.colourUnconfirmed(filters.colour, lang);
        }
      }
    } catch (error) {
      if (error instanceof DomainError && error.code === 'CONFLICT' && source.kind === 'similar')
        return { state, message: reply.notIndexed(lang), products: [] };
      throw error;
    }
    const ordered = sortCards(page, state.sort);
    const shown = ordered.slice(offset, offset + CHAT_PAGE_SIZE);
    if (shown.length === 0) {
      return {
        state: more ? state : { ...state, shown: [], offset: 0 },
        message: reply.noResults(filters, lang, more),
        products: [],
      };
    }
    const next: DialogueState = {
      ...state,
      shown: shown.map(toShown),
      offset: offset + shown.length,
      compared: undefined,
      ...(source.kind === 'similar' ? {} : { focus: undefined }),
    };
    const head = source.kind === 'similar' ? reply.similarHead(source.title, lang) : undefined;
    const body = reply.listReply(next.shown, 1, filters, lang, note);
    return { state: dropUndefined(next), message: head ? `${head}\n${body}` : body, products: shown };
  }

  /** The cards whose product lists no colour at all (one that lists another colour is known not to match). */
  private async withoutListedColour(cards: readonly ProductCard[]): Promise<readonly ProductCard[]> {
    if (cards.length === 0) return [];
    const products = await this.deps.catalog.getByIds(cards.map((c) => c.id));
    const unknown = new Set(products.filter((p) => p.attributes.color === undefined).map((p) => p.id));
    return cards.filter((c) => unknown.has(c.id));
  }

  /** Candidates of a source under the filters (the colour as a catalog attribute when `strictColour`), re-checked. */
  private async retrieve(
    id: string,
    source: SearchSource,
    filters: ChatFilters,
    strictColour: boolean,
    limit: number,
  ): Promise<readonly ProductCard[] | 'picture-gone'> {
    const searchFilters = toSearchFilters(filters, strictColour);
    const options: SearchOptions = { filters: searchFilters, limit };
    const colourWords = filters.colour ?? '';
    let page: SearchPage;
    if (source.kind === 'text') {
      const query =
        [colourWords, source.words].filter(Boolean).join(' ').trim() || filters.category || 'products';
      page = await this.deps.search.searchText({ query, ...options });
    } else if (source.kind === 'image') {
      const picture = this.pictures.get(id);
      if (!picture) return 'picture-gone';
      const query = [colourWords, source.words ?? ''].filter(Boolean).join(' ').trim();
      page = await this.deps.search.searchImage({ image: picture, ...(query ? { query } : {}), ...options });
    } else {
      page = await this.deps.search.similar(source.productId, options);
    }
    // The hard constraints, checked again on every card: retrieval is trusted for ranking, never for them.
    return page.items.filter((card) => satisfies(card, filters));
  }

  private async question(
    state: DialogueState,
    references: readonly ProductReference[],
    question: string | undefined,
    questions: ChatQuestions,
  ): Promise<Outcome> {
    const lang = state.lang;
    const resolved = resolveReferences(state, references);
    if ('problem' in resolved) {
      const message =
        state.shown.length === 0 && !state.focus
          ? reply.referenceProblem('nothing-shown', lang)
          : reply.referenceProblem(resolved.problem, lang);
      return { state, message, products: [] };
    }
    const product = resolved.products[0]!;
    const [card] = await this.deps.catalog.cards([product.id]);
    if (!card) {
      return {
        state: { ...state, focus: undefined },
        message: lang === 'zh' ? '这个商品已经不在目录中了。' : 'That product is no longer in the catalog.',
        products: [],
      };
    }
    const next: DialogueState = { ...state, focus: toShown(card) };
    if (!question)
      return { state: next, message: reply.productDetails(toShown(card), lang), products: [card] };
    const answer = await questions.askAboutProduct(card.id, question);
    return {
      state: next,
      message: `${card.title}: ${answer.answer}`,
      products: [card],
      answer: { ...answer, productId: card.id },
    };
  }

  private async compare(state: DialogueState, references: readonly ProductReference[]): Promise<Outcome> {
    const lang = state.lang;
    const refs: readonly ProductReference[] =
      references.length >= 2
        ? references
        : state.shown.length >= 2
          ? references.length === 1 && state.focus
            ? [{ kind: 'focus' }, ...references]
            : [
                { kind: 'ordinal', index: 0 },
                { kind: 'ordinal', index: 1 },
              ]
          : references;
    if (refs.length < 2) return { state, message: reply.needTwo(lang), products: [] };
    const resolved = resolveReferences(state, refs);
    if ('problem' in resolved)
      return { state, message: reply.referenceProblem(resolved.problem, lang), products: [] };
    const ids = [...new Set(resolved.products.map((p) => p.id))];
    if (ids.length < 2) return { state, message: reply.needTwo(lang), products: [] };
    const [products, cards] = await Promise.all([
      this.deps.catalog.getByIds(ids),
      this.deps.catalog.cards(ids),
    ]);
    const byId = new Map(products.map((p) => [p.id, p]));
    const ordered = ids.map((i) => byId.get(i)).filter((p): p is Product => p !== undefined);
    if (ordered.length < 2)
      return {
        state,
        message: lang === 'zh' ? '其中有商品已经不在目录中了。' : 'One of them is no longer in the catalog.',
        products: [],
      };
    const comparison = comparisonOf(ordered, lang);
    const cardById = new Map(cards.map((c) => [c.id, c]));
    const shownCards = ordered
      .map((p) => cardById.get(p.id))
      .filter((c): c is ProductCard => c !== undefined);
    const header = `| | ${ordered.map((p) => p.title).join(' | ')} |`;
    const lines = comparison.rows.map((r) => `| ${r.field} | ${r.values.map((v) => v ?? '—').join(' | ')} |`);
    return {
      state: { ...state, compared: shownCards.map(toShown) },
      message: [reply.compareHead(lang), header, ...lines].join('\n'),
      products: shownCards,
      comparison,
    };
  }

  private keepPicture(id: string, image: Uint8Array): void {
    this.pictures.delete(id);
    this.pictures.set(id, image);
    while (this.pictures.size > PICTURES_KEPT) {
      const oldest = this.pictures.keys().next().value;
      if (oldest === undefined) break;
      this.pictures.delete(oldest);
    }
  }

  /** Forgets the picture of a conversation (its conversation was deleted). */
  forget(id: string): void {
    this.pictures.delete(id);
  }

  private currentVocabulary(): Promise<Vocabulary> {
    const now = Date.now();
    if (!this.vocabulary || now - this.vocabulary.at > VOCABULARY_TTL_MS) {
      const value = Promise.all([
        this.deps.catalog.distinctBrands(),
        this.deps.catalog.distinctCategories(),
      ]).then(([brands, categories]) => ({ brands, categories }));
      // A failed read is retried on the next turn rather than cached.
      value.catch(() => (this.vocabulary = undefined));
      this.vocabulary = { at: now, value };
    }
    return this.vocabulary.value;
  }
}

/** Product Q&A that asks each (product, question) once: a turn's second identical question reuses the answer. */
function onceEach(questions: ChatQuestions): ChatQuestions {
  const asked = new Map<string, Promise<VqaAnswer>>();
  return {
    askAboutProduct(productId, question) {
      const key = `${productId}\n${question}`;
      let answer = asked.get(key);
      if (!answer) {
        answer = questions.askAboutProduct(productId, question);
        asked.set(key, answer);
      }
      return answer;
    },
  };
}

function withoutColour(query: string, colour: string | undefined): string {
  if (!colour) return query.trim();
  return query
    .split(' ')
    .filter((w) => w !== colour)
    .join(' ')
    .trim();
}

function toSearchFilters(f: ChatFilters, strictColour: boolean): SearchFilters {
  return {
    ...(f.category ? { category: f.category } : {}),
    ...(f.brand ? { brand: f.brand } : {}),
    ...(f.price ? { price: f.price } : {}),
    ...(f.currency ? { currency: f.currency } : {}),
    ...(f.inStock ? { inStock: true } : {}),
    ...(strictColour && f.colour ? { attributes: { color: f.colour } } : {}),
  };
}

function sortCards(cards: readonly ProductCard[], sort: DialogueState['sort']): readonly ProductCard[] {
  if (sort === 'relevance') return cards;
  const sign = sort === 'price-asc' ? 1 : -1;
  // Unpriced products last; ties keep the relevance order (Array.prototype.sort is stable).
  return [...cards].sort((a, b) => {
    if (!a.price || !b.price) return a.price ? -1 : b.price ? 1 : 0;
    return sign * (Number(a.price.amount) - Number(b.price.amount));
  });
}

export function toShown(card: ProductCard): ShownProduct {
  return {
    id: card.id,
    title: card.title,
    brand: card.brand,
    category: card.category,
    price: card.price ? { amount: card.price.amount, currency: card.price.currency } : null,
    inStock: card.inStock,
  };
}

function comparisonOf(products: readonly Product[], lang: Lang): Comparison {
  const zh = lang === 'zh';
  const rows: { field: string; values: (string | null)[] }[] = [
    {
      field: zh ? '价格' : 'price',
      values: products.map((p) => (p.price ? reply.formatMoney(p.price) : null)),
    },
    { field: zh ? '品牌' : 'brand', values: products.map((p) => p.brand) },
    { field: zh ? '类别' : 'category', values: products.map((p) => p.category) },
    {
      field: zh ? '库存' : 'in stock',
      values: products.map((p) => (zh ? (p.inStock ? '有货' : '缺货') : p.inStock ? 'yes' : 'no')),
    },
  ];
  const keys = [...new Set(products.flatMap((p) => Object.keys(p.attributes)))].sort();
  for (const key of keys) {
    rows.push({
      field: key,
      values: products.map((p) => {
        const v = p.attributes[key];
        return v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);
      }),
    });
  }
  return { productIds: products.map((p) => p.id), rows };
}

function turnPayload(result: ChatTurnResult): Record<string, unknown> {
  return {
    intent: result.intent,
    products: result.products,
    filters: result.filters,
    ...(result.answer ? { answer: { ...result.answer, heatmap: undefined } } : {}),
    ...(result.comparison ? { comparison: result.comparison } : {}),
  };
}

function toJson(value: unknown): { [key: string]: JsonValue } {
  return JSON.parse(JSON.stringify(value)) as { [key: string]: JsonValue };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
