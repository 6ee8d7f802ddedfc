import { Logger } from '@nestjs/common';
import { DomainError, NotFoundError, ValidationError } from '@vitrine/core';
import {
  productAsInput,
  type ChangedProduct,
  type JsonValue,
  type Product,
  type ProductRepository,
} from '@vitrine/catalog';
import type { ChatCompletionsClient } from '@vitrine/chat';
import type { AttributeRepository, StoredAttribute } from '@vitrine/attributes';
import type {
  DescriptionDraft,
  DescriptionDraftRepository,
  DraftStatus,
} from './storage/description.repository';
import { DESCRIPTION_STYLES, type DescriptionStyle } from './description-style';
import { findContradictions, type Contradiction, type ContradictionVocabulary } from './contradictions';
import { factSheet, type Fact } from './fact-sheet';
import { composeDescription, SEO_MAX_CHARS, TEMPLATE_GENERATOR } from './templates';

/** A description composed for a product, before it is stored. */
export interface ComposedDescription {
  readonly text: string;
  readonly generator: string;
  /** The lowest confidence among the facts used (1 when all are catalog facts). */
  readonly confidence: number;
  readonly facts: readonly Fact[];
  /** A remote model's text that was discarded because it contradicted the facts. */
  readonly rejected?: {
    readonly generator: string;
    readonly text: string;
    readonly contradictions: readonly Contradiction[];
  };
}

export interface DescriptionSettings {
  /** Facts read from the picture below this confidence are not used. */
  readonly attributeMinConfidence: number;
}

export interface DescriptionDependencies {
  readonly products: ProductRepository;
  readonly attributes: AttributeRepository;
  readonly drafts: DescriptionDraftRepository;
  readonly composer: DescriptionComposer;
}

/** Products looked at per query when drafting in bulk, and when counting what is left. */
const PAGE = 100;
const COUNT_PAGE = 1000;

const STYLE_INSTRUCTIONS: { readonly [S in DescriptionStyle]: string } = {
  short: 'one sentence',
  detailed: 'one paragraph of three to five sentences',
  bullets: 'a list, one fact per line, each line starting with "- "',
  seo: `a search-engine meta description of at most ${SEO_MAX_CHARS} characters`,
};

/**
 * Composes descriptions from a product's facts only (catalog fields, and attributes read from its picture with
 * enough confidence): by templates, or by the OpenAI-compatible endpoint when configured — whose text is checked
 * against the facts and discarded in favour of the template when it contradicts them or claims what they do not
 * say. Needs no database (the evaluation uses it on a catalog file).
 */
export class DescriptionComposer {
  private readonly log = new Logger('Descriptions');

  constructor(
    /** Material words and catalog brands the contradiction check looks for. */
    private readonly vocabulary: () => Promise<ContradictionVocabulary>,
    private readonly settings: DescriptionSettings,
    private readonly remote?: ChatCompletionsClient,
  ) {}

  /** The generator used when the remote endpoint is not consulted or its text is discarded. */
  get generator(): string {
    return this.remote ? `remote:${this.remote.model}` : TEMPLATE_GENERATOR;
  }

  async compose(
    product: Product,
    stored: readonly StoredAttribute[],
    style: DescriptionStyle,
  ): Promise<ComposedDescription> {
    const facts = factSheet(product, stored, this.settings.attributeMinConfidence);
    const confidence = Math.min(...facts.map((f) => f.confidence));
    const template = {
      text: composeDescription(style, facts),
      generator: TEMPLATE_GENERATOR,
      confidence,
      facts,
    };
    const remote = this.remote;
    if (!remote) return template;
    let text: string;
    try {
      text = (
        await remote.complete(messages(style, facts), { maxTokens: 400, temperature: 0.2 })
      ).text.trim();
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      this.log.warn(`remote description generator failed, using the template: ${e.message}`);
      return template;
    }
    const generator = `remote:${remote.model}`;
    const contradictions = text
      ? findContradictions(text, product, facts, await this.vocabulary())
      : [{ kind: 'unsupported' as const, field: 'brand' as const, found: '(empty text)' }];
    if (style === 'seo' && text.length > SEO_MAX_CHARS) {
      return { ...template, rejected: { generator, text, contradictions: [...contradictions] } };
    }
    if (contradictions.length > 0) {
      this.log.warn(
        `remote description for ${product.sku} contradicted its facts (${contradictions
          .map((c) => `${c.field}: ${c.found}`)
          .join(', ')}); using the template`,
      );
      return { ...template, rejected: { generator, text, contradictions } };
    }
    return { text, generator, confidence, facts };
  }
}

/**
 * Generated product descriptions, stored as drafts with their provenance (see {@link DescriptionComposer} for how
 * text is made), for an admin to approve (which publishes the text as the product's description) or reject.
 */
export class DescriptionService {
  constructor(private readonly deps: DescriptionDependencies) {}

  /** Composes and stores a draft for a product (`NOT_FOUND` when there is none). */
  async generate(productId: string, style: DescriptionStyle): Promise<DescriptionDraft> {
    assertStyle(style);
    const product = await this.deps.products.getById(productId);
    if (!product) throw new NotFoundError('product', productId);
    const stored = await this.deps.attributes.forProduct(product.id);
    const composed = await this.deps.composer.compose(product, stored, style);
    return this.deps.drafts.insert({
      productId: product.id,
      style,
      text: composed.text,
      generator: composed.generator,
      confidence: composed.confidence,
      contentHash: product.contentHash,
      inputs: provenance(composed),
    });
  }

  /** The product's approved generated description (its latest approved draft), or null. */
  approved(productId: string): Promise<DescriptionDraft | null> {
    return this.deps.drafts.latestApproved(productId);
  }

  /**
   * The drafts waiting for review (`draft`), or those already approved or rejected, oldest first, each with its
   * product: the approval queue. `after` is the previous page's `next`.
   */
  async queue(
    status: DraftStatus,
    limit: number,
    after?: string,
  ): Promise<{
    items: ReadonlyArray<{ draft: DescriptionDraft; product: Product | undefined }>;
    next: string | null;
  }> {
    const page = await this.deps.drafts.page(status, limit, after);
    const products = await this.deps.products.getByIds([...new Set(page.drafts.map((d) => d.productId))]);
    const byId = new Map(products.map((p) => [p.id, p]));
    return {
      items: page.drafts.map((draft) => ({ draft, product: byId.get(draft.productId) })),
      next: page.next,
    };
  }

  async drafts(productId: string): Promise<DescriptionDraft[]> {
    if (!(await this.deps.products.getById(productId))) throw new NotFoundError('product', productId);
    return this.deps.drafts.forProduct(productId);
  }

  /**
   * Approves a draft and publishes its text as the product's description, or rejects it. Approving a draft
   * written for older product content is a `CONFLICT` (its facts may be stale). Returns the product change to
   * re-index when the description was published.
   */
  async review(
    draftId: string,
    decision: 'approve' | 'reject',
    note: string | null = null,
  ): Promise<{ draft: DescriptionDraft; published: ChangedProduct | undefined }> {
    const draft = await this.deps.drafts.get(draftId);
    if (!draft) throw new NotFoundError('description draft', draftId);
    if (decision === 'reject')
      return { draft: await this.deps.drafts.review(draftId, 'rejected', note), published: undefined };
    const product = await this.deps.products.getById(draft.productId);
    if (!product) throw new NotFoundError('product', draft.productId);
    if (draft.status === 'draft' && product.contentHash !== draft.contentHash) {
      throw new DomainError(
        'CONFLICT',
        'the product changed after this draft was written; generate a new one',
        {
          id: draftId,
        },
      );
    }
    const reviewed = await this.deps.drafts.review(draftId, 'approved', note);
    const result = await this.deps.products.upsertMany([
      productAsInput(product, { description: reviewed.text }),
    ]);
    return { draft: reviewed, published: result.changed[0] };
  }

  /**
   * The bulk job: drafts in `style` for up to `limit` products that have no description and no pending or
   * approved draft of that style. Call again until `remaining` is 0; each call is independent (no state kept).
   */
  async generateMissing(
    style: DescriptionStyle,
    limit: number,
    onProgress?: (done: number) => void,
  ): Promise<{ generated: number; failed: number; remaining: number }> {
    assertStyle(style);
    if (!Number.isInteger(limit) || limit < 1) throw new ValidationError('limit must be a positive integer');
    let generated = 0;
    let failed = 0;
    let after: string | undefined;
    while (generated + failed < limit) {
      const ids = await this.deps.products.idsWithoutDescription(PAGE, after);
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      const drafted = await this.deps.drafts.withDraft(style, ids);
      for (const id of ids) {
        if (drafted.has(id)) continue;
        if (generated + failed >= limit) break;
        try {
          await this.generate(id, style);
          generated++;
        } catch (e) {
          // A product deleted meanwhile is skipped; anything else is a real failure and stops the run.
          if (!(e instanceof NotFoundError)) throw e;
          failed++;
        }
        onProgress?.(generated + failed);
      }
    }
    return { generated, failed, remaining: await this.countMissing(style) };
  }

  /** How many products {@link generateMissing} would still draft in `style`. */
  async countMissing(style: DescriptionStyle): Promise<number> {
    assertStyle(style);
    let n = 0;
    let after: string | undefined;
    for (;;) {
      const ids = await this.deps.products.idsWithoutDescription(COUNT_PAGE, after);
      if (ids.length === 0) return n;
      const drafted = await this.deps.drafts.withDraft(style, ids);
      n += ids.length - drafted.size;
      after = ids[ids.length - 1];
    }
  }
}

function assertStyle(style: string): asserts style is DescriptionStyle {
  if (!(DESCRIPTION_STYLES as readonly string[]).includes(style)) {
    throw new ValidationError(`style must be one of ${DESCRIPTION_STYLES.join(', ')}`, { field: 'style' });
  }
}

function messages(style: DescriptionStyle, facts: readonly Fact[]) {
  return [
    {
      role: 'system' as const,
      content:
        'You write product descriptions for an online shop. Use only the facts given. Do not add any colour, ' +
        'material, size, price, availability, brand, feature or use that is not in the facts, and do not ' +
        'contradict them. Never mention the price or whether it is in stock (they change; the page shows them). ' +
        `Write ${STYLE_INSTRUCTIONS[style]}. Reply with the description only.`,
    },
    { role: 'user' as const, content: facts.map((f) => `${f.key}: ${f.value}`).join('\n') },
  ];
}

/** What a draft records about how it was made. */
function provenance(c: ComposedDescription): Record<string, JsonValue> {
  return {
    facts: c.facts.map((f) => ({
      key: f.key,
      value: f.value,
      source: f.source,
      confidence: f.confidence,
      ...(f.modelId ? { modelId: f.modelId } : {}),
    })),
    ...(c.rejected
      ? {
          rejected: {
            generator: c.rejected.generator,
            text: c.rejected.text,
            contradictions: c.rejected.contradictions.map((x) => ({ ...x })),
          },
        }
      : {}),
  };
}
