import { ValidationPipe, type ValidationError as ClassValidationError } from '@nestjs/common';
import { ValidationError } from '@vitrine/core';

interface FieldProblem {
  readonly field: string;
  readonly problems: string[];
}

function flatten(errors: readonly ClassValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * DTO validation for every route: unknown properties are refused (a misspelt filter must not be ignored), values
 * are converted to the DTO's types, and failures become one `VALIDATION_FAILED` error listing every field.
 */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      const message = fields
        .map((f) => f.problems.map((p) => (p.startsWith(f.field) ? p : `${f.field}: ${p}`)).join('; '))
        .join('; ');
      return new ValidationError(message || 'invalid request', { fields });
    },
  });
}
