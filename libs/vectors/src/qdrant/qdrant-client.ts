// The client package is ESM-typed (its .d.ts cannot be imported from CommonJS) but ships a CommonJS build for
// Node's `require` condition, which is what this SWC/CommonJS code base loads. Types come from the ESM
// declarations through `resolution-mode`, the runtime from `require`: one place for both.
import type * as Qdrant from '@qdrant/js-client-rest' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const qdrant = require('@qdrant/js-client-rest') as typeof Qdrant;

/** The generated OpenAPI schema types of the Qdrant REST API (request and response bodies). */
export type Schemas = Qdrant.Schemas;
/** The REST client. */
export type QdrantClient = Qdrant.QdrantClient;
export const { QdrantClient, QdrantClientTimeoutError, QdrantClientResourceExhaustedError } = qdrant;
