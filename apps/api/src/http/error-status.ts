import { HttpStatus } from '@nestjs/common';
import type { DomainErrorCode } from '@vitrine/core';

/**
 * The one place where domain error codes become HTTP statuses. The switch is exhaustive: a new code in
 * libs/core does not compile until it is mapped here.
 */
export function statusOf(code: DomainErrorCode): HttpStatus {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'FETCH_FORBIDDEN':
      return HttpStatus.BAD_REQUEST;
    case 'UNAUTHORIZED':
      return HttpStatus.UNAUTHORIZED;
    case 'NOT_FOUND':
      return HttpStatus.NOT_FOUND;
    case 'CONFLICT':
      return HttpStatus.CONFLICT;
    case 'PAYLOAD_TOO_LARGE':
    case 'IMAGE_TOO_LARGE':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case 'UNSUPPORTED_MEDIA':
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case 'IMAGE_INVALID':
    case 'FETCH_FAILED':
    case 'TOO_MANY_FAILURES':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'INSUFFICIENT_STORAGE':
      return HttpStatus.INSUFFICIENT_STORAGE;
    case 'OVERLOADED':
    case 'UNAVAILABLE':
    case 'STORAGE_UNAVAILABLE':
    case 'MODEL_MISMATCH':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'MODEL_INVALID':
      return HttpStatus.INTERNAL_SERVER_ERROR;
  }
}
