import type { z } from 'zod';
import { locateJsonError } from '@vitrine/core';

/** One valid line of a JSONL file: its 1-based number and its parsed value. */
export interface JsonlRow<T> {
  readonly line: number;
  readonly value: T;
}

/**
 * Parses JSONL text, every non-blank line against `schema`. Bad lines do not stop the reading: each one is listed as
 * `line N: <reason>` (the JSON error with its column, or the schema's issues with their paths), so one run of a
 * labelled set reports all its mistakes. The caller decides how to report them.
 */
export function parseJsonlLines<T>(
  text: string,
  schema: z.ZodType<T>,
): { readonly rows: JsonlRow<T>[]; readonly problems: string[] } {
  const rows: JsonlRow<T>[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      const at = locateJsonError(raw);
      problems.push(`line ${i + 1}: ${(e as Error).message}${at ? ` (at column ${at.column})` : ''}`);
      return;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      problems.push(
        `line ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'line'}: ${x.message}`).join('; ')}`,
      );
      return;
    }
    rows.push({ line: i + 1, value: parsed.data });
  });
  return { rows, problems };
}
