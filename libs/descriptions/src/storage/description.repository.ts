import type { DataSource } from 'typeorm';
import { DomainError, NotFoundError, ValidationError } from '@vitrine/core';
import { isMissingProduct, isUuid, sql, type CatalogDatabase, type JsonValue } from '@vitrine/catalog';
import type { DescriptionStyle } from '../description-style';

export const DRAFT_STATUSES = ['draft', 'approved', 'rejected'] as const;
export type DraftStatus = (typeof DRAFT_STATUSES)[number];

/** A generated description waiting for (or past) review. */
export interface DescriptionDraft {
  readonly id: string;
  readonly productId: string;
  readonly style: DescriptionStyle;
  readonly text: string;
  readonly status: DraftStatus;
  /** `template@1`, or `remote:<model>` for the chat-completions endpoint. */
  readonly generator: string;
  readonly confidence: number;
  /** Provenance: every fact the text was composed from, with its source and confidence. */
  readonly inputs: Readonly<Record<string, JsonValue>>;
  /** The product content the draft was written for. */
  readonly contentHash: string;
  readonly createdAt: Date;
  readonly reviewedAt: Date | null;
  readonly reviewNote: string | null;
}

export type NewDraft = Pick<
  DescriptionDraft,
  'productId' | 'style' | 'text' | 'generator' | 'confidence' | 'inputs' | 'contentHash'
>;

interface Row {
  id: string;
  product_id: string;
  style: string;
  text: string;
  status: string;
  generator: string;
  confidence: number;
  inputs: Record<string, JsonValue>;
  content_hash: string;
  created_at: Date;
  reviewed_at: Date | null;
  review_note: string | null;
}

const toDraft = (r: Row): DescriptionDraft => ({
  id: r.id,
  productId: r.product_id,
  style: r.style as DescriptionStyle,
  text: r.text,
  status: r.status as DraftStatus,
  generator: r.generator,
  confidence: Number(r.confidence),
  inputs: r.inputs,
  contentHash: r.content_hash,
  createdAt: r.created_at,
  reviewedAt: r.reviewed_at,
  reviewNote: r.review_note,
});

/** A page of drafts and where the next one starts (null on the last page). */
export interface DraftPage {
  readonly drafts: readonly DescriptionDraft[];
  /** Opaque position after the last draft of this page; pass it back as `after`. */
  readonly next: string | null;
}

/** `<created_at as PostgreSQL writes it, to the microsecond>|<uuid>`; VALIDATION_FAILED when it is not. */
function parsePosition(text: string): { createdAt: string; id: string } {
  const m =
    /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?[+-]\d{2}(?::\d{2})?)\|([0-9a-f-]{36})$/i.exec(text);
  if (!m || !isUuid(m[2]!))
    throw new ValidationError('cursor is not one this list returned', { field: 'cursor' });
  return { createdAt: m[1]!, id: m[2]! };
}

/**
 * Generated description drafts (`product_description_drafts`, this library's table, on the catalog's connection).
 */
export class DescriptionDraftRepository {
  private readonly dataSource: DataSource;

  constructor(db: CatalogDatabase) {
    this.dataSource = db.dataSource;
  }

  /** Stores a draft; `NOT_FOUND` when the product was deleted meanwhile (the foreign key refuses the row). */
  async insert(draft: NewDraft): Promise<DescriptionDraft> {
    if (!isUuid(draft.productId)) throw new NotFoundError('product', draft.productId);
    let rows: Row[];
    try {
      ({ rows } = await sql<Row>(
        this.dataSource,
        `INSERT INTO product_description_drafts (product_id, style, text, generator, confidence, inputs, content_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING *`,
        [
          draft.productId,
          draft.style,
          draft.text,
          draft.generator,
          draft.confidence,
          JSON.stringify(draft.inputs),
          draft.contentHash,
        ],
      ));
    } catch (e) {
      if (isMissingProduct(e)) throw new NotFoundError('product', draft.productId);
      throw e;
    }
    return toDraft(rows[0]!);
  }

  async get(id: string): Promise<DescriptionDraft | null> {
    if (!isUuid(id)) return null;
    const { rows } = await sql<Row>(
      this.dataSource,
      `SELECT * FROM product_description_drafts WHERE id = $1`,
      [id],
    );
    return rows[0] ? toDraft(rows[0]) : null;
  }

  /** A product's drafts, newest first. */
  async forProduct(productId: string): Promise<DescriptionDraft[]> {
    if (!isUuid(productId)) return [];
    const { rows } = await sql<Row>(
      this.dataSource,
      `SELECT * FROM product_description_drafts WHERE product_id = $1 ORDER BY created_at DESC, id`,
      [productId],
    );
    return rows.map(toDraft);
  }

  /**
   * Moves a draft to `approved` or `rejected`. Only a `draft` can be reviewed: reviewing twice is a `CONFLICT`
   * (two reviewers must not silently overwrite each other), an unknown id `NOT_FOUND`.
   */
  async review(
    id: string,
    status: Exclude<DraftStatus, 'draft'>,
    note: string | null,
  ): Promise<DescriptionDraft> {
    if (!isUuid(id)) throw new NotFoundError('description draft', id);
    const { rows } = await sql<Row>(
      this.dataSource,
      `UPDATE product_description_drafts SET status = $2, review_note = $3, reviewed_at = now()
       WHERE id = $1 AND status = 'draft' RETURNING *`,
      [id, status, note],
    );
    if (rows[0]) return toDraft(rows[0]);
    const existing = await this.get(id);
    if (!existing) throw new NotFoundError('description draft', id);
    throw new DomainError('CONFLICT', `description draft ${id} was already ${existing.status}`, {
      id,
      status: existing.status,
    });
  }

  /** The product's most recently approved draft (the text shown as its generated description), or null. */
  async latestApproved(productId: string): Promise<DescriptionDraft | null> {
    if (!isUuid(productId)) return null;
    const { rows } = await sql<Row>(
      this.dataSource,
      `SELECT * FROM product_description_drafts WHERE product_id = $1 AND status = 'approved'
       ORDER BY reviewed_at DESC NULLS LAST, created_at DESC, id LIMIT 1`,
      [productId],
    );
    return rows[0] ? toDraft(rows[0]) : null;
  }

  /**
   * Drafts of one status, oldest first (a review queue), a page at a time: keyset on (created_at, id), `after` being
   * the {@link DraftPage.next} of the previous page. `hasMore` says whether another page follows.
   */
  async page(status: DraftStatus, limit: number, after?: string): Promise<DraftPage> {
    const position = after === undefined ? undefined : parsePosition(after);
    const { rows } = await sql<Row & { position: string }>(
      this.dataSource,
      `SELECT *, created_at::text || '|' || id AS position FROM product_description_drafts
       WHERE status = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
       ORDER BY created_at, id LIMIT $4`,
      [status, position?.createdAt ?? null, position?.id ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      drafts: page.map(toDraft),
      next: rows.length > limit ? (page[page.length - 1]?.position ?? null) : null,
    };
  }

  /** Which of `productIds` have a pending or approved draft of `style`. */
  async withDraft(style: DescriptionStyle, productIds: readonly string[]): Promise<Set<string>> {
    const ids = productIds.filter(isUuid);
    if (ids.length === 0) return new Set();
    const { rows } = await sql<{ product_id: string }>(
      this.dataSource,
      `SELECT DISTINCT product_id FROM product_description_drafts
       WHERE product_id = ANY($2::uuid[]) AND style = $1 AND status <> 'rejected'`,
      [style, ids],
    );
    return new Set(rows.map((r) => r.product_id));
  }
}
