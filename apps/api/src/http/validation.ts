import {
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError as ClassValidationError,
} from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { ValidationError } from '@vitrine/core';

/**
 * What one request (a body, its query string, a path parameter) may hold, checked in one cheap pass before
 * class-transformer and class-validator do per-field work: 60,000 unknown keys used to cost seconds of CPU and a
 * 6.5 MB answer, and JSON nested thousands deep overflowed their recursion (a 500).
 */
export const INPUT_LIMITS = {
  /** Objects and arrays within each other: a search body needs 3 levels, a product's attributes a few more. */
  maxDepth: 16,
  /** Object keys plus array items, all levels together: a search or a product with rich attributes needs ~100. */
  maxEntries: 1_000,
  /** Field problems listed in a 400; the others are only counted. */
  maxProblems: 10,
  /** A path parameter names one thing (a UUID, a job id, a position): longer ones cannot, and echo back large. */
  maxParamChars: 256,
} as const;

/**
 * Keys no DTO declares and that only ever serve prototype pollution: class-transformer skips them silently (so a
 * nested `constructor` was ignored instead of refused), and code merging request objects must never see them.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * C0 and C1 control characters and DEL, except tab, line feed and carriage return (free text such as a product
 * description or a review note holds them). PostgreSQL refuses NUL outright; the others have no meaning in product
 * text and only serve to corrupt logs, terminals and downstream systems.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

interface FieldProblem {
  readonly field: string;
  readonly problems: string[];
}

/** A field name as it appears in messages: long keys (someone else's garbage) are cut. */
function shown(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${shown(key)}` : shown(key);
}

function controlProblem(text: string, what: string): string | undefined {
  const m = CONTROL.exec(text);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `${what} must not contain control characters (U+${code} at position ${m.index})`;
}

/**
 * Throws the problems, the first {@link INPUT_LIMITS.maxProblems} in full and the rest (with `uncounted` more the
 * caller did not spell out) only counted.
 */
function fail(fields: readonly FieldProblem[], uncounted = 0): never {
  const total = fields.reduce((n, f) => n + f.problems.length, uncounted);
  const listed: FieldProblem[] = [];
  let room: number = INPUT_LIMITS.maxProblems;
  for (const f of fields) {
    if (room <= 0) break;
    const problems = f.problems.slice(0, room).map((p) => (p.length > 300 ? `${p.slice(0, 300)}…` : p));
    listed.push({ field: f.field, problems });
    room -= problems.length;
  }
  const more = total - listed.reduce((n, f) => n + f.problems.length, 0);
  const message =
    listed
      .map((f) => f.problems.map((p) => (p.startsWith(f.field) ? p : `${f.field}: ${p}`)).join('; '))
      .join('; ') + (more > 0 ? `; and ${more} more problem${more === 1 ? '' : 's'}` : '');
  throw new ValidationError(message || 'invalid request', { fields: listed, ...(more > 0 ? { more } : {}) });
}

/**
 * One iterative pass over a request value (no recursion, so no depth can overflow the stack): refuses nesting
 * deeper than {@link INPUT_LIMITS.maxDepth}, more than {@link INPUT_LIMITS.maxEntries} keys and items, and
 * control characters in any string or key, and prototype-pollution keys, naming the field. `root` names the value
 * (a path parameter's name, whose string may not exceed {@link INPUT_LIMITS.maxParamChars}; empty for a body or
 * query object, whose fields are named by their keys).
 */
export function screenInput(value: unknown, root = ''): void {
  const problems: FieldProblem[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  let entries = 0;
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (depth === 0 && root && v.length > INPUT_LIMITS.maxParamChars)
        fail([
          { field: root, problems: [`${root} is longer than ${INPUT_LIMITS.maxParamChars} characters`] },
        ]);
      const p = controlProblem(v, path || 'value');
      if (p) problems.push({ field: path || 'value', problems: [p] });
      continue;
    }
    if (typeof v !== 'object' || v === null || Buffer.isBuffer(v)) continue;
    if (depth >= INPUT_LIMITS.maxDepth)
      fail([
        {
          field: path || 'body',
          problems: [`nests objects or arrays deeper than ${INPUT_LIMITS.maxDepth} levels`],
        },
      ]);
    const isArray = Array.isArray(v);
    const keys = isArray ? undefined : Object.keys(v);
    entries += isArray ? v.length : keys!.length;
    if (entries > INPUT_LIMITS.maxEntries)
      fail([
        {
          field: root || 'request',
          problems: [`holds more than ${INPUT_LIMITS.maxEntries} fields and list items in all`],
        },
      ]);
    if (isArray) {
      v.forEach((item: unknown, i) => stack.push({ value: item, path: join(path, i), depth: depth + 1 }));
      continue;
    }
    for (const key of keys!) {
      const p = FORBIDDEN_KEYS.has(key)
        ? `key "${key}" is not allowed`
        : controlProblem(key, `key ${JSON.stringify(shown(key))}`);
      if (p) problems.push({ field: path || 'body', problems: [p] });
      stack.push({ value: (v as Record<string, unknown>)[key], path: join(path, key), depth: depth + 1 });
    }
  }
  if (problems.length > 0) fail(problems);
}

/** Property names a DTO class declares (any class-validator decorator, `@IsOptional` and `@Allow` included). */
const declared = new WeakMap<object, ReadonlySet<string>>();

function declaredProperties(type: NonNullable<ArgumentMetadata['metatype']>): ReadonlySet<string> {
  let names = declared.get(type);
  if (!names) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
    names = new Set(metadata.map((m) => m.propertyName));
    declared.set(type, names);
  }
  return names;
}

function flatten(errors: readonly ClassValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${shown(e.property)}` : shown(e.property);
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * DTO validation for every route. Before any per-field work, {@link screenInput} bounds the shape and refuses
 * control characters in every body, query and path parameter, and a body's or query's keys are checked against the
 * DTO's declared properties (unknown properties are refused: a misspelt filter must not be ignored). Then values
 * are converted to the DTO's types and validated; failures become one `VALIDATION_FAILED` error listing the first
 * few problems by field.
 */
class ApiValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      screenInput(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
      this.refuseUnknownKeys(value, metadata);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }

  private refuseUnknownKeys(value: unknown, metadata: ArgumentMetadata): void {
    const type = metadata.metatype;
    if (metadata.type === 'param' || metadata.data || !type || !this.toValidate(metadata)) return;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    const known = declaredProperties(type);
    if (known.size === 0) return;
    const unknown = Object.keys(value).filter((k) => !known.has(k));
    if (unknown.length === 0) return;
    const listed = unknown.slice(0, INPUT_LIMITS.maxProblems);
    fail(
      listed.map((k) => ({ field: shown(k), problems: [`property ${shown(k)} should not exist`] })),
      unknown.length - listed.length,
    );
  }
}

export function apiValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => fail(flatten(errors)),
  });
}
