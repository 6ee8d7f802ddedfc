import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { OpenApiSchemaChecker, type OpenApiDocument, type OpenApiSchema } from '@vitrine/core';

/** The committed API contract (`npm run openapi` writes it). */
export const API_CONTRACT_FILE = resolve(__dirname, '../../docs/openapi.json');

/** What a test saw: supertest's response, or a stream of which only the head was read. */
export interface SeenResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON; anything else (bytes, an event stream, an empty body) is not checked against a schema. */
  readonly body?: unknown;
}

/**
 * Our API's OpenAPI document as a checker of real responses: the status must be one the operation documents, the
 * content type one documented for that status, and a JSON body must match its schema (undeclared fields are
 * problems: a client generated from the document would not know them).
 */
export class ApiContract extends OpenApiSchemaChecker {
  static load(file: string = API_CONTRACT_FILE): ApiContract {
    return new ApiContract(JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument);
  }

  /** Problems with `res` as an answer of `key` (`GET /v1/products/{id}/similar`). */
  problems(key: string, res: SeenResponse): string[] {
    const [method, template] = splitKey(key);
    const contentType = headerOf(res, 'content-type');
    const json = contentType !== undefined && /[/+]json\b/i.test(contentType);
    return this.checkResponse(method, template, res.status, json ? res.body : undefined, contentType ?? '');
  }

  /**
   * Responses that say too little for a client to code against: a success documented with no content (other
   * than 204 and redirects), a JSON success without a schema or whose schema is an object with no properties,
   * and an operation without a documented success.
   */
  looseResponses(): string[] {
    const loose: string[] = [];
    for (const key of this.operationKeys()) {
      const [method, template] = splitKey(key);
      const responses = this.operation(method, template)!.responses;
      const successes = Object.keys(responses).filter((s) => /^2/.test(s));
      if (successes.length === 0) loose.push(`${key}: no success response documented`);
      for (const status of successes) {
        const content = responses[status]!.content;
        if (status === '204') continue;
        if (!content || Object.keys(content).length === 0) {
          loose.push(`${key} ${status}: no content documented`);
          continue;
        }
        for (const [media, { schema }] of Object.entries(content)) {
          if (!/json/.test(media)) continue;
          if (!schema) loose.push(`${key} ${status} ${media}: no schema`);
          else if (this.isBareObject(schema))
            loose.push(`${key} ${status} ${media}: object without properties`);
        }
      }
    }
    return loose;
  }

  private isBareObject(schema: OpenApiSchema): boolean {
    const s = this.resolve(schema);
    if (s.allOf || s.oneOf || s.anyOf || s.items || s.enum) return false;
    return s.properties === undefined && (s.type === undefined || s.type === 'object');
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(' ');
  return [key.slice(0, i), key.slice(i + 1)];
}

function headerOf(res: SeenResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * JSON-pointer-like paths where two JSON values differ, depth first, at most `max`: what a drift message shows
 * (`/paths/~1v1~1suggest: only in the app`).
 */
export function jsonDifferences(expected: unknown, actual: unknown, max = 10): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, at: string): void => {
    if (out.length >= max) return;
    const bothObjects =
      typeof a === 'object' &&
      a !== null &&
      typeof b === 'object' &&
      b !== null &&
      Array.isArray(a) === Array.isArray(b);
    if (!bothObjects) {
      if (JSON.stringify(a) !== JSON.stringify(b))
        out.push(`${at || '/'}: ${short(a)} in docs/openapi.json, ${short(b)} in the app`);
      return;
    }
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])];
    for (const k of keys) {
      const child = `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (!(k in ra)) out.push(`${child}: only in the app`);
      else if (!(k in rb)) out.push(`${child}: only in docs/openapi.json`);
      else walk(ra[k], rb[k], child);
      if (out.length >= max) return;
    }
  };
  walk(expected, actual, '');
  return out;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
