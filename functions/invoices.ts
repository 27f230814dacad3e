import { NotFoundError, ValidationError } from './shared/errors';
import { recordDeskPayment } from './core/desk-payments';
import { writeOffBalance } from './core/write-offs';
import { getStripe } from './stripe/client';
import { authorizedPractice, dispatchRoutes, header, httpHandler, json, jsonBody, pathParam, cursorParam, queryParam, type RouteHandler } from './shared/http';
import { getStore } from './store/table';
import { listClaimInvoices, listInvoices, shownInvoiceStatus } from './store/invoices';
import { getClaim } from './store/claims';
import { amountWrittenOffCents, type BalanceInvoice } from './domain/invoice';

const STATUSES = ['pending', 'draft', 'open', 'paid', 'void', 'uncollectible'] as const;

/** An invoice as `GET …/invoices` answers it (SPEC §3, and what docs/api.md adds). */
const invoiceView = (invoice: BalanceInvoice) => ({
  invoiceId: invoice.invoiceId,
  claimId: invoice.claimId,
  clientId: invoice.clientId,
  status: shownInvoiceStatus(invoice),
  // What the invoice asks for: less any part of it written off (docs/decisions/014, "Part of a balance").
  amountDueCents: invoice.amountDueCents,
  amountPaidCents: invoice.amountPaidCents,
  // Written off by staff, in parts and in whole (the sum of `partialWriteOffs` and `writeOff`).
  amountWrittenOffCents: amountWrittenOffCents(invoice),
  // Refunded outside kneadpay (the Stripe Dashboard): owed again (docs/decisions/012).
  amountRefundedCents: invoice.amountRefundedCents ?? 0,
  // Taken back by the client's bank in a lost dispute: owed again (docs/decisions/013).
  amountDisputedCents: invoice.amountDisputedCents ?? 0,
  // The payment's dispute as Stripe last said (an inquiry, an open chargeback, or how it ended).
  dispute: invoice.dispute ? { disputeId: invoice.dispute.disputeId, status: invoice.dispute.status, amountCents: invoice.dispute.amountCents } : null,
  // Written off by staff (status `written_off`): why, how much, when (docs/decisions/014-write-offs.md).
  writeOff: invoice.writeOff
    ? {
        writeOffId: invoice.writeOff.writeOffId,
        reason: invoice.writeOff.reason,
        note: invoice.writeOff.note,
        amountCents: invoice.writeOff.amountCents,
        writtenOffAt: invoice.writeOff.writtenOffAt,
      }
    : null,
  currency: invoice.currency,
  hostedInvoiceUrl: invoice.hostedInvoiceUrl,
  dueAt: invoice.dueAt,
  createdAt: invoice.createdAt,
});

/**
 * GET /practices/{p}/invoices?claimId= : every invoice of one claim, newest first, in one answer
 * (`nextCursor` null): the claim's money history, where the claim names only its current invoice.
 */
const listClaimInvoicesRoute = async (practiceId: string, claimId: string, status: string | undefined, cursor: string | undefined) => {
  if (claimId === '') throw new ValidationError('claimId must name a claim', { field: 'claimId' });
  if (status !== undefined) throw new ValidationError('status cannot be combined with claimId: every invoice of the claim is listed', { field: 'status' });
  if (cursor !== undefined) throw new ValidationError('cursor cannot be combined with claimId: every invoice of the claim is in one answer', { field: 'cursor' });
  if (!(await getClaim(getStore(), practiceId, claimId))) throw new NotFoundError('claim');
  const invoices = await listClaimInvoices(getStore(), practiceId, claimId);
  return json(200, { items: [...invoices].sort((a, b) => b.seq - a.seq).map(invoiceView), nextCursor: null });
};

/** GET /practices/{p}/invoices?status= : the practice's balance invoices (SPEC §3); `?claimId=`: one claim's. */
const listInvoicesRoute: RouteHandler = async (event) => {
  const practiceId = authorizedPractice(event);
  const status = queryParam(event, 'status');
  const claimId = queryParam(event, 'claimId');
  if (claimId !== undefined) return listClaimInvoicesRoute(practiceId, claimId, status, cursorParam(event));
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw new ValidationError(`status must be one of ${STATUSES.join(', ')}`, { field: 'status' });
  }
  const page = await listInvoices(getStore(), practiceId, status as (typeof STATUSES)[number] | undefined, cursorParam(event));
  return json(200, {
    items: page.items.map(invoiceView),
    nextCursor: page.nextCursor,
  });
};

/**
 * POST /practices/{p}/invoices/{invoiceId}/desk-payments: a balance held off Stripe (`below_minimum`,
 * `awaiting_stripe`; a held Stripe draft is deleted first) paid at the desk; 201, or 200 for an Idempotency-Key retry.
 */
const recordDeskPaymentRoute: RouteHandler = async (event) => {
  const practiceId = authorizedPractice(event);
  const { created, payment } = await recordDeskPayment(getStore(), practiceId, pathParam(event, 'invoiceId'), jsonBody(event), header(event, 'idempotency-key'), new Date(), undefined, {
    stripe: getStripe,
  });
  return json(created ? 201 : 200, payment);
};

/**
 * POST /practices/{p}/invoices/{invoiceId}/write-offs `{reason, note?}`: what the invoice still asks
 * for written off by staff (its Stripe invoice voided); 201, or 200 for an Idempotency-Key retry.
 * Who: the token's subject (the practice id for a local token without one).
 */
const writeOffBalanceRoute: RouteHandler = async (event) => {
  const practiceId = authorizedPractice(event);
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  const actor = typeof claims.sub === 'string' ? claims.sub : practiceId;
  const { created, writeOff } = await writeOffBalance(
    { store: getStore(), stripe: getStripe },
    practiceId,
    pathParam(event, 'invoiceId'),
    jsonBody(event),
    { idempotencyKey: header(event, 'idempotency-key'), actor },
    new Date(),
  );
  return json(created ? 201 : 200, writeOff);
};

/** lib/wiring.ts names each route's handler. */
export const routeHandlers = { listInvoices: listInvoicesRoute, recordDeskPayment: recordDeskPaymentRoute, writeOffBalance: writeOffBalanceRoute } satisfies Record<string, RouteHandler>;

export const serveInvoices = dispatchRoutes('invoices', routeHandlers);

export const handler = httpHandler('invoices', serveInvoices);
