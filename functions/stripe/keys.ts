/** Deterministic idempotency keys the gateway's callers build from kneadpay ids (DOMAIN.md §7). */
import { createHash } from 'node:crypto';

/** The key of one contact update of a client's Customer: the same details → the same key, new details → a new one. */
export const contactKey = (clientId: string, email: string, name: string): string => `cli:${clientId}:contact:${createHash('sha256').update(`${email}\n${name}`).digest('hex').slice(0, 24)}`;
