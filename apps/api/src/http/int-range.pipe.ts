import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { DomainError } from '@vitrine/core';

/**
 * Bounds an integer parameter (after `ParseIntPipe`): a value outside [min, max] would reach SQL as an int4 out of
 * range (a 500) or name something that cannot exist. `code` says which: `NOT_FOUND` for a path that names a thing
 * (an image position), `VALIDATION_FAILED` for an option.
 */
@Injectable()
export class IntRangePipe implements PipeTransform<number, number> {
  constructor(
    private readonly min: number,
    private readonly max: number,
    private readonly code: 'NOT_FOUND' | 'VALIDATION_FAILED' = 'VALIDATION_FAILED',
  ) {}

  transform(value: number, metadata: ArgumentMetadata): number {
    if (Number.isSafeInteger(value) && value >= this.min && value <= this.max) return value;
    const field = metadata.data ?? 'value';
    throw new DomainError(this.code, `${field} must be an integer from ${this.min} to ${this.max}`, {
      field,
      min: this.min,
      max: this.max,
    });
  }
}
