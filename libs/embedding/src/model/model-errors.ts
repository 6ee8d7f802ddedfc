import { DomainError } from '@vitrine/core';

/** A model directory that cannot be used: missing files, unexpected graph inputs/outputs, inconsistent dims. */
export function modelInvalid(dir: string, problem: string, cause?: unknown): DomainError {
  return new DomainError(
    'MODEL_INVALID',
    `Model at ${dir} is invalid: ${problem}`,
    { dir, problem },
    { cause },
  );
}
