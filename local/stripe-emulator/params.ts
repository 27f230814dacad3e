/**
 * Parameter specs: the allowlist of what each endpoint accepts (anything else is rejected with
 * `parameter_unknown`, as Stripe does), how form strings are coerced (integers, booleans, arrays,
 * hashes), and the TypeScript type handlers receive — inferred from the spec, so what a handler
 * reads is exactly what was validated.
 */
import { paramError } from './errors';
import type { FormTree, FormValue } from './form';

interface Base {
  required?: boolean;
  /** `''` unsets the parameter: it arrives as `null`. */
  emptyable?: boolean;
}
export interface StrSpec<E extends string = string> extends Base {
  kind: 'string';
  values?: readonly E[];
  maxLength?: number;
}
export interface IntSpec extends Base {
  kind: 'integer';
  min?: number;
  max?: number;
}
export interface BoolSpec extends Base {
  kind: 'boolean';
}
/** A decimal number sent as a string (e.g. `unit_amount_decimal`). */
export interface DecimalSpec extends Base {
  kind: 'decimal';
}
/** `metadata[k]=v`; `metadata[k]=` deletes a key, `metadata=` clears all. */
export interface MetaSpec extends Base {
  kind: 'metadata';
}
/** `created=123` or `created[gte]=…&created[lt]=…`. */
export interface RangeSpec extends Base {
  kind: 'range';
}
export interface ObjSpec<F extends Fields = Fields> extends Base {
  kind: 'object';
  fields: F;
}
export interface ArrSpec<S extends Spec = Spec> extends Base {
  kind: 'array';
  of: S;
  maxItems?: number;
}
export type Spec = StrSpec<string> | IntSpec | BoolSpec | DecimalSpec | MetaSpec | RangeSpec | ObjSpec<Fields> | ArrSpec<Spec>;
export type Fields = { [key: string]: Spec };

export interface Range {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

type ValueOf<S> =
  S extends StrSpec<infer E>
    ? E
    : S extends IntSpec
      ? number
      : S extends BoolSpec
        ? boolean
        : S extends DecimalSpec
          ? string
          : S extends MetaSpec
            ? Record<string, string>
            : S extends RangeSpec
              ? number | Range
              : S extends ObjSpec<infer F>
                ? Shape<F>
                : S extends ArrSpec<infer I>
                  ? Array<Out<I>>
                  : never;
export type Out<S> = ValueOf<S> | (S extends { emptyable: true } ? null : never);
type RequiredKeys<F> = { [K in keyof F]: F[K] extends { required: true } ? K : never }[keyof F];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type Shape<F> = Simplify<{ [K in RequiredKeys<F> & keyof F]: Out<F[K]> } & { [K in Exclude<keyof F, RequiredKeys<F>>]?: Out<F[K]> }>;

// ---- builders ---------------------------------------------------------------------------------

export const str = <const E extends string = string>(opts: { values?: readonly E[]; maxLength?: number } = {}): StrSpec<E> => ({
  kind: 'string',
  ...opts,
});
export const int = (opts: { min?: number; max?: number } = {}): IntSpec => ({ kind: 'integer', ...opts });
export const bool = (): BoolSpec => ({ kind: 'boolean' });
export const decimal = (): DecimalSpec => ({ kind: 'decimal' });
export const metadata = (): MetaSpec & { emptyable: true } => ({ kind: 'metadata', emptyable: true });
export const range = (): RangeSpec => ({ kind: 'range' });
export const obj = <const F extends Fields>(fields: F): ObjSpec<F> => ({ kind: 'object', fields });
export const arr = <S extends Spec>(of: S, maxItems?: number): ArrSpec<S> => ({
  kind: 'array',
  of,
  ...(maxItems !== undefined ? { maxItems } : {}),
});
export const required = <S extends Spec>(spec: S): S & { required: true } => ({ ...spec, required: true });
export const emptyable = <S extends Spec>(spec: S): S & { emptyable: true } => ({ ...spec, emptyable: true });

/**
 * Top-level fields of an endpoint, with their names checked against the stripe package's own
 * params type `P` (a misspelt or invented parameter name is a compile error).
 */
export const paramsFor =
  <P>() =>
  <const F extends Fields & { [K in keyof F]: K extends keyof P ? Spec : never }>(fields: F): F =>
    fields;

/** Accepted by every endpoint. */
export const common = { expand: arr(str()) } as const;
/** Accepted by every list endpoint. */
export const listing = {
  ...common,
  limit: int({ min: 1, max: 100 }),
  starting_after: str(),
  ending_before: str(),
  created: range(),
} as const;

// ---- validation -------------------------------------------------------------------------------

const isTree = (v: FormValue | undefined): v is FormTree => typeof v === 'object' && v !== null;
const child = (path: string, key: string) => (path ? `${path}[${key}]` : key);

const checkUnknown = (fields: Fields, tree: FormTree, path: string) => {
  const unknown = Object.keys(tree).filter((key) => !Object.prototype.hasOwnProperty.call(fields, key));
  if (unknown.length === 0) return;
  const names = unknown.map((k) => child(path, k));
  throw paramError(names.length === 1 ? `Received unknown parameter: ${names[0]}` : `Received unknown parameters: ${names.join(', ')}`, names[0] ?? path, 'parameter_unknown');
};

const integerOf = (raw: string, path: string, spec: IntSpec): number => {
  if (!/^-?\d+$/.test(raw.trim())) throw paramError(`Invalid integer: ${raw}`, path, 'parameter_invalid_integer');
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw paramError(`Invalid integer: ${raw}`, path, 'parameter_invalid_integer');
  if (spec.min !== undefined && value < spec.min) throw paramError(`This value must be greater than or equal to ${spec.min}.`, path, 'parameter_invalid_integer');
  if (spec.max !== undefined && value > spec.max) throw paramError(`This value must be less than or equal to ${spec.max}.`, path, 'parameter_invalid_integer');
  return value;
};

const coerce = (spec: Spec, raw: FormValue, path: string): unknown => {
  if (raw === '' && spec.kind !== 'string' && spec.kind !== 'metadata') {
    if (spec.emptyable) return null;
    throw paramError(
      `You passed an empty string for '${path}'. We assume empty values are an attempt to unset a parameter; however '${path}' cannot be unset. You should remove '${path}' from your request or supply a non-empty value.`,
      path,
      'parameter_invalid_empty',
    );
  }
  switch (spec.kind) {
    case 'string': {
      if (isTree(raw)) throw paramError(`Invalid string: ${path} must be a string, not a hash or array`, path);
      if (raw === '') {
        if (spec.emptyable) return null;
        throw paramError(
          `You passed an empty string for '${path}'. We assume empty values are an attempt to unset a parameter; however '${path}' cannot be unset. You should remove '${path}' from your request or supply a non-empty value.`,
          path,
          'parameter_invalid_empty',
        );
      }
      if (spec.values && !spec.values.includes(raw)) throw paramError(`Invalid ${path}: must be one of ${spec.values.join(', ')}`, path);
      if (spec.maxLength !== undefined && raw.length > spec.maxLength) throw paramError(`Invalid ${path}: must be at most ${spec.maxLength} characters`, path, 'parameter_invalid_string');
      return raw;
    }
    case 'integer':
      if (isTree(raw)) throw paramError(`Invalid integer: ${path} must be an integer`, path, 'parameter_invalid_integer');
      return integerOf(raw, path, spec);
    case 'decimal':
      if (isTree(raw) || !/^-?\d+(\.\d+)?$/.test(raw)) throw paramError(`Invalid decimal: ${String(isTree(raw) ? path : raw)}`, path);
      return raw;
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw paramError(`Invalid boolean: ${isTree(raw) ? path : raw}`, path);
    case 'metadata': {
      if (raw === '') return spec.emptyable ? null : {};
      if (!isTree(raw)) throw paramError(`Invalid hash`, path);
      const entries = Object.entries(raw);
      if (entries.length > 50) throw paramError('Metadata can have at most 50 keys.', path);
      const out: Record<string, string> = {};
      for (const [key, value] of entries) {
        if (isTree(value)) throw paramError(`Invalid value for ${child(path, key)}: metadata values must be strings`, child(path, key));
        if (key.length > 40) throw paramError(`Metadata keys can have up to 40 characters; ${key.slice(0, 40)}… is too long.`, child(path, key));
        if (value.length > 500) throw paramError(`Metadata values can have up to 500 characters, but you passed in a value that is ${value.length} characters.`, child(path, key));
        out[key] = value;
      }
      return out;
    }
    case 'range': {
      if (!isTree(raw)) return integerOf(raw, path, { kind: 'integer' });
      const fields = { gt: int(), gte: int(), lt: int(), lte: int() };
      checkUnknown(fields, raw, path);
      const out: Range = {};
      for (const key of ['gt', 'gte', 'lt', 'lte'] as const) {
        const value = raw[key];
        if (value !== undefined) out[key] = integerOf(isTree(value) ? path : value, child(path, key), { kind: 'integer' });
      }
      return out;
    }
    case 'object':
      if (!isTree(raw)) throw paramError('Invalid hash', path);
      return validateFields(spec.fields, raw, path);
    case 'array': {
      if (!isTree(raw)) throw paramError('Invalid array', path);
      const keys = Object.keys(raw);
      if (!keys.every((k) => /^\d+$/.test(k))) throw paramError('Invalid array', path);
      const sorted = keys.map(Number).sort((a, b) => a - b);
      if (spec.maxItems !== undefined && sorted.length > spec.maxItems) throw paramError(`Invalid array: ${path} can have at most ${spec.maxItems} items`, path);
      return sorted.map((index) => coerce(spec.of, raw[String(index)] ?? '', child(path, String(index))));
    }
  }
};

const validateFields = (fields: Fields, tree: FormTree, path: string): Record<string, unknown> => {
  checkUnknown(fields, tree, path);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(fields)) {
    const raw = tree[key];
    const name = child(path, key);
    if (raw === undefined) {
      if (spec.required) throw paramError(`Missing required param: ${name}.`, name, 'parameter_missing');
      continue;
    }
    out[key] = coerce(spec, raw, name);
  }
  return out;
};

/** Validates a parsed form against an endpoint's fields; throws Stripe's 400 on the first problem. */
export const validate = <F extends Fields>(fields: F, tree: FormTree): Shape<F> =>
  // The runtime walk above mirrors `Shape<F>` field by field; TypeScript cannot follow the recursion.
  validateFields(fields, tree, '') as Shape<F>;

/** Merges a metadata update into existing metadata: `''` values delete keys, `null` clears. */
export const mergeMetadata = (existing: Record<string, string> | null | undefined, update: Record<string, string> | null | undefined): Record<string, string> => {
  if (update === null) return {};
  const out: Record<string, string> = { ...(existing ?? {}) };
  if (!update) return out;
  for (const [key, value] of Object.entries(update)) {
    if (value === '') delete out[key];
    else out[key] = value;
  }
  return out;
};

export const inRange = (value: number, filter: number | Range | undefined): boolean => {
  if (filter === undefined) return true;
  if (typeof filter === 'number') return value === filter;
  return (
    (filter.gt === undefined || value > filter.gt) &&
    (filter.gte === undefined || value >= filter.gte) &&
    (filter.lt === undefined || value < filter.lt) &&
    (filter.lte === undefined || value <= filter.lte)
  );
};
