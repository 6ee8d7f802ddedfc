import { NotFoundError, ValidationError } from '@vitrine/core';
import type { SynonymRepository, SynonymSet } from './synonym.repository';

export const SYNONYM_LIMITS = { minTerms: 2, maxTerms: 20, maxTermLength: 64, maxSets: 10_000 } as const;

/**
 * Admin-managed synonym sets: every term of a set is equivalent to the others (sneaker = trainer = running shoe).
 * Validates and normalises terms (trimmed, inner spaces collapsed, duplicates by case dropped), and tells query
 * understanding when the sets changed ({@link version} moves on every write of this process; other replicas' writes
 * are seen through the table's change marker).
 */
export class SynonymService {
  private writes = 0;

  constructor(private readonly repo: SynonymRepository) {}

  /** Moves on every successful write in this process. */
  get version(): number {
    return this.writes;
  }

  list(): Promise<SynonymSet[]> {
    return this.repo.list();
  }

  changeMarker(): Promise<string> {
    return this.repo.changeMarker();
  }

  async create(terms: readonly string[]): Promise<SynonymSet> {
    const clean = normalizeTerms(terms);
    if ((await this.repo.list()).length >= SYNONYM_LIMITS.maxSets)
      throw new ValidationError(`at most ${SYNONYM_LIMITS.maxSets} synonym sets`);
    const set = await this.repo.create(clean);
    this.writes++;
    return set;
  }

  async update(id: string, terms: readonly string[]): Promise<SynonymSet> {
    const set = await this.repo.update(id, normalizeTerms(terms));
    if (!set) throw new NotFoundError('synonym set', id);
    this.writes++;
    return set;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.repo.delete(id))) throw new NotFoundError('synonym set', id);
    this.writes++;
  }
}

/**
 * Trimmed terms with runs of spaces collapsed, first spelling of each (case-insensitive) kept; 2..20 distinct terms
 * of 1..64 characters with a letter or digit, or a {@link ValidationError} naming the problem.
 */
export function normalizeTerms(terms: readonly unknown[]): string[] {
  if (!Array.isArray(terms)) throw new ValidationError('terms must be an array of strings');
  const seen = new Set<string>();
  const out: string[] = [];
  terms.forEach((t, i) => {
    if (typeof t !== 'string') throw new ValidationError(`terms[${i}] must be a string`, { index: i });
    const term = t.replace(/\s+/g, ' ').trim();
    if (term.length === 0 || term.length > SYNONYM_LIMITS.maxTermLength)
      throw new ValidationError(
        `terms[${i}] must be 1 to ${SYNONYM_LIMITS.maxTermLength} characters (after trimming)`,
        { index: i },
      );
    if (!/[\p{L}\p{N}]/u.test(term) || /\p{Cc}/u.test(term))
      throw new ValidationError(`terms[${i}] must contain a letter or digit and no control characters`, {
        index: i,
      });
    const key = term.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    out.push(term);
  });
  if (out.length < SYNONYM_LIMITS.minTerms || out.length > SYNONYM_LIMITS.maxTerms)
    throw new ValidationError(
      `a synonym set has ${SYNONYM_LIMITS.minTerms} to ${SYNONYM_LIMITS.maxTerms} distinct terms (got ${out.length})`,
    );
  return out;
}
