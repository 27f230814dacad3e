/**
 * Connect: connected accounts (`/v1/accounts`), Account Links (`/v1/account_links`), the hosted
 * onboarding page an Account Link's `url` points at, and the admin steps a test needs (deauthorize,
 * change what Stripe says about an account).
 *
 * Stripe's facts this copies (docs.stripe.com/api/accounts, /api/account_links, /connect/standard-accounts):
 * - An account is created by the platform; a new Standard account has `charges_enabled: false`,
 *   `payouts_enabled: false`, `details_submitted: false` and a `requirements.currently_due` list
 *   until its owner finishes onboarding.
 * - An Account Link (`type: account_onboarding` or `account_update`, `refresh_url`, `return_url`) is
 *   a single-use URL that expires a few minutes after creation; a used or expired link sends the
 *   user to `refresh_url`, a finished flow to `return_url`.
 * - Finishing onboarding changes the account: Stripe sends `account.updated` (with `account`).
 * - A Standard account's owner may disconnect the platform: `account.application.deauthorized`,
 *   after which the platform's key has no access to that account.
 * - A request whose `Stripe-Account` names an account that does not exist or is not connected to
 *   the platform is refused: `account_invalid`, "The provided key does not have access to account
 *   '…' (or that account does not exist). Application access may have been revoked."
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import { StripeApiError, invalidRequest } from '../errors';
import { newId } from '../ids';
import { parseLooseBody, redirect, sendHtml, sendJson, wantsJson } from '../http';
import { paginate } from '../list';
import { common, listing, mergeMetadata, metadata, paramsFor, required, str, type Shape } from '../params';
import { route } from '../route';
import type { Ctx, EmulatorState } from '../state';
import { need } from './common';

/** How long an Account Link may be used (Stripe: a few minutes). */
export const ACCOUNT_LINK_TTL_SECONDS = 300;

/** What a new Standard account still owes Stripe before it may charge. */
export const ONBOARDING_REQUIREMENTS = ['business_profile.url', 'external_account', 'tos_acceptance.date', 'tos_acceptance.ip'];

export interface Link {
  account: string;
  type: 'account_onboarding' | 'account_update';
  refreshUrl: string;
  returnUrl: string;
  expiresAt: number;
  used: boolean;
}

/** Connect state Stripe keeps off the account object: open links, disconnected accounts. */
interface ConnectState {
  links: Map<string, Link>;
  deauthorized: Set<string>;
}
const connectStates = new WeakMap<EmulatorState, ConnectState>();
const connectOf = (state: EmulatorState): ConnectState => {
  let found = connectStates.get(state);
  if (!found) {
    found = { links: new Map(), deauthorized: new Set() };
    connectStates.set(state, found);
  }
  return found;
};

/** The Connect state as plain data, and back (local/stripe-emulator/persist.ts). */
export const connectSnapshot = (state: EmulatorState): { links: Array<[string, Link]>; deauthorized: string[] } => {
  const connect = connectOf(state);
  return { links: [...connect.links], deauthorized: [...connect.deauthorized] };
};
export const restoreConnect = (state: EmulatorState, snapshot: { links: Array<[string, Link]>; deauthorized: string[] }): void => {
  connectStates.set(state, { links: new Map(snapshot.links), deauthorized: new Set(snapshot.deauthorized) });
};

/** Stripe's refusal of a `Stripe-Account` the key cannot act for. */
export const accountInvalid = (account: string): StripeApiError =>
  new StripeApiError(403, {
    type: 'invalid_request_error',
    code: 'account_invalid',
    message: `The provided key does not have access to account '${account}' (or that account does not exist). Application access may have been revoked.`,
  });

/** Is this account one the platform may act for (it exists and was not disconnected)? */
export const isConnected = (state: EmulatorState, account: string): boolean => !!state.store.get('account', account, null) && !connectOf(state).deauthorized.has(account);

/** Checked by the router on every request that carries `Stripe-Account`. */
export const refuseUnconnected = (state: EmulatorState, account: string | null): StripeApiError | undefined => (account !== null && !isConnected(state, account) ? accountInvalid(account) : undefined);

/** Stripe's `requirements`; `disabled_reason` is `requirements.past_due` while something is due, unless given. */
const requirements = (due: string[], disabledReason?: string | null): Stripe.Account.Requirements => ({
  alternatives: [],
  current_deadline: null,
  currently_due: [...due],
  disabled_reason: (disabledReason !== undefined ? disabledReason : due.length ? 'requirements.past_due' : null) as Stripe.Account.Requirements.DisabledReason | null,
  errors: [],
  eventually_due: [...due],
  past_due: [...due],
  pending_verification: [],
});

const accountFields = {
  email: str({ maxLength: 5000 }),
  metadata: metadata(),
  default_currency: str(),
};
const createFields = paramsFor<Stripe.AccountCreateParams>()({
  ...common,
  ...accountFields,
  type: str({ values: ['standard', 'express', 'custom'] }),
  country: str({ maxLength: 2 }),
  business_type: str({ values: ['individual', 'company', 'non_profit', 'government_entity'] }),
});
const updateFields = paramsFor<Stripe.AccountUpdateParams>()({ ...common, ...accountFields });
const listFields = paramsFor<Stripe.AccountListParams>()({ ...listing });
const linkFields = paramsFor<Stripe.AccountLinkCreateParams>()({
  ...common,
  account: required(str()),
  type: required(str({ values: ['account_onboarding', 'account_update'] })),
  refresh_url: str({ maxLength: 5000 }),
  return_url: str({ maxLength: 5000 }),
  collect: str({ values: ['currently_due', 'eventually_due'] }),
});

const platformOnly = (ctx: Ctx, what: string) => {
  if (ctx.account !== null) throw invalidRequest(`${what} must be made with the platform's key, without a Stripe-Account header.`);
};

const checkUrl = (value: string | undefined, param: string) => {
  if (value === undefined) throw invalidRequest(`Missing required param: ${param}.`, { param, code: 'parameter_missing', validation: true });
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw invalidRequest('Not a valid URL', { param, code: 'url_invalid', validation: true });
  }
};

export const createAccount = (ctx: Ctx, p: Shape<typeof createFields> & { id?: string }): Stripe.Account => {
  const type = p.type ?? 'standard';
  const account = {
    id: p.id ?? newId('acct', 16),
    object: 'account',
    business_profile: { mcc: null, name: null, product_description: null, support_address: null, support_email: null, support_phone: null, support_url: null, url: null },
    business_type: p.business_type ?? null,
    capabilities: {},
    charges_enabled: false,
    controller: { type: 'application', is_controller: true, requirement_collection: type === 'standard' ? 'stripe' : 'application' },
    country: p.country ?? 'US',
    created: ctx.state.now(),
    default_currency: p.default_currency ?? 'usd',
    details_submitted: false,
    email: p.email ?? null,
    external_accounts: { object: 'list', data: [], has_more: false, url: '/v1/accounts/external_accounts' },
    metadata: mergeMetadata({}, p.metadata),
    payouts_enabled: false,
    requirements: requirements(ONBOARDING_REQUIREMENTS),
    settings: null,
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type,
  } as unknown as Stripe.Account;
  ctx.state.store.insert('account', null, account);
  return account;
};

/** The account as the platform may see it, or Stripe's refusal. */
const connectedAccount = (ctx: Ctx, id: string): Stripe.Account => {
  if (connectOf(ctx.state).deauthorized.has(id)) throw accountInvalid(id);
  return need({ ...ctx, account: null }, 'account', id);
};

/** Sets what Stripe says about an account and sends `account.updated` when anything changed. */
export const changeAccount = (
  state: EmulatorState,
  account: Stripe.Account,
  change: { charges_enabled?: boolean; payouts_enabled?: boolean; details_submitted?: boolean; currently_due?: string[]; disabled_reason?: string | null },
  opts: { lost?: boolean } = {},
): Stripe.Account => {
  const before = structuredClone(account);
  if (change.charges_enabled !== undefined) account.charges_enabled = change.charges_enabled;
  if (change.payouts_enabled !== undefined) account.payouts_enabled = change.payouts_enabled;
  if (change.details_submitted !== undefined) account.details_submitted = change.details_submitted;
  if (change.currently_due !== undefined || change.disabled_reason !== undefined) {
    account.requirements = requirements(change.currently_due ?? account.requirements?.currently_due ?? [], change.disabled_reason);
  }
  const previous: Record<string, unknown> = {};
  for (const key of ['charges_enabled', 'payouts_enabled', 'details_submitted', 'requirements'] as const) {
    if (JSON.stringify(before[key]) !== JSON.stringify(account[key])) previous[key] = before[key];
  }
  if (Object.keys(previous).length) {
    // Connect events carry the connected account's id in `account`.
    state.emit({ state, account: account.id, request: { id: null, idempotency_key: null } }, 'account.updated', account, previous as Partial<Stripe.Account>, opts);
  }
  return account;
};

const completeOnboarding = (state: EmulatorState, account: Stripe.Account) =>
  changeAccount(state, account, { charges_enabled: true, payouts_enabled: true, details_submitted: true, currently_due: [] });

/** The platform loses access; Stripe sends `account.application.deauthorized` (with `account`). */
export const deauthorize = (state: EmulatorState, accountId: string): Stripe.Event => {
  const connect = connectOf(state);
  if (!state.store.get('account', accountId, null) || connect.deauthorized.has(accountId)) throw accountInvalid(accountId);
  connect.deauthorized.add(accountId);
  const application = { id: 'ca_kneadpay_emulator', object: 'application', name: 'kneadpay' } as unknown as Stripe.Application;
  return state.emit({ state, account: accountId, request: { id: null, idempotency_key: null } }, 'account.application.deauthorized', application);
};

export const accountRoutes = [
  route('POST', '/v1/accounts', createFields, (ctx, p) => {
    platformOnly(ctx, 'Connected accounts');
    return createAccount(ctx, p);
  }),
  route('GET', '/v1/accounts/:id', common, (ctx, _p, { id = '' }) => {
    platformOnly(ctx, 'Requests for connected accounts');
    return connectedAccount(ctx, id);
  }),
  route('POST', '/v1/accounts/:id', updateFields, (ctx, p, { id = '' }) => {
    platformOnly(ctx, 'Requests for connected accounts');
    const account = connectedAccount(ctx, id);
    if (p.email !== undefined) account.email = p.email;
    if (p.default_currency !== undefined) account.default_currency = p.default_currency;
    if (p.metadata !== undefined) account.metadata = mergeMetadata(account.metadata, p.metadata);
    return account;
  }),
  route('GET', '/v1/accounts', listFields, (ctx, p) => {
    platformOnly(ctx, 'Listing connected accounts');
    const gone = connectOf(ctx.state).deauthorized;
    return paginate(
      ctx.state.store.list('account', null, (a) => !gone.has(a.id)),
      p,
      '/v1/accounts',
      'account',
    );
  }),
  route('POST', '/v1/account_links', linkFields, (ctx, p) => {
    platformOnly(ctx, 'Account Links');
    checkUrl(p.refresh_url, 'refresh_url');
    checkUrl(p.return_url, 'return_url');
    const account = connectedAccount({ ...ctx }, p.account);
    const created = ctx.state.now();
    const token = newId('acctlink', 24);
    connectOf(ctx.state).links.set(token, {
      account: account.id,
      type: p.type,
      refreshUrl: p.refresh_url!,
      returnUrl: p.return_url!,
      expiresAt: created + ACCOUNT_LINK_TTL_SECONDS,
      used: false,
    });
    return { object: 'account_link', created, expires_at: created + ACCOUNT_LINK_TTL_SECONDS, url: `${ctx.state.baseUrl}/connect/onboarding/${token}` };
  }),
];

const escape = (text: unknown): string => String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const onboardingPage = (link: Link, account: Stripe.Account, token: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Set up payments — Stripe</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1a1f36}.banner{background:#fff4d6;padding:.5rem 1rem;text-align:center;font-size:.9rem}
main{max-width:34rem;margin:2rem auto;background:#fff;border:1px solid #d5dbe1;border-radius:12px;padding:1.5rem 2rem 2rem}
button{margin-top:1.5rem;width:100%;padding:.8rem;font:inherit;font-weight:700;color:#fff;background:#3d4eac;border:0;border-radius:6px;cursor:pointer}
button:focus-visible{outline:3px solid #f5a623;outline-offset:2px}.muted{color:#4f566b;font-size:.9rem}</style></head>
<body>
<div class="banner" role="note"><strong>Test mode</strong> — Stripe emulator. No real business details are collected.</div>
<main>
<h1>${link.type === 'account_onboarding' ? 'Set up payments' : 'Update your account'}</h1>
<p>Account <code>${escape(account.id)}</code> (${escape(account.type)}).</p>
<h2>What Stripe still needs</h2>
${account.requirements?.currently_due?.length ? `<ul>${account.requirements.currently_due.map((r) => `<li>${escape(r)}</li>`).join('')}</ul>` : '<p>Nothing: this account can accept payments.</p>'}
<form method="post" action="/connect/onboarding/${escape(token)}/complete">
<button type="submit">Complete onboarding</button>
</form>
<p class="muted">Completing submits test business details, accepts the terms of service and enables charges and payouts.</p>
</main>
</body>
</html>`;

/** `GET /connect/onboarding/{token}` (the page) and `POST …/complete`; false for any other path. */
export const handleOnboarding = async (state: EmulatorState, req: IncomingMessage, res: ServerResponse, path: string, rawBody: string): Promise<boolean> => {
  const match = /^\/connect\/onboarding\/([^/]+)(\/complete)?\/?$/.exec(path);
  if (!match) return false;
  const [, token = '', complete] = match;
  const method = req.method ?? 'GET';
  const json = wantsJson(req);
  if ((complete && method !== 'POST') || (!complete && method !== 'GET')) {
    sendJson(res, 405, { error: { type: 'invalid_request_error', message: `${method} is not allowed on ${path}` } }, { allow: complete ? 'POST' : 'GET' });
    return true;
  }
  if (complete && rawBody) {
    try {
      parseLooseBody(req, rawBody);
    } catch (error) {
      sendJson(res, 400, { error: { type: 'invalid_request_error', message: `Could not parse the body: ${(error as Error).message}` } });
      return true;
    }
  }
  const link = connectOf(state).links.get(token);
  const account = link && isConnected(state, link.account) ? state.store.get('account', link.account, null) : undefined;
  if (!link || !account) {
    if (json) sendJson(res, 404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such account link' } });
    else sendHtml(res, 404, '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head><body><h1>This link is not valid</h1></body></html>');
    return true;
  }
  // A used or expired link sends its visitor to `refresh_url`, where the platform makes a new one.
  if (link.used || state.now() >= link.expiresAt) {
    if (json) sendJson(res, 410, { status: 'expired', redirectUrl: link.refreshUrl });
    else redirect(res, link.refreshUrl);
    return true;
  }
  if (!complete) {
    sendHtml(res, 200, onboardingPage(link, account, token));
    return true;
  }
  link.used = true;
  completeOnboarding(state, account);
  if (json) sendJson(res, 200, { status: 'complete', redirectUrl: link.returnUrl, account });
  else redirect(res, link.returnUrl);
  return true;
};

const bad = (message: string) => new StripeApiError(400, { type: 'invalid_request_error', message });

/**
 * Admin steps (no API key): `POST /_accounts` `{id?, charges_enabled?}` makes a connected account
 * (onboarded unless `charges_enabled: false`); `POST /_accounts/{id}` `{charges_enabled?,
 * payouts_enabled?, currently_due?, disabled_reason?, lost?}` changes what Stripe says (and sends `account.updated`;
 * with `lost: true` the event is recorded but its delivery lost: no endpoint receives it);
 * `POST /_accounts/{id}/deauthorize` disconnects the platform. Undefined for other paths.
 */
export const accountAdmin = (state: EmulatorState, method: string, path: string, body: Record<string, unknown>): unknown => {
  if (method === 'POST' && path === '/_accounts') {
    if (body.id !== undefined && (typeof body.id !== 'string' || !/^acct_[A-Za-z0-9]+$/.test(body.id))) throw bad('id must look like acct_…');
    if (typeof body.id === 'string' && state.store.locate('account', body.id)) throw bad(`account ${body.id} already exists`);
    const account = createAccount(
      { state, account: null, request: { id: null, idempotency_key: null } },
      {
        ...(typeof body.id === 'string' ? { id: body.id } : {}),
        type: 'standard',
      },
    );
    if (body.charges_enabled !== false) Object.assign(account, { charges_enabled: true, payouts_enabled: true, details_submitted: true, requirements: requirements([]) });
    return account;
  }
  const match = /^\/_accounts\/([^/]+)(\/deauthorize)?$/.exec(path);
  if (method !== 'POST' || !match) return undefined;
  const [, id = '', deauth] = match;
  if (deauth) return deauthorize(state, id);
  if (!isConnected(state, id)) throw accountInvalid(id);
  const flag = (name: string) => {
    const value = body[name];
    if (value !== undefined && typeof value !== 'boolean') throw bad(`${name} must be true or false`);
    return value as boolean | undefined;
  };
  const due = body.currently_due;
  if (due !== undefined && !(Array.isArray(due) && due.every((d) => typeof d === 'string'))) throw bad('currently_due must be an array of strings');
  const reason = body.disabled_reason;
  if (reason !== undefined && reason !== null && (typeof reason !== 'string' || !reason)) throw bad('disabled_reason must be a reason or null');
  return changeAccount(
    state,
    state.store.get('account', id, null)!,
    {
      ...(flag('charges_enabled') !== undefined ? { charges_enabled: flag('charges_enabled')! } : {}),
      ...(flag('payouts_enabled') !== undefined ? { payouts_enabled: flag('payouts_enabled')! } : {}),
      ...(flag('details_submitted') !== undefined ? { details_submitted: flag('details_submitted')! } : {}),
      ...(due !== undefined ? { currently_due: due as string[] } : {}),
      ...(reason !== undefined ? { disabled_reason: reason as string | null } : {}),
    },
    { lost: flag('lost') === true },
  );
};
