import { cancelRedemption, purchaseView, redeemCredit } from './core/redemptions';
import { NotFoundError, ValidationError } from './shared/errors';
import { authorizedPractice, dispatchRoutes, header, html, httpHandler, json, jsonBody, pathParam, cursorParam, queryParam, type RouteHandler } from './shared/http';
import { createEstimate, getEstimate } from './core/estimates';
import { renderEstimatePage } from './shared/estimate-render';
import { EMAIL_PATTERN } from './shared/validate';
import { parseBody } from './shared/schemas/parse';
import { clientCreateBody, clientPatchBody } from './shared/schemas/requests';
import { requirePractice } from './core/practice';
import { getStore } from './store/table';
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

const clientView = (client: { clientId: string; email?: string | null; name: string }) => ({ clientId: client.clientId, email: client.email, name: client.name });

/**
 * Practice routes about clients: register, lookup by email, purchases (credits), ledger,
 * redemptions, Good Faith Estimates. lib/wiring.ts names each route's handler.
 */
export const routeHandlers = {
  /** POST /practices/{p}/clients: with an email, found or created by it; without one, registered by name (core/client-contact). */
  registerClient: async (event) => {
    const practiceId = authorizedPractice(event);
    const store = getStore();
    const now = new Date();
    const body = jsonBody(event);
    if (body.email === undefined) {
      const { created, answer } = await registerClientWithoutEmail(store, practiceId, body, header(event, 'idempotency-key'), now);
      return json(created ? 201 : 200, answer);
    }
    const practice = await requirePractice(store, practiceId);
    const { email, name } = parseBody(clientCreateBody, body);
    const existing = await findClientByEmail(store, practiceId, email, now);
    // Staff win over a storefront buyer: a client a buyer created takes the name staff give it.
    const client = existing ? await claimStorefrontClient(store, existing, name, now) : await findOrCreateClient(store, { practiceId, email, name, currency: practice.currency }, now);
    return json(existing ? 200 : 201, clientView(client));
  },
  /** GET /practices/{p}/clients?email= (exact) or ?q= (a name or email search). */
  findClients: async (event) => {
    const practiceId = authorizedPractice(event);
    const store = getStore();
    const q = queryParam(event, 'q');
    if (q !== undefined && queryParam(event, 'email') === undefined) {
      if (q.trim().length < 2 || q.length > 100) throw new ValidationError('q is 2 to 100 characters of a name or email', { field: 'q' });
      return json(200, { items: await searchClients(store, practiceId, q.trim()), nextCursor: null });
    }
    const email = queryParam(event, 'email');
    if (!email) throw new ValidationError('email is required (search by exact email)', { field: 'email' });
    if (!EMAIL_PATTERN.test(email)) throw new ValidationError('email is not an email address', { field: 'email' });
    const client = await findClientByEmail(store, practiceId, email);
    return json(200, { items: client ? [clientView(client)] : [], nextCursor: null });
  },
  /** GET /practices/{p}/redemptions?since=: credits used across clients since an instant (the web app's Today: this month, today). */
  listRedemptionsSince: async (event) => {
    const practiceId = authorizedPractice(event);
    const since = queryParam(event, 'since');
    if (!since) throw new ValidationError('since is required: an ISO 8601 date-time such as 2026-12-01T00:00:00Z', { field: 'since' });
    const at = ISO_INSTANT.test(since) ? new Date(since) : undefined;
    if (!at || Number.isNaN(at.getTime())) throw new ValidationError('since is not an ISO 8601 date-time with a zone (e.g. 2026-12-01T08:00:00Z)', { field: 'since' });
    const page = await listRedemptionsSince(getStore(), practiceId, at.toISOString(), cursorParam(event));
    return json(200, {
      since: at.toISOString(),
      items: page.items.map(({ appointmentId, clientId, purchaseId, redeemedAt }) => ({ appointmentId, clientId, purchaseId, redeemedAt })),
      nextCursor: page.nextCursor,
    });
  },
  /** PATCH /practices/{p}/clients/{c}: staff correct the name and/or email (SPEC §7). */
  correctClient: async (event) => {
    const practiceId = authorizedPractice(event);
    const store = getStore();
    const clientId = pathParam(event, 'clientId');
    const patch = parseBody(clientPatchBody, jsonBody(event));
    const client = await correctClient(store, practiceId, clientId, patch, new Date());
    // A balance that waited for an email (`needs_email`) goes to Stripe now; a retry resumes what is left.
    const resumed = patch.email === undefined ? [] : await resumeInvoicesAwaitingEmail({ store, stripe: getStripe, publicUrl: publicUrl() }, practiceId, clientId);
    return json(200, { ...clientView(client), resumedInvoices: resumed.map((invoice) => invoice.invoiceId) });
  },
  /** GET /practices/{p}/clients/{c}/purchases: the client's credits (SPEC §3). */
  listPurchases: async (event) => {
    const practiceId = authorizedPractice(event);
    const store = getStore();
    const clientId = pathParam(event, 'clientId');
    const now = new Date();
    await getClient(store, practiceId, clientId);
    const purchases = (await listClientPurchases(store, practiceId, clientId)).filter((purchase) => SHOWN_STATES.has(purchase.state));
    return json(200, { items: purchases.map((purchase) => purchaseView(purchase, now)), nextCursor: null });
  },
  /** GET /practices/{p}/clients/{c}/ledger: balance and entries (SPEC §3). */
  getLedger: async (event) => {
    const practiceId = authorizedPractice(event);
    const store = getStore();
    const clientId = pathParam(event, 'clientId');
    const client = await getClient(store, practiceId, clientId);
    const page = await listLedger(store, practiceId, clientId, cursorParam(event));
    return json(200, {
      balanceCents: client.balanceCents,
      currency: client.currency,
      entries: page.items.map(({ entryId, kind, amountCents, at, ref, sessionsDelta, changes }) => ({
        entryId,
        kind,
        amountCents,
        at,
        ref,
        ...(sessionsDelta === undefined ? {} : { sessionsDelta }),
        ...(changes === undefined ? {} : { changes }),
      })),
      nextCursor: page.nextCursor,
    });
  },
  /** POST /practices/{p}/clients/{c}/redemptions: use a credit for an appointment, once per appointment. */
  redeemCredit: async (event) => {
    const practiceId = authorizedPractice(event);
    const clientId = pathParam(event, 'clientId');
    const { created, answer } = await redeemCredit(getStore(), practiceId, clientId, jsonBody(event), new Date());
    return json(created ? 201 : 200, answer);
  },
  /** DELETE /practices/{p}/clients/{c}/redemptions/{appointmentId}: give the credit back. */
  cancelRedemption: async (event) => {
    const practiceId = authorizedPractice(event);
    const clientId = pathParam(event, 'clientId');
    return json(200, await cancelRedemption(getStore(), practiceId, clientId, pathParam(event, 'appointmentId'), new Date()));
  },
  /** POST /practices/{p}/clients/{c}/estimates: a Good Faith Estimate. */
  createEstimate: async (event) => {
    const practiceId = authorizedPractice(event);
    const clientId = pathParam(event, 'clientId');
    const { created, estimate } = await createEstimate(getStore(), practiceId, clientId, jsonBody(event), header(event, 'idempotency-key'), new Date());
    return json(created ? 201 : 200, estimate);
  },
  /** GET /practices/{p}/clients/{c}/estimates/{estimateId}: JSON, or the printable page for a browser. */
  getEstimate: async (event) => {
    const practiceId = authorizedPractice(event);
    const clientId = pathParam(event, 'clientId');
    const estimate = await getEstimate(getStore(), practiceId, pathParam(event, 'estimateId'));
    if (estimate.clientId !== clientId) throw new NotFoundError('estimate');
    // The printable page for a browser (the practice prints it or sends it on); JSON otherwise.
    return /text\/html/i.test(header(event, 'accept') ?? '') ? html(200, renderEstimatePage(estimate), { 'cache-control': 'no-store' }) : json(200, estimate);
  },
} satisfies Record<string, RouteHandler>;

/** The clients function: one dispatcher over the routes lib/wiring.ts gives it. */
export const serveClients = dispatchRoutes('clients', routeHandlers);

export const handler = httpHandler('clients', serveClients);
