import { readFileSync } from 'node:fs';
import { ValidationError } from '@vitrine/core';
import type { Product } from '@vitrine/catalog';
import {
  findContradictions,
  type ContradictionVocabulary,
  type DescriptionComposer,
  type DescriptionStyle,
} from '@vitrine/descriptions';
import { scoreCaptions, type CaptionScores } from '../captions/caption-metrics';

/** Reference texts per SKU. */
export type References = ReadonlyMap<string, readonly string[]>;

/**
 * References from a JSONL file, one object per line: `{"sku": "...", "references": ["...", ...]}` (or
 * `"reference": "..."`). Blank lines are skipped; anything else malformed is a `ValidationError` with its line.
 */
export function readReferences(file: string): References {
  const out = new Map<string, string[]>();
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new ValidationError(`${file} line ${i + 1}: not JSON`);
      }
      const o = json as { sku?: unknown; references?: unknown; reference?: unknown };
      const refs = Array.isArray(o.references)
        ? o.references
        : o.reference !== undefined
          ? [o.reference]
          : [];
      if (
        typeof o.sku !== 'string' ||
        refs.length === 0 ||
        !refs.every((r) => typeof r === 'string' && r.trim())
      ) {
        throw new ValidationError(
          `${file} line ${i + 1}: expected {"sku", "references": [non-empty strings]}`,
        );
      }
      out.set(o.sku, [...(out.get(o.sku) ?? []), ...(refs as string[])]);
    });
  return out;
}

/** The catalog's own descriptions as references (one per product that has one). */
export function catalogReferences(products: readonly Product[]): References {
  return new Map(products.flatMap((p) => (p.description?.trim() ? [[p.sku, [p.description]] as const] : [])));
}

export interface DescriptionEvalReport {
  readonly style: DescriptionStyle;
  readonly generator: string;
  readonly scores: CaptionScores;
  /** Generated texts that contradict their product's catalog facts (must be 0). */
  readonly contradictions: number;
  /** Products skipped for want of references. */
  readonly withoutReferences: number;
}

/**
 * Generates a description for every product that has references (from its facts, never from its own
 * description, which is hidden from the generator) and scores the texts with BLEU-1..4, ROUGE-L and CIDEr-D
 * against the references; also counts texts that contradict the catalog.
 */
export async function evaluateDescriptions(
  products: readonly Product[],
  references: References,
  composer: DescriptionComposer,
  style: DescriptionStyle,
  vocabulary: ContradictionVocabulary,
): Promise<DescriptionEvalReport> {
  const samples: { id: string; candidate: string; references: readonly string[] }[] = [];
  let contradictions = 0;
  let withoutReferences = 0;
  let generator = composer.generator;
  for (const product of products) {
    const refs = references.get(product.sku);
    if (!refs?.length) {
      withoutReferences++;
      continue;
    }
    const blind = { ...product, description: null };
    const composed = await composer.compose(blind, [], style);
    generator = composed.generator;
    if (findContradictions(composed.text, blind, composed.facts, vocabulary).length > 0) contradictions++;
    samples.push({ id: product.sku, candidate: composed.text, references: refs });
  }
  if (samples.length === 0) throw new ValidationError('no product has references to score against');
  return { style, generator, scores: scoreCaptions(samples), contradictions, withoutReferences };
}
