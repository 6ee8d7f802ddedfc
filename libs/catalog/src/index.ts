export * from './domain/product';
export * from './domain/index-state';
export * from './domain/index-outbox';
export { productContentHash, type ContentFields } from './domain/content-hash';
export { isKnownCurrency, parseAmount } from './domain/money';
export {
  createCatalogDataSource,
  isMissingProduct,
  PRODUCT_ID_REFERENCE,
  type CatalogDatabase,
  type LibraryMigration,
  type CatalogDataSourceOptions,
  type DatabaseConfig,
} from './database/catalog-data-source';
export type { PgliteHostOptions, PgliteLogger, PgliteState } from './database/pglite-host';
export {
  ProductRepository,
  type AdminListOptions,
  type AdminProductRow,
  type PageOptions,
  type UpsertOptions,
} from './repository/product.repository';
export {
  IndexStateRepository,
  MAX_FAILURES_PAGE,
  type NeedingIndexOptions,
} from './repository/index-state.repository';
export { IndexOutboxRepository, type ClaimOptions } from './repository/index-outbox.repository';
export {
  ProductSearchRepository,
  type CardImage,
  type LexicalHit,
  type LexicalOptions,
  type ProductCard,
  type ProductFilter,
} from './repository/product-search.repository';
export {
  CatalogImportService,
  MAX_REPORTED_ERRORS,
  type ImportLineError,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
} from './import/catalog-import.service';
export { CATALOG_LIMITS } from './domain/limits';
export { identifierProblem, normalizeIdentifier } from './domain/identifier';
export {
  normalizeTranslations,
  parseCatalogLine,
  productInput,
  type CatalogLine,
} from './import/catalog-line';
export {
  localeProblem,
  MAX_LOCALE_CHARS,
  normalizeLocale,
  pickLocale,
  requestedLocale,
} from './domain/locale';
export { CJK_STOP_WORDS, TextSegmenter, type Segments } from './text/text-segmenter';
export { CatalogModule, CATALOG_DATABASE } from './catalog.module';
// For the libraries that own tables in the catalog's database (attributes, descriptions, assistant).
export { sql, type SqlResult } from './repository/sql';
export { isUuid } from './repository/ids';
export {
  PRICE_BUCKET_EDGES,
  MAX_CATALOG_VALUES,
  type CatalogValues,
  type FacetCounts,
  type FacetField,
  type ProductSet,
  type ProductSort,
} from './repository/product-search.repository';
export { CatalogVocabularyRepository, type VocabularyRow } from './repository/catalog-vocabulary.repository';
export { COLOUR_WORDS_ZH } from './text/colour-words';
