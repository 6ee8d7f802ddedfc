import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { OpenApiSchemaChecker, type OpenApiDocument, type OpenApiSchema } from '@vitrine/core';

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

/** Problems kept per check: one bad vector must not produce ten thousand lines. */
const MAX_PROBLEMS = 20;

/**
 * Checks Qdrant requests and responses against Qdrant's OpenAPI document. The schema vocabulary and its
 * strictness (undeclared properties are problems, a bare `nullable: true` accepts only null) are
 * `OpenApiSchemaChecker`'s in @vitrine/core, which checks our own API's document too; this adds the requests a
 * client sends (query parameters and JSON body).
 */
export class OpenApiChecker extends OpenApiSchemaChecker {
  static load(file: string = QDRANT_OPENAPI_FILE): OpenApiChecker {
    return new OpenApiChecker(JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument);
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

  private parseQueryValue(schema: OpenApiSchema, raw: string): unknown {
    const s = this.resolve(schema);
    if (s.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
    if (s.type === 'integer' || s.type === 'number') return raw.trim() !== '' ? Number(raw) : raw;
    return raw;
  }
}
