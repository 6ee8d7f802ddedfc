import type { DataSource } from 'typeorm';
import { DomainError, NotFoundError } from '@vitrine/core';
import type { CatalogDatabase, JsonValue } from '@vitrine/catalog';
import type { DescriptionStyle } from '../descriptions/description-style';
import { isUuid, query } from './sql';

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

/** Generated description drafts (`product_description_drafts`). */
export class DescriptionDraftRepository {
  private readonly dataSource: DataSource;

  constructor(db: CatalogDatabase) {
    this.dataSource = db.dataSource;
  }

  /** Stores a draft; `NOT_FOUND` when the product was deleted meanwhile. */
  async insert(draft: NewDraft): Promise<DescriptionDraft> {
    const { rows } = await query<Row>(
      this.dataSource,
      `INSERT INTO product_description_drafts (product_id, style, text, generator, confidence, inputs, content_hash)
       SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM products WHERE id = $1)
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
    );
    if (!rows[0]) throw new NotFoundError('product', draft.productId);
    return toDraft(rows[0]);
  }

  async get(id: string): Promise<DescriptionDraft | null> {
    if (!isUuid(id)) return null;
    const { rows } = await query<Row>(
      this.dataSource,
      `SELECT * FROM product_description_drafts WHERE id = $1`,
      [id],
    );
    return rows[0] ? toDraft(rows[0]) : null;
  }

  /** A product's drafts, newest first. */
  async forProduct(productId: string): Promise<DescriptionDraft[]> {
    if (!isUuid(productId)) return [];
    const { rows } = await query<Row>(
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
    const { rows } = await query<Row>(
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

  /**
   * Products without a description and without a pending or approved draft of `style`, in id order after `after`
   * (keyset pages).
   */
  async lackingDescription(style: DescriptionStyle, limit: number, after?: string): Promise<string[]> {
    const { rows } = await query<{ id: string }>(
      this.dataSource,
      `SELECT p.id FROM products p
       WHERE (p.description IS NULL OR btrim(p.description) = '')
         AND p.id > $3::uuid
         AND NOT EXISTS (SELECT 1 FROM product_description_drafts d
                         WHERE d.product_id = p.id AND d.style = $1 AND d.status <> 'rejected')
       ORDER BY p.id LIMIT $2`,
      [style, limit, after ?? '00000000-0000-0000-0000-000000000000'],
    );
    return rows.map((r) => r.id);
  }

  /** How many products {@link lackingDescription} would still list. */
  async countLackingDescription(style: DescriptionStyle): Promise<number> {
    const { rows } = await query<{ n: string }>(
      this.dataSource,
      `SELECT count(*) AS n FROM products p
       WHERE (p.description IS NULL OR btrim(p.description) = '')
         AND NOT EXISTS (SELECT 1 FROM product_description_drafts d
                         WHERE d.product_id = p.id AND d.style = $1 AND d.status <> 'rejected')`,
      [style],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
