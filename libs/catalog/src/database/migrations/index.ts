import { CreateCatalog1764158400000 } from './1764158400000-create-catalog';
import { ProductSearchTsv1764500000000 } from './1764500000000-product-search-tsv';
import { SearchTsvMetadata1764600000000 } from './1764600000000-search-tsv-metadata';
import { IndexOutbox1764900000000 } from './1764900000000-index-outbox';
import { ProductTranslations1765310000000 } from './1765310000000-product-translations';

/**
 * Every catalog migration in order, listed explicitly: globs resolve .ts under Jest and .js from dist/, and
 * silently find nothing when one of them is wrong. Append new migrations here. (1764700000000 belongs to
 * libs/attributes, which owns the table it creates; libraries pass theirs in `CatalogDataSourceOptions.migrations`.)
 */
export const CATALOG_MIGRATIONS = [
  CreateCatalog1764158400000,
  ProductSearchTsv1764500000000,
  SearchTsvMetadata1764600000000,
  IndexOutbox1764900000000,
  ProductTranslations1765310000000,
];
