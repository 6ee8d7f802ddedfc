/**
 * The part of JSON Schema (OpenAPI 3.0 flavour) that the documents we check use: Qdrant's vendored document and
 * the one @nestjs/swagger builds for our own API. Anything else in a schema is documentation (`description`,
 * `example`, `default`, `deprecated`) and ignored.
 */
export interface OpenApiSchema {
  readonly $ref?: string;
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly nullable?: boolean;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, OpenApiSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | OpenApiSchema;
  readonly items?: OpenApiSchema;
  readonly anyOf?: readonly OpenApiSchema[];
  readonly oneOf?: readonly OpenApiSchema[];
  readonly allOf?: readonly OpenApiSchema[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
}

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema?: OpenApiSchema;
}

export interface OpenApiMediaContent {
  readonly description?: string;
  readonly content?: Readonly<Record<string, { readonly schema?: OpenApiSchema }>>;
}

export interface OpenApiOperation {
  readonly operationId?: string;
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: OpenApiMediaContent & { readonly required?: boolean };
  readonly responses: Readonly<Record<string, OpenApiMediaContent>>;
}

export interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Readonly<Record<string, OpenApiOperation>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, OpenApiSchema>> };
}

/** The HTTP methods an OpenAPI path item may hold (its other keys are `parameters`, `summary`, ...). */
export const OPENAPI_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** RFC 3339 as `toISOString()` and PostgreSQL write it. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
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

/** `application/json; charset=utf-8` → `application/json`. */
function mediaTypeOf(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/**
 * Checks JSON values against the schemas of an OpenAPI 3.0 document: `$ref`, `type`, `nullable`, `enum`,
 * `properties`/`required`/`additionalProperties`, `items`, `anyOf`/`oneOf`/`allOf` (the properties of `allOf`
 * branches taken together, as @nestjs/swagger writes `nullable` references), integer formats (`uint*`, `int64`),
 * `uuid` and `date-time`, `minimum`/`maximum`, `minLength`/`maxLength`/`pattern`, `minItems`/`maxItems`,
 * `uniqueItems` — a small validator instead of ajv, which is not a dependency.
 *
 * Stricter than JSON Schema in two ways that catch real mistakes: an object property that its schema does not
 * declare is a problem unless the schema allows `additionalProperties` (a misspelt option that a server ignores,
 * or a response field a client cannot know about), and a schema that says only `nullable: true` (Qdrant's way of
 * writing "or null" inside `anyOf`) accepts only null.
 */
export class OpenApiSchemaChecker {
  constructor(readonly document: OpenApiDocument) {}

  /** The operation at `method template` (e.g. `PUT /collections/{collection_name}/points`), if documented. */
  operation(method: string, template: string): OpenApiOperation | undefined {
    return this.document.paths[template]?.[method.toLowerCase()];
  }

  /** Every documented operation as `METHOD template` (`GET /v1/products/{id}/similar`), in document order. */
  operationKeys(): string[] {
    return Object.entries(this.document.paths).flatMap(([template, item]) =>
      OPENAPI_METHODS.filter((m) => item[m] !== undefined).map((m) => `${m.toUpperCase()} ${template}`),
    );
  }

  /**
   * Problems with a response: `status` must be one the operation documents, a `contentType` one of the media
   * types documented for it (a response documented without content must have none), and a JSON body must match
   * that media type's schema. Without `contentType` the body is checked against the `application/json` schema.
   */
  checkResponse(
    method: string,
    template: string,
    status: number,
    body: unknown,
    contentType?: string,
  ): string[] {
    const op = this.operation(method, template);
    if (!op) return [`${method} ${template} is not in the document`];
    const code = String(status);
    const r = op.responses[code] ?? op.responses[`${code[0]}XX`] ?? op.responses['default'];
    if (!r) {
      const declared = Object.keys(op.responses).join(', ');
      return [
        `status ${status} is not a documented response of ${method} ${template} (documented: ${declared})`,
      ];
    }
    const content = r.content ?? {};
    const declaredTypes = Object.keys(content);
    let media = 'application/json';
    if (contentType !== undefined && contentType !== '') {
      media = mediaTypeOf(contentType);
      if (declaredTypes.length === 0)
        return [`status ${status} is documented without a body, but the response has ${media}`];
      if (!declaredTypes.some((t) => mediaTypeOf(t) === media))
        return [`status ${status} answered ${media}, documented: ${declaredTypes.join(', ')}`];
    }
    const schema = Object.entries(content).find(([t]) => mediaTypeOf(t) === media)?.[1].schema;
    const problems: string[] = [];
    if (schema && /json/.test(media)) this.check(schema, body, 'response', problems);
    return problems.slice(0, MAX_PROBLEMS);
  }

  /** Problems with `value` against a named schema of `components.schemas`. */
  checkSchema(name: string, value: unknown): string[] {
    return this.checkValue({ $ref: `#/components/schemas/${name}` }, value, name);
  }

  /** Problems with `value` against `schema`; `at` names the value in the messages. */
  checkValue(schema: OpenApiSchema, value: unknown, at = 'value'): string[] {
    const problems: string[] = [];
    this.check(schema, value, at, problems);
    return problems.slice(0, MAX_PROBLEMS);
  }

  /** The schema a `$ref` (possibly a chain of them) names; `schema` itself when it is no reference. */
  protected resolve(schema: OpenApiSchema): OpenApiSchema {
    let s = schema;
    for (let depth = 0; s.$ref !== undefined; depth++) {
      const prefix = '#/components/schemas/';
      const target = s.$ref.startsWith(prefix)
        ? this.document.components?.schemas?.[s.$ref.slice(prefix.length)]
        : undefined;
      if (!target || depth > 32) throw new Error(`unresolvable $ref ${s.$ref}`);
      s = target;
    }
    return s;
  }

  private problemsOf(schema: OpenApiSchema, value: unknown, at: string): string[] {
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

  protected check(schema: OpenApiSchema, value: unknown, at: string, out: string[]): void {
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
    if (s.allOf && isObject(value)) {
      // An object must satisfy every branch, and its properties are those of all branches together: checking each
      // branch alone would call the other branches' properties undeclared.
      const parts = this.flattenAllOf(s);
      const objects = parts.filter((p) => this.isPlainObjectSchema(p));
      for (const p of parts) if (!objects.includes(p)) this.check(p, value, at, out);
      this.checkObject(this.mergeObjects(objects), value, at, out);
      return;
    }
    for (const b of s.allOf ?? []) this.check(b, value, at, out);
    this.checkType(s, value, at, out);
  }

  /** `s` and its `allOf` branches, resolved, recursively, without their `allOf`. */
  private flattenAllOf(s: OpenApiSchema): OpenApiSchema[] {
    const { allOf, ...own } = s;
    return [own, ...(allOf ?? []).flatMap((b) => this.flattenAllOf(this.resolve(b)))];
  }

  private isPlainObjectSchema(s: OpenApiSchema): boolean {
    return (
      (s.type === 'object' || s.type === undefined) &&
      s.enum === undefined &&
      s.anyOf === undefined &&
      s.oneOf === undefined &&
      s.items === undefined
    );
  }

  private mergeObjects(parts: readonly OpenApiSchema[]): OpenApiSchema {
    const properties: Record<string, OpenApiSchema> = {};
    const required = new Set<string>();
    let additional: boolean | OpenApiSchema | undefined;
    for (const p of parts) {
      Object.assign(properties, p.properties ?? {});
      for (const r of p.required ?? []) required.add(r);
      if (p.additionalProperties === true || isObject(p.additionalProperties))
        additional = p.additionalProperties;
      else if (p.additionalProperties === false && additional === undefined) additional = false;
    }
    const declares = parts.some((p) => p.properties !== undefined);
    return {
      type: 'object',
      ...(declares ? { properties } : {}),
      required: [...required],
      ...(additional !== undefined ? { additionalProperties: additional } : {}),
    };
  }

  private checkType(s: OpenApiSchema, value: unknown, at: string, out: string[]): void {
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
        if (s.maxItems !== undefined && value.length > s.maxItems)
          out.push(`${at}: expected at most ${s.maxItems} items`);
        if (s.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
          out.push(`${at}: items must be unique`);
        if (s.items) value.forEach((v, i) => this.check(s.items!, v, `${at}[${i}]`, out));
        return;
      case 'object':
        this.checkObject(s, value, at, out);
        return;
    }
  }

  private checkString(s: OpenApiSchema, value: string, at: string, out: string[]): void {
    if (s.minLength !== undefined && value.length < s.minLength)
      out.push(`${at}: expected at least ${s.minLength} characters`);
    if (s.maxLength !== undefined && value.length > s.maxLength)
      out.push(`${at}: expected at most ${s.maxLength} characters`);
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value))
      out.push(`${at}: ${describe(value)} does not match ${s.pattern}`);
    if (s.format === 'uuid' && !UUID.test(value)) out.push(`${at}: expected a UUID, got ${describe(value)}`);
    if (s.format === 'date-time' && !DATE_TIME.test(value))
      out.push(`${at}: expected an RFC 3339 date-time, got ${describe(value)}`);
  }

  private checkNumber(
    s: OpenApiSchema,
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

  private checkObject(s: OpenApiSchema, value: unknown, at: string, out: string[]): void {
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
