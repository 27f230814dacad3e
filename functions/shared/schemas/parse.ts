import type * as z from 'zod/mini';
import { ValidationError } from '../errors';

/** `address.postalCode`, `lines[2].chargeCents`: a zod issue path as kneadpay's errors name fields. */
export const fieldOf = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((name, part) => (typeof part === 'number' ? `${name}[${part}]` : name ? `${name}.${String(part)}` : String(part)), '');

/** What a schema's custom issue may carry: a message that already names its field, extra details. */
interface IssueParams {
  wholeMessage?: boolean;
  /** The message follows the name of the field's parent (`lines[2]` + `: give units`), not the field's own. */
  afterParent?: boolean;
  details?: Record<string, unknown>;
}

/**
 * The one adapter from zod to the API's 400: one problem, the first (by `first`, the fields a
 * handler always checked before the others, then by the schema's key order), as
 * `{"code":"validation_error","message":"<field> <problem>","details":{"field":"<field>"}}`.
 */
export const validationErrorOf = (error: { issues: readonly z.core.$ZodIssue[] }, first: readonly string[] = []): ValidationError => {
  const rank = (field: string, index: number) => {
    const at = first.indexOf(field);
    return at >= 0 ? at : first.length + index;
  };
  const [issue] = error.issues.map((candidate, index) => ({ candidate, field: fieldOf(candidate.path), index })).sort((a, b) => rank(a.field, a.index) - rank(b.field, b.index));
  const { candidate, field } = issue!;
  const params = ((candidate as { params?: IssueParams }).params ?? {}) as IssueParams;
  const message = params.wholeMessage || !field ? candidate.message : params.afterParent ? `${fieldOf(candidate.path.slice(0, -1))}${candidate.message}` : `${field} ${candidate.message}`;
  return new ValidationError(message, { field: field || 'body', ...params.details });
};

/** Parses a request body with its schema; a bad one throws the ValidationError a client sees as 400. */
export const parseBody = <S extends z.ZodMiniType>(schema: S, body: unknown, first: readonly string[] = []): z.output<S> => {
  const result = schema.safeParse(body);
  if (!result.success) throw validationErrorOf(result.error, first);
  return result.data;
};
