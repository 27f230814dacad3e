/**
 * Injected faults for reliability tests: a status answer (500, 429, 409, 402, …), a connection
 * reset, a request left unanswered (timeout), or added latency — on requests whose path starts with
 * `path` (a `path` starting with `^` is a regular expression, as is `pathPattern`), optionally only for one method or account, for `count`
 * requests after skipping `skip`. Also an optional per-second rate limit like Stripe's.
 */
import { newId } from './ids';

export type FaultType = 'status' | 'reset' | 'timeout' | 'latency';

export interface FaultInput {
  path?: string;
  pathPattern?: string;
  method?: string;
  account?: string;
  type?: FaultType;
  status?: number;
  /** How many matching requests it hits (default 1); `null` = every one until cleared. */
  count?: number | null;
  /** Matching requests to let through before the fault starts hitting. */
  skip?: number;
  latencyMs?: number;
  code?: string;
  message?: string;
  errorType?: string;
  /** Sets `Stripe-Should-Retry` on status faults. */
  shouldRetry?: boolean;
}

export interface Fault extends Required<Pick<FaultInput, 'type' | 'status' | 'skip' | 'latencyMs'>> {
  id: string;
  path: string | null;
  pathPattern: string | null;
  method: string | null;
  account: string | null;
  count: number | null;
  code: string | null;
  message: string | null;
  errorType: string | null;
  shouldRetry: boolean | null;
  hits: number;
  seen: number;
}

const FAULT_TYPES: readonly FaultType[] = ['status', 'reset', 'timeout', 'latency'];

export const parseFault = (input: unknown): Fault => {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new Error('a fault is a JSON object');
  const raw = input as Record<string, unknown>;
  const known = ['path', 'pathPattern', 'method', 'account', 'type', 'status', 'count', 'skip', 'latencyMs', 'code', 'message', 'errorType', 'shouldRetry'];
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length) throw new Error(`unknown fault field(s): ${unknown.join(', ')}`);
  const optString = (name: string): string | null => {
    const value = raw[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw new Error(`${name} must be a string`);
    return value;
  };
  const optInt = (name: string, fallback: number): number => {
    const value = raw[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
    return value;
  };
  const status = optInt('status', 500);
  const latencyMs = optInt('latencyMs', 0);
  const typeRaw = optString('type');
  const type: FaultType = typeRaw
    ? FAULT_TYPES.includes(typeRaw as FaultType)
      ? (typeRaw as FaultType)
      : (() => {
          throw new Error(`type must be one of ${FAULT_TYPES.join(', ')}`);
        })()
    : raw.status === undefined && latencyMs > 0
      ? 'latency'
      : 'status';
  if (type === 'status' && (status < 400 || status > 599)) throw new Error('status must be 400–599');
  const pathPattern = optString('pathPattern');
  if (pathPattern) new RegExp(pathPattern); // throws on a bad pattern
  const pathRaw = optString('path');
  if (pathRaw?.startsWith('^')) new RegExp(pathRaw);
  const count = raw.count === null ? null : optInt('count', 1);
  const shouldRetry = raw.shouldRetry;
  if (shouldRetry !== undefined && typeof shouldRetry !== 'boolean') throw new Error('shouldRetry must be a boolean');
  return {
    id: newId('fault', 12),
    path: pathRaw,
    pathPattern,
    method: optString('method')?.toUpperCase() ?? null,
    account: optString('account'),
    type,
    status,
    count,
    skip: optInt('skip', 0),
    latencyMs,
    code: optString('code'),
    message: optString('message'),
    errorType: optString('errorType'),
    shouldRetry: shouldRetry ?? null,
    hits: 0,
    seen: 0,
  };
};

export class Faults {
  faults: Fault[] = [];
  rateLimitPerSecond: number | null = null;
  private window = { second: 0, count: 0 };

  add(fault: Fault): void {
    this.faults.push(fault);
  }

  clear(): void {
    this.faults = [];
  }

  /** Forgets one account's faults only. */
  clearFor(account: string): void {
    this.faults = this.faults.filter((fault) => fault.account !== account);
  }

  /** The fault that hits this request, if any (counts it). */
  take(method: string, path: string, account: string | null): Fault | undefined {
    for (const fault of this.faults) {
      if (fault.method && fault.method !== method) continue;
      if (fault.account && fault.account !== account) continue;
      if (fault.path && !(fault.path.startsWith('^') ? new RegExp(fault.path).test(path) : path.startsWith(fault.path))) continue;
      if (fault.pathPattern && !new RegExp(fault.pathPattern).test(path)) continue;
      if (fault.count !== null && fault.hits >= fault.count) continue;
      fault.seen++;
      if (fault.seen <= fault.skip) continue;
      fault.hits++;
      return fault;
    }
    return undefined;
  }

  /** True when this request is over the configured per-second limit. */
  overRateLimit(): boolean {
    if (!this.rateLimitPerSecond) return false;
    const second = Math.floor(Date.now() / 1000);
    if (this.window.second !== second) this.window = { second, count: 0 };
    this.window.count++;
    return this.window.count > this.rateLimitPerSecond;
  }
}

export const defaultFaultError = (status: number): { type: string; code: string; message: string } => {
  switch (status) {
    case 429:
      return {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
      };
    case 409:
      return {
        type: 'invalid_request_error',
        code: 'lock_timeout',
        message: 'This object cannot be accessed right now because another API request or Stripe process is currently accessing it.',
      };
    case 402:
      return { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' };
    case 400:
      return { type: 'invalid_request_error', code: 'parameter_invalid', message: 'Injected fault: bad request.' };
    case 401:
      return { type: 'authentication_error', code: 'api_key_expired', message: 'Injected fault: the API key expired.' };
    case 404:
      return { type: 'invalid_request_error', code: 'resource_missing', message: 'Injected fault: no such object.' };
    default:
      return {
        type: 'api_error',
        code: 'api_error',
        message: 'An unknown error occurred (injected by the Stripe emulator).',
      };
  }
};
