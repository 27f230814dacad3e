import { cancelRedemption, purchaseView, redeemCredit } from './core/redemptions';
import { MethodNotAllowed, NotFoundError, ValidationError } from './shared/errors';
import { authorizedPractice, header, html, httpHandler, json, jsonBody, pathParam, queryParam, type ApiEvent } from './shared/http';
import { createEstimate, getEstimate } from './core/estimates';
import { renderEstimatePage } from './shared/estimate-render';
import { EMAIL_PATTERN, fields } from './shared/validate';
import { requirePractice } from './core/practice';
import { getStore } from './store/client';
import { findClientByEmail, findOrCreateClient, getClient, listLedger, searchClients } from './store/clients';
import { claimStorefrontClient, correctClient } from './store/client-identity';
import { listClientPurchases, listRedemptionsSince } from './store/purchases';
import { registerClientWithoutEmail } from './core/client-contact';
import { resumeInvoicesAwaitingEmail } from './core/invoicing';
import { getStripe } from './stripe/client';
import { config } from './shared/config';

const publicUrl = () => config().publicUrl;

const SHOWN_STATES = new Set(['paid', 'refunded', 'disputed', 'voided']);
/** An ISO 8601 instant with a zone: redeemedAt is stored as `toISOString()`, so `since` is compared in UTC. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Practice routes about clients: register, lookup by email, purchases (credits), ledger, redemptions, Good Faith Estimates. */
export const clientsCore = async (event: ApiEvent) => {
  const practiceId = authorizedPractice(event);
  const store = getStore();
  const method = event.requestContext.http.method;
  const path = event.routeKey.replace(/^\S+\s/, '');
  const now = new Date();

  if (path === '/practices/{practiceId}/clients' && method === 'POST' && jsonBody(event).email === undefined) {
    const { created, answer } = await registerClientWithoutEmail(store, practiceId, jsonBody(event), header(event, 'idempotency-key'), now);
    return json(created ? 201 : 200, answer);
  }
  if (path === '/practices/{practiceId}/clients' && method === 'POST') {
    const body = jsonBody(event);
    const f = fields(body);
    const practice = await requirePractice(store, practiceId);
    const email = f.string('email', { max: 254, pattern: EMAIL_PATTERN, hint: 'an email address' });
    const name = f.string('name', { max: 200 });
    const existing = await findClientByEmail(store, practiceId, email, now);
    // Staff win over a storefront buyer: a client a buyer created takes the name staff give it.
    const client = existing ? await claimStorefrontClient(store, existing, name, now) : await findOrCreateClient(store, { practiceId, email, name, currency: practice.currency }, now);
    return json(existing ? 200 : 201, { clientId: client.clientId, email: client.email, name: client.name });
  }
  if (path === '/practices/{practiceId}/clients') {
    const q = queryParam(event, 'q');
    if (q !== undefined && queryParam(event, 'email') === undefined) {
      if (q.trim().length < 2 || q.length > 100) throw new ValidationError('q is 2 to 100 characters of a name or email', { field: 'q' });
      return json(200, { items: await searchClients(store, practiceId, q.trim()), nextCursor: null });
    }
    const email = queryParam(event, 'email');
    if (!email) throw new ValidationError('email is required (search by exact email)', { field: 'email' });
    if (!EMAIL_PATTERN.test(email)) throw new ValidationError('email is not an email address', { field: 'email' });
    const client = await findClientByEmail(store, practiceId, email);
    return json(200, { items: client ? [{ clientId: client.clientId, email: client.email, name: client.name }] : [], nextCursor: null });
  }
  if (path === '/practices/{practiceId}/redemptions') {
    // Credits used across clients since an instant (the web app's Today: this month, today).
    const since = queryParam(event, 'since');
    if (!since) throw new ValidationError('since is required: an ISO 8601 date-time such as 2026-12-01T00:00:00Z', { field: 'since' });
    const at = ISO_INSTANT.test(since) ? new Date(since) : undefined;
    if (!at || Number.isNaN(at.getTime())) throw new ValidationError('since is not an ISO 8601 date-time with a zone (e.g. 2026-12-01T08:00:00Z)', { field: 'since' });
    const page = await listRedemptionsSince(store, practiceId, at.toISOString(), queryParam(event, 'cursor'));
    return json(200, {
      since: at.toISOString(),
      items: page.items.map(({ appointmentId, clientId, purchaseId, redeemedAt }) => ({ appointmentId, clientId, purchaseId, redeemedAt })),
      nextCursor: page.nextCursor,
    });
  }
  const clientId = pathParam(event, 'clientId');
  if (path === '/practices/{practiceId}/clients/{clientId}' && method === 'PATCH') {
    const body = jsonBody(event);
    const f = fields(body);
    const patch = {
      name: body.name === undefined ? undefined : f.string('name', { max: 200 }),
      email: body.email === undefined ? undefined : f.string('email', { max: 254, pattern: EMAIL_PATTERN, hint: 'an email address' }),
    };
    const unknown = Object.keys(body).filter((key) => key !== 'name' && key !== 'email');
    if (unknown.length) throw new ValidationError(`${unknown[0]} cannot be corrected here (name and email only)`, { field: unknown[0] });
    if (patch.name === undefined && patch.email === undefined) throw new ValidationError('send name and/or email', { field: 'name' });
    const client = await correctClient(store, practiceId, clientId, patch, now);
    // A balance that waited for an email (`needs_email`) goes to Stripe now; a retry resumes what is left.
    const resumed = patch.email === undefined ? [] : await resumeInvoicesAwaitingEmail({ store, stripe: getStripe, publicUrl: publicUrl() }, practiceId, clientId);
    return json(200, { clientId: client.clientId, email: client.email, name: client.name, resumedInvoices: resumed.map((invoice) => invoice.invoiceId) });
  }
  if (path.endsWith('/purchases')) {
    await getClient(store, practiceId, clientId);
    const purchases = (await listClientPurchases(store, practiceId, clientId)).filter((purchase) => SHOWN_STATES.has(purchase.state));
    return json(200, { items: purchases.map((purchase) => purchaseView(purchase, now)), nextCursor: null });
  }
  if (path.endsWith('/ledger')) {
    const client = await getClient(store, practiceId, clientId);
    const page = await listLedger(store, practiceId, clientId, queryParam(event, 'cursor'));
    return json(200, { balanceCents: client.balanceCents, currency: client.currency, entries: page.items.map(({ entryId, kind, amountCents, at, ref, sessionsDelta, changes }) => ({ entryId, kind, amountCents, at, ref, ...(sessionsDelta === undefined ? {} : { sessionsDelta }), ...(changes === undefined ? {} : { changes }) })), nextCursor: page.nextCursor });
  }
  if (path.endsWith('/redemptions') && method === 'POST') {
    const { created, answer } = await redeemCredit(store, practiceId, clientId, jsonBody(event), now);
    return json(created ? 201 : 200, answer);
  }
  if (path.endsWith('/redemptions/{appointmentId}') && method === 'DELETE') {
    return json(200, await cancelRedemption(store, practiceId, clientId, pathParam(event, 'appointmentId'), now));
  }
  if (path.endsWith('/estimates') && method === 'POST') {
    const { created, estimate } = await createEstimate(store, practiceId, clientId, jsonBody(event), header(event, 'idempotency-key'), now);
    return json(created ? 201 : 200, estimate);
  }
  if (path.endsWith('/estimates/{estimateId}') && method === 'GET') {
    const estimate = await getEstimate(store, practiceId, pathParam(event, 'estimateId'));
    if (estimate.clientId !== clientId) throw new NotFoundError('estimate');
    // The printable page for a browser (the practice prints it or sends it on); JSON otherwise.
    return /text\/html/i.test(header(event, 'accept') ?? '') ? html(200, renderEstimatePage(estimate), { 'cache-control': 'no-store' }) : json(200, estimate);
  }
  if (method !== 'GET') throw new MethodNotAllowed(method);
  throw new NotFoundError('route');
};

export const handler = httpHandler('clients', clientsCore);
