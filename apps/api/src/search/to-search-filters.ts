import type { BrowseRequest, SearchFilters, SearchOptions } from '@vitrine/search';
import type {
  BrowseQueryDto,
  SearchFiltersDto,
  SearchOptionsDto,
  StringSearchOptionsDto,
} from './search.dto';

/** A validated DTO's paging and ranking options as the library's plain options (no undefined keys). */
export function toSearchOptions(dto: SearchOptionsDto | StringSearchOptionsDto): SearchOptions {
  return {
    // The API refuses a price range that names no currency in a catalog priced in several.
    requireCurrency: true,
    ...(dto.filters ? { filters: toSearchFilters(dto.filters) } : {}),
    ...(dto.limit !== undefined ? { limit: dto.limit } : {}),
    ...(dto.cursor !== undefined ? { cursor: dto.cursor } : {}),
    ...(dto.explain !== undefined ? { explain: dto.explain } : {}),
    ...(dto.rerank !== undefined ? { rerank: dto.rerank } : {}),
    ...(dto.sort !== undefined ? { sort: dto.sort } : {}),
    ...(dto.facets !== undefined ? { facets: dto.facets } : {}),
    ...(dto.locale !== undefined ? { locale: dto.locale } : {}),
  };
}

/** The validated DTO as the library's plain filter object (no class instances, no undefined keys). */
export function toSearchFilters(dto: SearchFiltersDto): SearchFilters {
  return {
    ...(dto.category ? { category: dto.category } : {}),
    ...(dto.brand ? { brand: dto.brand } : {}),
    ...(dto.price
      ? {
          price: {
            ...(dto.price.min !== undefined ? { min: dto.price.min } : {}),
            ...(dto.price.max !== undefined ? { max: dto.price.max } : {}),
          },
        }
      : {}),
    ...(dto.currency !== undefined ? { currency: dto.currency } : {}),
    ...(dto.inStock !== undefined ? { inStock: dto.inStock } : {}),
    ...(dto.attributes ? { attributes: { ...dto.attributes } } : {}),
  };
}

/** Browse query parameters (and the `attr.<name>` ones) as the library's browse request. */
export function toBrowseRequest(dto: BrowseQueryDto, attributes: Record<string, string>): BrowseRequest {
  const price =
    dto.priceMin !== undefined || dto.priceMax !== undefined
      ? {
          ...(dto.priceMin !== undefined ? { min: dto.priceMin } : {}),
          ...(dto.priceMax !== undefined ? { max: dto.priceMax } : {}),
        }
      : undefined;
  const filters: SearchFilters = {
    ...(dto.category ? { category: dto.category } : {}),
    ...(dto.brand ? { brand: dto.brand } : {}),
    ...(price ? { price } : {}),
    ...(dto.currency !== undefined ? { currency: dto.currency } : {}),
    ...(dto.inStock !== undefined ? { inStock: dto.inStock } : {}),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
  };
  return {
    filters,
    ...(dto.sort !== undefined ? { sort: dto.sort } : {}),
    ...(dto.facets !== undefined ? { facets: dto.facets } : {}),
    ...(dto.limit !== undefined ? { limit: dto.limit } : {}),
    ...(dto.cursor !== undefined ? { cursor: dto.cursor } : {}),
    ...(dto.locale !== undefined ? { locale: dto.locale } : {}),
  };
}
