/**
 * `Idempotency-Key` semantics: the first answer to a POST with a key is stored (status and body);
 * the same key with the same method, path, account and parameters replays it; different parameters
 * (or a different endpoint) are a 400 `idempotency_error`. Keys expire after a configurable age
 * (Stripe: at least 24 h), measured on the emulator's clock.
 */
import type { Account } from './store';
import { StripeApiError } from './errors';

export interface StoredAnswer {
  status: number;
  body: string;
  requestId: string;
}

export interface Entry extends StoredAnswer {
  method: string;
  path: string;
  params: string;
  storedAtMs: number;
}

export type Lookup = { kind: 'none' } | { kind: 'replay'; answer: StoredAnswer };

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    public ttlSeconds: number,
    private readonly nowMs: () => number,
  ) {}

  private keyOf(account: Account, key: string) {
    return `${account ?? 'platform'}\n${key}`;
  }

  private live(account: Account, key: string): Entry | undefined {
    const id = this.keyOf(account, key);
    const entry = this.entries.get(id);
    if (entry && this.nowMs() - entry.storedAtMs >= this.ttlSeconds * 1000) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  check(account: Account, key: string, method: string, path: string, params: string): Lookup {
    if (key.length > 255)
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        message: `Idempotency key is too long: ${key.length} characters; the maximum is 255.`,
      });
    const entry = this.live(account, key);
    if (!entry) return { kind: 'none' };
    if (entry.method !== method || entry.path !== path)
      throw new StripeApiError(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${entry.method} ${entry.path}' vs '${method} ${path}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    if (entry.params !== params)
      throw new StripeApiError(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    return { kind: 'replay', answer: entry };
  }

  store(account: Account, key: string, method: string, path: string, params: string, answer: StoredAnswer): void {
    this.entries.set(this.keyOf(account, key), { ...answer, method, path, params, storedAtMs: this.nowMs() });
  }

  /** Forgets every stored key now ("a retry days later"). */
  expireAll(): number {
    const count = this.entries.size;
    this.entries.clear();
    return count;
  }

  /**
   * Forgets now the keys stored for these accounts only (`null`: the platform's own), so a test
   * that lets Stripe forget its keys does not make another test's retry, running at the same time
   * on its own account, a new request.
   */
  expireFor(accounts: readonly Account[]): number {
    const prefixes = accounts.map((account) => this.keyOf(account, ''));
    let count = 0;
    for (const id of [...this.entries.keys()]) {
      if (prefixes.some((prefix) => id.startsWith(prefix))) {
        this.entries.delete(id);
        count += 1;
      }
    }
    return count;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The stored keys as plain data (a restart keeps them: Stripe keeps a key 24 h). */
  snapshot(): Array<[string, Entry]> {
    return [...this.entries];
  }

  restore(entries: ReadonlyArray<[string, Entry]>): void {
    this.entries.clear();
    for (const [id, entry] of entries) this.entries.set(id, entry);
  }
}
