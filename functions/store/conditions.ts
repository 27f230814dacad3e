/**
 * "null" and "absent" mean the same in the table (audit g2, after bug 110): an attribute a writer
 * cleared by storing `null` in it (`writeOffRequest`, `stripeInvoiceId` after a desk payment, an
 * invoice's `emailedAt` before its email …) and one never written are one state, as every reader
 * treats them (`!invoice.writeOffRequest`, `x ?? 0`). DynamoDB does not: `attribute_not_exists(x)` is
 * false for `x = null`, and `attribute_exists(x)` true. So every condition (and filter) on whether a
 * non-key attribute is there goes through `absent` / `present`, and never `attribute_exists(` or
 * `attribute_not_exists(` by hand (test/infra/null-absent.test.ts keeps that so). Items already
 * stored with `null` read right without a migration; writers may keep clearing by `null` or `REMOVE`.
 *
 * Both use the placeholder `:null`: add `nullValue(…)` of the expressions to the command's values
 * (DynamoDB refuses a placeholder an expression does not use, so it is there only when one does).
 * Key conditions on `pk` (the item exists) stay `attribute_exists(pk)` / `attribute_not_exists(pk)`.
 *
 * Not for the attributes whose `null` is a value: an invoice's or a package's `stripeAccountId` and a
 * client's `stripeCustomerAccount` hold `null` for the platform's own account, and are absent on items
 * written before they were recorded (docs/data-model.md "Null means absent"): compare their values.
 */

/** The value placeholder `absent` and `present` compare with. */
export const NULL_PLACEHOLDER = ':null';

/** `path` (an attribute name, a `#name` placeholder or a document path such as `writeOffRequest.amountCents`) is not there or holds `null`. */
export const absent = (path: string): string => `(attribute_not_exists(${path}) OR ${path} = ${NULL_PLACEHOLDER})`;

/** `path` is there and holds something other than `null`. */
export const present = (path: string): string => `(attribute_exists(${path}) AND ${path} <> ${NULL_PLACEHOLDER})`;

const USES_NULL = new RegExp(`${NULL_PLACEHOLDER}(?![A-Za-z0-9_])`);

/** `{':null': null}` when one of the expressions uses it (through `absent` / `present`), else `{}`: spread it into `ExpressionAttributeValues`. */
export const nullValue = (...expressions: (string | undefined)[]): { [NULL_PLACEHOLDER]?: null } =>
  expressions.some((expression) => expression !== undefined && USES_NULL.test(expression)) ? { [NULL_PLACEHOLDER]: null } : {};
