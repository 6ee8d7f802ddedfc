import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const DOCUMENT = 'qdrant/openapi/v1.18.x.json';
/**
 * The vendored Qdrant 1.18 OpenAPI document (see `../qdrant/openapi/README.md`). The build copies no JSON into
 * dist/, so compiled code (dist/libs/vectors/src/testing) reads it from the source tree.
 */
export const QDRANT_OPENAPI_FILE =
  [
    path.resolve(__dirname, '..', DOCUMENT),
    path.resolve(__dirname, '../../../../../libs/vectors/src', DOCUMENT),
  ].find((f) => existsSync(f)) ?? path.resolve(__dirname, '..', DOCUMENT);

/**
 * The part of JSON Schema (OpenAPI 3.0 flavour) that Qdrant's document uses. Anything else in a schema is
 * documentation (`description`, `example`, `default`, `deprecated`) and ignored.
 */
export interface Schema {
  readonly $ref?: string;
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly nullable?: boolean;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly items?: Schema;
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly minItems?: number;
  readonly uniqueItems?: boolean;
}

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema?: Schema;
}

interface MediaContent {
  readonly content?: Readonly<Record<string, { readonly schema?: Schema }>>;
}

interface Operation {
  readonly operationId: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: MediaContent & { readonly required?: boolean };
  readonly responses: Readonly<Record<string, MediaContent>>;
}

interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components: { readonly schemas: Readonly<Record<string, Schema>> };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UINT_MAX: Readonly<Record<string, number>> = { uint8: 255, uint32: 4_294_967_295 };
/** Problems kept per check: one bad vector must not produce ten thousand lines. */
const MAX_PROBLEMS = 20;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks JSON values against the schemas of an OpenAPI 3.0 document: `$ref`, `type`, `nullable`, `enum`,
 * `properties`/`required`/`additionalProperties`, `items`, `anyOf`/`oneOf`/`allOf`, integer formats
 * (`uint*`, `int64`), `uuid`, `minimum`/`maximum`, `minLength`, `minItems`, `uniqueItems` — the whole vocabulary
 * Qdrant's document uses (a small validator instead of ajv, which is not a dependency).
 *
 * Stricter than JSON Schema in two ways that catch real mistakes: an object property that its schema does not
 * declare is a problem (Qdrant ignores unknown keys, so a misspelt option would silently do nothing), and a
 * schema that says only `nullable: true` (Qdrant's way of writing "or null" inside `anyOf`) accepts only null.
 */
export class OpenApiChecker {
  private constructor(private readonly doc: OpenApiDocument) {}

  static load(file: string = QDRANT_OPENAPI_FILE): OpenApiChecker {
    return new OpenApiChecker(JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument);
  }

  /** The operation at `method template` (e.g. `PUT /collections/{collection_name}/points`), if documented. */
  operation(method: string, template: string): Operation | undefined {
    return this.doc.paths[template]?.[method.toLowerCase()];
  }

  /** Problems with a request's query parameters and JSON body; empty when it is one the server documents. */
  checkRequest(
    method: string,
    template: string,
    query: Readonly<Record<string, string>>,
    body: unknown,
  ): string[] {
    const op = this.operation(method, template);
    if (!op) return [`${method} ${template} is not in the document`];
    const problems: string[] = [];
    const declared = new Map((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p]));
    for (const [name, raw] of Object.entries(query)) {
      const p = declared.get(name);
      if (!p) problems.push(`query parameter ${name} is not declared`);
      else if (p.schema) this.check(p.schema, this.parseQueryValue(p.schema, raw), `?${name}`, problems);
    }
    for (const p of declared.values()) {
      if (p.required && !(p.name in query)) problems.push(`query parameter ${p.name} is required`);
    }
    const schema = op.requestBody?.content?.['application/json']?.schema;
    if (body === undefined) {
      if (op.requestBody?.required) problems.push('the request body is required');
    } else if (!schema) {
      problems.push('the operation takes no JSON body');
    } else {
      this.check(schema, body, 'body', problems);
    }
    return problems.slice(0, MAX_PROBLEMS);
  }

  /** Problems with a response body for `status`; responses the document gives no JSON schema for pass. */
  checkResponse(method: string, template: string, status: number, body: unknown): string[] {
    const op = this.operation(method, template);
    if (!op) return [`${method} ${template} is not in the document`];
    const r =
      op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses['default'];
    if (!r) return [`status ${status} is not a documented response`];
    const schema = r.content?.['application/json']?.schema;
    const problems: string[] = [];
    if (schema) this.check(schema, body, 'response', problems);
    return problems.slice(0, MAX_PROBLEMS);
  }

  /** Problems with `value` against a named schema of `components.schemas`. */
  checkSchema(name: string, value: unknown): string[] {
    const problems: string[] = [];
    this.check({ $ref: `#/components/schemas/${name}` }, value, name, problems);
    return problems.slice(0, MAX_PROBLEMS);
  }

  private parseQueryValue(schema: Schema, raw: string): unknown {
    const s = this.resolve(schema);
    if (s.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
    if (s.type === 'integer' || s.type === 'number') return raw.trim() !== '' ? Number(raw) : raw;
    return raw;
  }

  private resolve(schema: Schema): Schema {
    let s = schema;
    for (let depth = 0; s.$ref !== undefined; depth++) {
      const prefix = '#/components/schemas/';
      const target = s.$ref.startsWith(prefix)
        ? this.doc.components.schemas[s.$ref.slice(prefix.length)]
        : undefined;
      if (!target || depth > 32) throw new Error(`unresolvable $ref ${s.$ref}`);
      s = target;
    }
    return s;
  }

  private problemsOf(schema: Schema, value: unknown, at: string): string[] {
    const problems: string[] = [];
    this.check(schema, value, at, problems);
    return problems;
  }

  /**
   * Problems of the alternative that got furthest into the value (deepest problem path): for untagged unions
   * that names the real mistake (`body.points[0].id`) rather than only "matches none".
   */
  private closest(alternatives: readonly string[][]): string[] {
    const depth = (ps: readonly string[]) => Math.max(...ps.map((p) => p.indexOf(':')));
    return alternatives.reduce((best, ps) => (depth(ps) > depth(best) ? ps : best));
  }

  private check(schema: Schema, value: unknown, at: string, out: string[]): void {
    if (out.length >= MAX_PROBLEMS) return;
    const s = this.resolve(schema);
    if (value === null && s.nullable) return;
    const constrained =
      s.type !== undefined ||
      s.enum !== undefined ||
      s.properties !== undefined ||
      s.anyOf !== undefined ||
      s.oneOf !== undefined ||
      s.allOf !== undefined ||
      s.items !== undefined;
    if (!constrained) {
      if (s.nullable && value !== null) out.push(`${at}: expected null, got ${describe(value)}`);
      return;
    }
    if (s.enum && !s.enum.includes(value)) {
      out.push(`${at}: ${describe(value)} is not one of ${JSON.stringify(s.enum)}`);
      return;
    }
    for (const [kind, alternatives] of [
      ['anyOf', s.anyOf],
      ['oneOf', s.oneOf],
    ] as const) {
      if (!alternatives) continue;
      const results = alternatives.map((b) => this.problemsOf(b, value, at));
      const matching = results.filter((ps) => ps.length === 0).length;
      if (matching === 0) {
        out.push(
          `${at}: ${describe(value)} matches none of the ${kind} alternatives`,
          ...this.closest(results),
        );
        return;
      }
      if (kind === 'oneOf' && matching > 1) {
        out.push(`${at}: ${describe(value)} matches ${matching} oneOf alternatives, not exactly 1`);
        return;
      }
    }
    for (const b of s.allOf ?? []) this.check(b, value, at, out);
    this.checkType(s, value, at, out);
  }

  private checkType(s: Schema, value: unknown, at: string, out: string[]): void {
    const type = s.type ?? (s.properties ? 'object' : s.items ? 'array' : undefined);
    switch (type) {
      case undefined:
        return;
      case 'boolean':
      case 'string':
        if (typeof value !== type) out.push(`${at}: expected ${type}, got ${describe(value)}`);
        else if (type === 'string') this.checkString(s, value as string, at, out);
        return;
      case 'integer':
      case 'number':
        this.checkNumber(s, type, value, at, out);
        return;
      case 'array':
        if (!Array.isArray(value)) {
          out.push(`${at}: expected array, got ${describe(value)}`);
          return;
        }
        if (s.minItems !== undefined && value.length < s.minItems)
          out.push(`${at}: expected at least ${s.minItems} items`);
        if (s.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
          out.push(`${at}: items must be unique`);
        if (s.items) value.forEach((v, i) => this.check(s.items!, v, `${at}[${i}]`, out));
        return;
      case 'object':
        this.checkObject(s, value, at, out);
        return;
    }
  }

  private checkString(s: Schema, value: string, at: string, out: string[]): void {
    if (s.minLength !== undefined && value.length < s.minLength)
      out.push(`${at}: expected at least ${s.minLength} characters`);
    if (s.format === 'uuid' && !UUID.test(value)) out.push(`${at}: expected a UUID, got ${describe(value)}`);
  }

  private checkNumber(
    s: Schema,
    type: 'integer' | 'number',
    value: unknown,
    at: string,
    out: string[],
  ): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      out.push(`${at}: expected ${type}, got ${describe(value)}`);
      return;
    }
    const format = s.format ?? '';
    const integer = type === 'integer' || format.startsWith('uint') || format === 'int64';
    if (integer && !Number.isInteger(value)) out.push(`${at}: expected an integer, got ${value}`);
    if (format.startsWith('uint') && value < 0) out.push(`${at}: expected an unsigned integer, got ${value}`);
    const max = UINT_MAX[format];
    if (max !== undefined && value > max) out.push(`${at}: ${value} exceeds ${format}`);
    if (s.minimum !== undefined && value < s.minimum) out.push(`${at}: ${value} is below ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) out.push(`${at}: ${value} is above ${s.maximum}`);
  }

  private checkObject(s: Schema, value: unknown, at: string, out: string[]): void {
    if (!isObject(value)) {
      out.push(`${at}: expected object, got ${describe(value)}`);
      return;
    }
    for (const key of s.required ?? []) {
      if (value[key] === undefined) out.push(`${at}.${key}: required`);
    }
    const props = s.properties ?? {};
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const p = props[key];
      if (p) this.check(p, v, `${at}.${key}`, out);
      else if (isObject(s.additionalProperties)) this.check(s.additionalProperties, v, `${at}.${key}`, out);
      else if (s.additionalProperties === false || (s.additionalProperties === undefined && s.properties))
        // Strict on undeclared keys even where the document does not say additionalProperties: false.
        out.push(`${at}.${key}: not a declared property`);
    }
  }
}
