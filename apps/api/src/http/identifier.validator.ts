import { ValidateBy, type ValidationOptions } from 'class-validator';
import { identifierProblem, normalizeIdentifier } from '@vitrine/catalog';

/**
 * A string the catalog finds or groups products by (SKU, brand, category): refuses bidirectional control
 * characters and lone surrogates with the catalog's own rule ({@link identifierProblem}), so the API answers 400
 * naming the field before any work. The catalog stores the NFC form.
 */
export function IsIdentifier(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIdentifier',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || identifierProblem(value) === undefined,
        defaultMessage: (args) =>
          identifierProblem(typeof args?.value === 'string' ? args.value : '') ??
          'must be a valid identifier',
      },
    },
    options,
  );
}

/**
 * class-transformer `@Transform` for a filter on identifiers (one value or a list): the list, each string in NFC,
 * so a brand or category typed decomposed matches the stored (NFC) value.
 */
export const toIdentifierList = ({ value }: { value: unknown }): unknown => {
  const list = typeof value === 'string' ? [value] : value;
  return Array.isArray(list)
    ? list.map((v: unknown) => (typeof v === 'string' ? normalizeIdentifier(v) : v))
    : list;
};
