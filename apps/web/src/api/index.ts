export * from './client';
/** The contract's own types, generated from docs/openapi.json by `npm run openapi`: prefer them for new calls. */
export type { components, operations, paths } from './schema';
