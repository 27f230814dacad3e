/**
 * Admin endpoints (no API key; loopback only) that tests and the local stack use to steer the
 * emulator: faults, the request log, webhook deliveries and settings, idempotency expiry, the clock,
 * disputes, event re-sends and a full reset.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StripeApiError } from './errors';
import { parseFault } from './faults';
import { parseLooseBody, sendJson } from './http';
import { accountAdmin } from './resources/accounts';
import { sweepExpiredSessions } from './resources/checkout';
import { CHARGEBACK_OPEN, closeDispute, createDispute, DISPUTE_STATUSES, INQUIRY_OPEN, type DisputeStatus } from './resources/payments';
import { API_VERSION, type Ctx, type EmulatorState } from './state';

export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string) => new AdminError(400, message);

const stringList = (value: unknown, name: string): string[] => {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw bad(`${name} must be an array of strings`);
  for (const url of value) {
    try {
      new URL(url);
    } catch {
      throw bad(`${name}: '${url}' is not a URL`);
    }
  }
  return value;
};

const delays = (value: unknown): number[] => {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) throw bad('webhookRetryDelaysMs must be an array of non-negative integers');
  return value;
};

const nonNegative = (value: unknown, name: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw bad(`${name} must be a non-negative number`);
  return value;
};

export const configOf = (state: EmulatorState) => ({
  apiVersion: API_VERSION,
  webhookUrls: state.webhooks.settings.urls,
  webhookSecret: state.webhooks.settings.secret,
  webhookRetryDelaysMs: state.webhooks.settings.retryDelaysMs,
  webhookTimeoutMs: state.webhooks.settings.timeoutMs,
  webhookApiVersion: state.webhooks.settings.apiVersion ?? API_VERSION,
  idempotencyKeyTtlSeconds: state.idempotency.ttlSeconds,
  rateLimitPerSecond: state.faults.rateLimitPerSecond,
  clockOffsetSeconds: state.clockOffsetMs / 1000,
});

export const applyConfig = (state: EmulatorState, body: Record<string, unknown>): void => {
  const known = ['webhookUrls', 'webhookSecret', 'webhookRetryDelaysMs', 'webhookTimeoutMs', 'webhookApiVersion', 'idempotencyKeyTtlSeconds', 'idempotencyTtlSeconds', 'rateLimitPerSecond'];
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length) throw bad(`unknown setting(s): ${unknown.join(', ')} (known: ${known.join(', ')})`);
  if (body.webhookUrls !== undefined) state.webhooks.settings.urls = stringList(body.webhookUrls, 'webhookUrls');
  if (body.webhookSecret !== undefined) {
    if (typeof body.webhookSecret !== 'string' || !body.webhookSecret) throw bad('webhookSecret must be a non-empty string');
    state.webhooks.settings.secret = body.webhookSecret;
  }
  if (body.webhookRetryDelaysMs !== undefined) state.webhooks.settings.retryDelaysMs = delays(body.webhookRetryDelaysMs);
  if (body.webhookApiVersion !== undefined) {
    if (body.webhookApiVersion === null) delete state.webhooks.settings.apiVersion;
    else if (typeof body.webhookApiVersion !== 'string' || !/^\d{4}-\d{2}-\d{2}(\.\w+)?$/.test(body.webhookApiVersion))
      throw bad('webhookApiVersion must be a Stripe API version such as 2022-08-01 (or null for the default)');
    else state.webhooks.settings.apiVersion = body.webhookApiVersion;
  }
  if (body.webhookTimeoutMs !== undefined) state.webhooks.settings.timeoutMs = nonNegative(body.webhookTimeoutMs, 'webhookTimeoutMs');
  const ttl = body.idempotencyKeyTtlSeconds ?? body.idempotencyTtlSeconds;
  if (ttl !== undefined) state.idempotency.ttlSeconds = nonNegative(ttl, 'idempotencyKeyTtlSeconds');
  if (body.rateLimitPerSecond !== undefined) state.faults.rateLimitPerSecond = body.rateLimitPerSecond === null ? null : nonNegative(body.rateLimitPerSecond, 'rateLimitPerSecond') || null;
};

export const advanceClock = (state: EmulatorState, seconds: number): void => {
  state.clockOffsetMs += seconds * 1000;
  sweepExpiredSessions(state);
};

/**
 * An emulator shared by many test files at once (the test run's global stack) accepts only the
 * admin calls that touch the caller's own accounts: one file clearing every fault, the request log
 * or every idempotency key, or moving the clock, changes what another file is testing.
 */
const sharedEmulatorRefusal = (method: string, path: string, url: URL, body: unknown): string | undefined => {
  const key = `${method} ${path}`;
  const faults = Array.isArray(body) ? body : Array.isArray((body as { faults?: unknown }).faults) ? ((body as { faults: unknown[] }).faults as unknown[]) : [body];
  if (key === 'POST /_faults' && faults.some((fault) => typeof (fault as { account?: unknown })?.account !== 'string')) return 'a fault without an "account" would hit every test file';
  if (key === 'DELETE /_faults' && !url.searchParams.get('account')) return "DELETE /_faults clears every file's faults: give ?account=acct_…";
  if (key === 'DELETE /_requests' || key === 'DELETE /_deliveries') return `${key} clears what other files read: filter with ?since= or by account instead`;
  if (key === 'POST /_idempotency/expire') {
    const accounts = (body as { accounts?: unknown }).accounts;
    if (!Array.isArray(accounts) || accounts.some((account) => typeof account !== 'string'))
      return "expire only your own connected accounts' keys ({accounts: [\"acct_…\"]}): the platform's keys are every file's";
  }
  if (['POST /_clock', 'POST /_config', 'POST /_webhooks', 'POST /_reset'].includes(key)) return `${key} changes the emulator for every file: start an emulator of your own (startStripeEmulator)`;
  return undefined;
};

const adminCtx = (state: EmulatorState, account: string | null): Ctx => ({ state, account, request: { id: null, idempotency_key: null } });

const routeAdmin = async (state: EmulatorState, method: string, path: string, url: URL, body: Record<string, unknown>): Promise<unknown> => {
  const key = `${method} ${path}`;
  switch (key) {
    case 'GET /_health':
      return { ok: true };
    case 'GET /_config':
      return configOf(state);
    case 'POST /_config':
      applyConfig(state, body);
      return configOf(state);
    case 'GET /_webhooks':
      return { urls: state.webhooks.settings.urls, secret: state.webhooks.settings.secret };
    case 'POST /_webhooks': {
      const { urls, secret } = body;
      applyConfig(state, { ...(urls !== undefined ? { webhookUrls: urls } : {}), ...(secret !== undefined ? { webhookSecret: secret } : {}) });
      return { urls: state.webhooks.settings.urls, secret: state.webhooks.settings.secret };
    }
    case 'GET /_faults':
      return { faults: state.faults.faults, rateLimitPerSecond: state.faults.rateLimitPerSecond };
    case 'POST /_faults': {
      const inputs = Array.isArray(body) ? body : Array.isArray(body.faults) ? body.faults : [body];
      try {
        const faults = (inputs as unknown[]).map(parseFault);
        for (const fault of faults) state.faults.add(fault);
        return { faults };
      } catch (error) {
        throw bad((error as Error).message);
      }
    }
    case 'DELETE /_faults': {
      // `?account=acct_…` clears that account's faults only.
      const account = url.searchParams.get('account');
      if (account) {
        state.faults.clearFor(account);
        return { faults: state.faults.faults };
      }
      state.faults.clear();
      return { faults: [] };
    }
    case 'GET /_requests': {
      const prefix = url.searchParams.get('path');
      const only = url.searchParams.get('method')?.toUpperCase();
      // `?since=<ISO time>`: the requests recorded at or after it (a test's own window, without clearing the log).
      const since = url.searchParams.get('since');
      if (since !== null && Number.isNaN(Date.parse(since))) throw bad('since must be an ISO 8601 time');
      return {
        requests: state.requests.filter((r) => (!prefix || r.path.startsWith(prefix)) && (!only || r.method === only) && (since === null || r.at >= new Date(since).toISOString())),
      };
    }
    case 'DELETE /_requests':
      state.requests.length = 0;
      return { requests: [] };
    case 'GET /_deliveries': {
      const event = url.searchParams.get('event');
      const type = url.searchParams.get('type');
      const status = url.searchParams.get('state');
      return {
        deliveries: state.webhooks.deliveries.filter((d) => (!event || d.eventId === event) && (!type || d.eventType === type) && (!status || d.state === status)),
      };
    }
    case 'DELETE /_deliveries':
      state.webhooks.clear();
      return { deliveries: [] };
    case 'POST /_deliveries/wait': {
      const timeoutMs = body.timeoutMs === undefined ? 10_000 : nonNegative(body.timeoutMs, 'timeoutMs');
      try {
        await state.webhooks.whenIdle(timeoutMs);
      } catch (error) {
        throw new AdminError(408, (error as Error).message);
      }
      return { pending: 0 };
    }
    case 'POST /_idempotency/expire': {
      // `{accounts: ["acct_…" | null, …]}` forgets those accounts' keys only (null: the platform's); no body, every key.
      if (body.accounts === undefined) return { expired: state.idempotency.expireAll() };
      if (!Array.isArray(body.accounts) || body.accounts.some((a) => a !== null && (typeof a !== 'string' || !a))) throw bad('accounts must be a list of account ids (null for the platform)');
      return { expired: state.idempotency.expireFor(body.accounts as (string | null)[]) };
    }
    case 'GET /_clock':
      return { now: state.now(), offsetSeconds: state.clockOffsetMs / 1000 };
    case 'POST /_clock': {
      const seconds = body.advanceSeconds;
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw bad('advanceSeconds must be a non-negative number');
      advanceClock(state, seconds);
      return { now: state.now(), offsetSeconds: state.clockOffsetMs / 1000 };
    }
    case 'POST /_disputes': {
      const chargeId = typeof body.charge === 'string' ? body.charge : undefined;
      const intentId = typeof body.payment_intent === 'string' ? body.payment_intent : undefined;
      let found = chargeId ? state.store.locate('charge', chargeId) : undefined;
      if (!found && intentId) {
        const intent = state.store.locate('payment_intent', intentId);
        const latest = intent && typeof intent.object.latest_charge === 'string' ? intent.object.latest_charge : undefined;
        found = latest ? state.store.locate('charge', latest) : undefined;
      }
      if (!found) throw new AdminError(404, `no such charge (give "charge": "ch_…" or "payment_intent": "pi_…")`);
      const status = (body.status ?? 'needs_response') as DisputeStatus;
      if (!(DISPUTE_STATUSES as readonly unknown[]).includes(status)) throw bad(`status must be one of ${DISPUTE_STATUSES.join(', ')}`);
      if (body.amount !== undefined && (typeof body.amount !== 'number' || !Number.isInteger(body.amount) || body.amount <= 0)) throw bad('amount must be a positive integer');
      const ctx = adminCtx(state, found.account);
      // Created open (an inquiry for warning_*, else a chargeback), then moved to `status` as Stripe would.
      const open = (INQUIRY_OPEN as readonly string[]).includes(status) || (CHARGEBACK_OPEN as readonly string[]).includes(status);
      const dispute = createDispute(ctx, found.object, {
        ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
        ...(typeof body.amount === 'number' ? { amount: body.amount } : {}),
        status: open ? (status as (typeof INQUIRY_OPEN)[number]) : status === 'warning_closed' ? 'warning_needs_response' : 'needs_response',
      });
      if (!open) closeDispute(ctx, dispute, status);
      return dispute;
    }
    case 'POST /_reset':
      state.reset();
      return { ok: true };
    default:
      break;
  }
  const close = /^\/_disputes\/([^/]+)\/close$/.exec(path);
  if (method === 'POST' && close) {
    const found = state.store.locate('dispute', close[1] ?? '');
    if (!found) throw new AdminError(404, 'no such dispute');
    if (!(DISPUTE_STATUSES as readonly unknown[]).includes(body.status)) throw bad(`status must be one of ${DISPUTE_STATUSES.join(', ')}`);
    return closeDispute(adminCtx(state, found.account), found.object, body.status as DisputeStatus);
  }
  const resend = /^\/_events\/([^/]+)\/resend$/.exec(path);
  if (method === 'POST' && resend) {
    const queued = state.resend(resend[1] ?? '');
    if (!queued && !state.store.locate('event', resend[1] ?? '')) throw new AdminError(404, 'no such event');
    return { queued };
  }
  if (path.startsWith('/_accounts')) {
    const answer = accountAdmin(state, method, path, body);
    if (answer !== undefined) return answer;
  }
  throw new AdminError(404, `no admin endpoint ${method} ${path}`);
};

export const handleAdmin = async (state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL, rawBody: string): Promise<void> => {
  try {
    let body: Record<string, unknown>;
    try {
      body = parseLooseBody(req, rawBody) as Record<string, unknown>;
    } catch (error) {
      throw bad(`could not parse the body: ${(error as Error).message}`);
    }
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/$/, '');
    const refusal = state.sharedAdmin ? sharedEmulatorRefusal(method, path, url, body) : undefined;
    if (refusal) throw new AdminError(409, `this emulator is shared by the whole test run: ${refusal}`);
    sendJson(res, 200, await routeAdmin(state, method, path, url, body));
  } catch (error) {
    if (error instanceof AdminError) sendJson(res, error.status, { error: { message: error.message } });
    else if (error instanceof StripeApiError) sendJson(res, error.status, { error: error.body });
    else throw error;
  }
};
