/**
 * `fields()`, the request-body reader kneadpay used before the zod catalog
 * (functions/shared/schemas/requests.ts), kept here word for word as the reference the schema tests
 * compare the catalog with: same answer, same field named first, on generated bodies.
 */
import { ValidationError } from '../../functions/shared/errors';

export interface FieldReader {
  string(field: string, opts?: { optional?: false; max?: number; pattern?: RegExp; hint?: string }): string;
  string(field: string, opts: { optional: true; max?: number; pattern?: RegExp; hint?: string }): string | undefined;
  int(field: string, opts?: { optional?: false; min?: number; max?: number }): number;
  int(field: string, opts: { optional: true; min?: number; max?: number }): number | undefined;
  oneOf<T extends string>(field: string, values: readonly T[], opts?: { optional?: false }): T;
  oneOf<T extends string>(field: string, values: readonly T[], opts: { optional: true }): T | undefined;
  object(field: string, opts?: { optional?: false }): FieldReader;
  object(field: string, opts: { optional: true }): FieldReader | undefined;
  array(field: string, opts?: { optional?: boolean; max?: number }): unknown[] | undefined;
  has(field: string): boolean;
  path(field: string): string;
}

const isMissing = (value: unknown) => value === undefined || value === null || value === '';

export const fields = (source: Record<string, unknown>, prefix = ''): FieldReader => {
  const path = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const fail = (field: string, message: string): never => {
    throw new ValidationError(`${path(field)} ${message}`, { field: path(field) });
  };
  const reader: FieldReader = {
    path,
    has: (field) => !isMissing(source[field]),
    string: ((field: string, opts: { optional?: boolean; max?: number; pattern?: RegExp; hint?: string } = {}) => {
      const value = source[field];
      if (isMissing(value)) return opts.optional ? undefined : fail(field, 'is required');
      if (typeof value !== 'string') return fail(field, 'must be a string');
      const trimmed = value.trim();
      if (trimmed.length === 0) return opts.optional ? undefined : fail(field, 'is required');
      if (trimmed.length > (opts.max ?? 500)) return fail(field, `must be at most ${opts.max ?? 500} characters`);
      if (opts.pattern && !opts.pattern.test(trimmed)) return fail(field, `is not valid${opts.hint ? ` (${opts.hint})` : ''}`);
      return trimmed;
    }) as FieldReader['string'],
    int: ((field: string, opts: { optional?: boolean; min?: number; max?: number } = {}) => {
      const value = source[field];
      if (isMissing(value)) return opts.optional ? undefined : fail(field, 'is required');
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail(field, 'must be an integer');
      if (opts.min !== undefined && value < opts.min) return fail(field, `must be at least ${opts.min}`);
      if (opts.max !== undefined && value > opts.max) return fail(field, `must be at most ${opts.max}`);
      return value;
    }) as FieldReader['int'],
    oneOf: ((field: string, values: readonly string[], opts: { optional?: boolean } = {}) => {
      const value = source[field];
      if (isMissing(value)) return opts.optional ? undefined : fail(field, 'is required');
      if (typeof value !== 'string' || !values.includes(value)) return fail(field, `must be one of ${values.join(', ')}`);
      return value;
    }) as FieldReader['oneOf'],
    object: ((field: string, opts: { optional?: boolean } = {}) => {
      const value = source[field];
      if (isMissing(value)) return opts.optional ? undefined : fail(field, 'is required');
      if (typeof value !== 'object' || Array.isArray(value)) return fail(field, 'must be an object');
      return fields(value as Record<string, unknown>, path(field));
    }) as FieldReader['object'],
    array: (field, opts = {}) => {
      const value = source[field];
      if (isMissing(value)) return opts.optional ? undefined : fail(field, 'is required');
      if (!Array.isArray(value)) return fail(field, 'must be an array');
      if (opts.max !== undefined && value.length > opts.max) return fail(field, `must have at most ${opts.max} entries`);
      return value;
    },
  };
  return reader;
};
