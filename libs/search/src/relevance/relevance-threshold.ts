import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { z } from 'zod';
import type { AppConfig } from '@vitrine/core';

/** The file beside a model that holds its search calibration (written by `npm run bench:relevance-cutoff`). */
export const SEARCH_CALIBRATION_FILE = 'vitrine-search-calibration.json';

const fileSchema = z.object({
  modelId: z.string().min(1),
  fittedAt: z.string().optional(),
  /** Lowest cosine similarity of a word query to a product's vector that counts as evidence, per vector. */
  minSimilarity: z.object({
    image: z.number().min(-1).max(1).optional(),
    text: z.number().min(-1).max(1).optional(),
  }),
  recall: z.number().optional(),
  precision: z.number().optional(),
});

/** Per product vector, the lowest similarity to a word query that counts as evidence of relevance. */
export type MinSimilarity = Readonly<Partial<Record<'image' | 'text', number>>>;

/**
 * The relevance cutoff's thresholds for `modelId`: `override` (SEARCH_MIN_SIMILARITY) for every vector when set,
 * else the model's calibration file when it was fitted for this model; undefined when neither (no cutoff).
 */
export function loadMinSimilarity(
  modelId: string,
  modelDir: string | undefined,
  override: number | undefined,
): MinSimilarity | undefined {
  if (override !== undefined) return { image: override, text: override };
  if (modelDir === undefined) return undefined;
  let raw: string;
  try {
    raw = readFileSync(`${modelDir}/${SEARCH_CALIBRATION_FILE}`, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = fileSchema.safeParse(JSON.parse(raw) as unknown);
  if (!parsed.success || parsed.data.modelId !== modelId) return undefined;
  return parsed.data.minSimilarity;
}

const logger = new Logger('SearchService');

/**
 * The search tuning for `modelId` under `config`: the relevance cutoff from SEARCH_MIN_SIMILARITY or the model's
 * calibration; a model without calibration has no cutoff, said once in the log.
 */
export interface SearchTuning {
  /**
   * The relevance cutoff of word searches: per product vector, the lowest similarity to the query that counts as
   * evidence besides a full-text match. Undefined: no cutoff.
   */
  readonly minSimilarity?: MinSimilarity;
}

export function searchTuning(config: AppConfig, modelId: string): SearchTuning {
  const minSimilarity = loadMinSimilarity(modelId, config.embedding.modelDir, config.search.minSimilarity);
  if (minSimilarity === undefined)
    logger.warn(
      `no relevance cutoff: ${SEARCH_CALIBRATION_FILE} in ${config.embedding.modelDir} is missing or fitted for ` +
        `another model than ${modelId}, and SEARCH_MIN_SIMILARITY is unset (npm run bench:relevance-cutoff -- --write)`,
    );
  return minSimilarity ? { minSimilarity } : {};
}
