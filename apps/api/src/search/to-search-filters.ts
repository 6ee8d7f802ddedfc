import type { SearchFilters } from '@vitrine/search';
import type { SearchFiltersDto } from './search.dto';

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
