import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { OpenApiSchemaChecker, type OpenApiDocument, type OpenApiSchema } from '@vitrine/core';

/** The Qdrant versions whose OpenAPI documents are vendored (see `../qdrant/openapi/README.md`). */
export const QDRANT_API_VERSIONS = ['1.18', '1.19'] as const;
export type QdrantApiVersion = (typeof QDRANT_API_VERSIONS)[number];

/**
 * A vendored Qdrant OpenAPI document. The build copies no JSON into dist/, so compiled code
 * (dist/libs/vectors/src/testing) reads it from the source tree.
 */
export function qdrantOpenApiFile(version: QdrantApiVersion): string {
  const document = `qdrant/openapi/v${version}.x.json`;
  return (
    [
      path.resolve(__dirname, '..', document),
      path.resolve(__dirname, '../../../../../libs/vectors/src', document),
    ].find((f) => existsSync(f)) ?? path.resolve(__dirname, '..', document)
  );
}

/** The Qdrant 1.18 document (the server version docker-compose runs). */
export const QDRANT_OPENAPI_FILE = qdrantOpenApiFile('1.18');

/** What checks Qdrant traffic: one document's {@link OpenApiChecker}, or {@link OpenApiCheckers} for several. */
export interface QdrantApiChecker {
  checkRequest(
    method: string,
    template: string,
    query: Readonly<Record<string, string>>,
    body: unknown,
  ): string[];
  checkResponse(method: string, template: string, status: number, body: unknown): string[];
}

/** Problems kept per check: one bad vector must not produce ten thousand lines. */
const MAX_PROBLEMS = 20;

/**
 * Checks Qdrant requests and responses against Qdrant's OpenAPI document. The schema vocabulary and its
 * strictness (undeclared properties are problems, a bare `nullable: true` accepts only null) are
 * `OpenApiSchemaChecker`'s in @vitrine/core, which checks our own API's document too; this adds the requests a
 * client sends (query parameters and JSON body).
 */
export class OpenApiChecker extends OpenApiSchemaChecker implements QdrantApiChecker {
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

/**
 * Checks Qdrant traffic against every vendored version's document at once: a request must be one that each
 * server version accepts (1.19 dropped the legacy `/points/search` family, for one), a response one that each
 * documents. Problems are prefixed with the version that has them.
 */
export class OpenApiCheckers implements QdrantApiChecker {
  private constructor(private readonly checkers: ReadonlyMap<QdrantApiVersion, OpenApiChecker>) {}

  static load(versions: readonly QdrantApiVersion[] = QDRANT_API_VERSIONS): OpenApiCheckers {
    return new OpenApiCheckers(new Map(versions.map((v) => [v, OpenApiChecker.load(qdrantOpenApiFile(v))])));
  }

  checkRequest(
    method: string,
    template: string,
    query: Readonly<Record<string, string>>,
    body: unknown,
  ): string[] {
    return this.each((c) => c.checkRequest(method, template, query, body));
  }

  checkResponse(method: string, template: string, status: number, body: unknown): string[] {
    return this.each((c) => c.checkResponse(method, template, status, body));
  }

  private each(check: (c: OpenApiChecker) => string[]): string[] {
    return [...this.checkers].flatMap(([version, c]) => check(c).map((p) => `Qdrant ${version}: ${p}`));
  }
}
