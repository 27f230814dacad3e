/**
 * What the request-body schemas (shared/schemas/requests.ts) and the domain share: a calendar date,
 * the email and currency patterns. Request bodies are read with the zod catalog, never field by
 * field (test/infra/request-bodies.test.ts).
 */

/** A real calendar date written YYYY-MM-DD (not 2026-02-30). */
export const isCalendarDate = (value: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const CURRENCY_PATTERN = /^[a-z]{3}$/;
