import type { SearchFilters, SearchOptions } from '@vitrine/search';
import type { SearchFiltersDto, SearchOptionsDto } from './search.dto';

/** A validated DTO's paging and ranking options as the library's plain options (no undefined keys). */
export function toSearchOptions(dto: SearchOptionsDto): SearchOptions {
  return {
    ...(dto.filters ? { filters: toSearchFilters(dto.filters) } : {}),
    ...(dto.limit !== undefined ? { limit: dto.limit } : {}),
    ...(dto.cursor !== undefined ? { cursor: dto.cursor } : {}),
    ...(dto.explain !== undefined ? { explain: dto.explain } : {}),
    ...(dto.rerank !== undefined ? { rerank: dto.rerank } : {}),
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
