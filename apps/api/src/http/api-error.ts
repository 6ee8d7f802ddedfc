import { ApiProperty } from '@nestjs/swagger';
import type { DomainErrorCode } from '@vitrine/core';

/** Codes an error body can carry: the domain's, plus those only HTTP produces. */
export type ApiErrorCode = DomainErrorCode | 'RATE_LIMITED' | 'METHOD_NOT_ALLOWED' | 'INTERNAL';

/** Every error response has this one shape. */
export interface ApiErrorBody {
  readonly error: {
    readonly code: ApiErrorCode;
    readonly message: string;
    readonly details: Readonly<Record<string, unknown>>;
  };
}

export function errorBody(
  code: ApiErrorCode,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): ApiErrorBody {
  return { error: { code, message, details } };
}

class ApiErrorDetailDto {
  @ApiProperty({ example: 'VALIDATION_FAILED' })
  code!: string;
  @ApiProperty({ example: 'limit must not be greater than 100' })
  message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: Record<string, unknown>;
}

/** OpenAPI schema of {@link ApiErrorBody}. */
export class ApiErrorDto {
  @ApiProperty({ type: ApiErrorDetailDto })
  error!: ApiErrorDetailDto;
}
