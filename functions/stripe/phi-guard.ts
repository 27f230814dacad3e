/**
 * Stripe signs no BAA, and its description and metadata can surface on receipts it emails, so no
 * PHI may reach any Stripe field (DOMAIN.md §6, docs/architecture.md "What Stripe may hold"). Every
 * request kneadpay sends passes this guard: a finding is a bug in kneadpay, so the request is
 * refused, not sent. The one exception is the Customer's own `name` and `email` (payment data:
 * Stripe needs the email to send an invoice), allowed only where the gateway creates or updates a
 * Customer (`contact: true`), and only at the top level of those params.
 */
const PATTERNS: { what: string; pattern: RegExp }[] = [
  { what: 'an email address', pattern: /[^\s@]+@[^\s@]+\.[^\s@]+/ },
  // CPT / HCPCS procedure codes: five digits (97124) or a letter and four digits (G0283).
  { what: 'a procedure code', pattern: /(^|[^A-Za-z0-9_])(\d{5}|[A-V]\d{4})($|[^A-Za-z0-9_])/ },
  // ICD-10-CM: letter, digit, alphanumeric, optional dot and up to four more (M54.2, S13.4XXA).
  { what: 'a diagnosis code', pattern: /(^|[^A-Za-z0-9_])[A-TV-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?($|[^A-Za-z0-9_])/ },
  { what: 'a clinical or insurance word', pattern: /\b(diagnos\w*|icd|cpt|claim|payer|copay|deductible|coinsurance|therap(y|eutic)|injur\w*|pain)\b/i },
];

/** Keys whose values are ours and opaque (ids, urls, enums) — still checked, but never free text. */
const NUMERIC_KEYS = new Set(['amount', 'unit_amount', 'quantity', 'days_until_due', 'expires_at', 'limit']);
/**
 * kneadpay's own integer metadata, written as digits because Stripe metadata values are strings:
 * a fee of 10000 cents is not a procedure code. Only a string of digits passes under these keys.
 */
const INTEGER_METADATA_KEYS = new Set(['platformFeeCents', 'sessionsTotal', 'expiresInDays']);

export interface PhiGuardOptions {
  /** A Customer create/update: its top-level `name` and `email` are the client's contact details. */
  contact?: boolean;
}

const EMAIL_ONLY = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class PhiInStripeRequestError extends Error {
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(`refusing to send ${what} to Stripe in ${path}`);
    this.name = 'PhiInStripeRequestError';
  }
}

/** Throws when any string in `params` looks like PHI. `path` names the field for the fix. */
export const assertNoPhi = (params: unknown, path = 'params', options: PhiGuardOptions = {}): void => {
  if (options.contact && params && typeof params === 'object' && !Array.isArray(params)) {
    const { name, email, ...rest } = params as Record<string, unknown>;
    if (email !== undefined && email !== null && (typeof email !== 'string' || !EMAIL_ONLY.test(email))) throw new PhiInStripeRequestError(`${path}.email`, 'something other than one email address');
    if (name !== undefined && name !== null && typeof name !== 'string') throw new PhiInStripeRequestError(`${path}.name`, 'something other than a name');
    assertNoPhi(rest, path);
    return;
  }
  if (typeof params === 'string') {
    // URLs we build point at our own pages and carry opaque ids only.
    if (/^https?:\/\//.test(params)) return;
    for (const { what, pattern } of PATTERNS) if (pattern.test(params)) throw new PhiInStripeRequestError(path, what);
    return;
  }
  if (Array.isArray(params)) {
    params.forEach((value, index) => assertNoPhi(value, `${path}[${index}]`));
    return;
  }
  if (params && typeof params === 'object') {
    for (const [key, value] of Object.entries(params)) {
      if (NUMERIC_KEYS.has(key) && typeof value === 'number') continue;
      if (INTEGER_METADATA_KEYS.has(key) && typeof value === 'string' && /^\d{1,15}$/.test(value)) continue;
      assertNoPhi(value, `${path}.${key}`);
    }
  }
};
