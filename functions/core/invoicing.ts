import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type Stripe from 'stripe';
import { awaitingNextPayer, isCollecting, patientShareCents, planBalance, type BalanceAction, type InvoiceAmounts } from '../domain/patient-share';
import { sendEmail } from '../shared/email';
import { escapeHtml, formatMoney } from '../shared/html';
import { RetryableError } from '../shared/errors';
import { deriveId } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { countMetric, METRIC } from '../shared/metrics';
import { platformFeeFor } from '../stripe/accounts';
import type { StripeScope } from '../stripe/gateway';
import { createInvoice, createInvoiceItem, deleteDraftInvoice, finalizeInvoice, findInvoiceByMetadata, findInvoiceItemByMetadata, listInvoicePayments, retrieveInvoice, voidInvoice } from '../stripe/invoices';
import { createRefund, listRefunds } from '../stripe/refunds';
import type { Store } from '../store/client';
import { claimKey, getClaim, listAdjudications, type Claim } from '../store/claims';
import { getClient, ledgerWrites, type Client } from '../store/clients';
import { commitOnce, CommitConflictError, type TransactItem } from '../store/commit';
import { getInvoice, invoiceKey, invoiceStatusIndex, listClaimInvoices, listInvoices, recordInvoiceProgress, type BalanceInvoice } from '../store/invoices';
import { getItem, queryAll } from '../store/items';
import { keys } from '../store/keys';
import type { OutboxEvent } from '../store/outbox';
import { getPractice, type Practice } from '../store/practices';
import { ensureCustomerEmail } from './checkout';
import { AdjudicationRefusedError, adjudicationIdentity, applyAdjudication, externalAdjudicationProblems, type ClaimAdjudicatedDetail } from './remittances';

/** The platform fee (KNEADPAY_PLATFORM_FEE_BPS) named in metadata, for PlatformFeeCollected. */
const feeMetadata = (amountCents: number, account: string | undefined): Record<string, string> => {
  const fee = platformFeeFor(amountCents, account);
  return fee ? { platformFeeCents: String(fee) } : {};
};

/** The only words Stripe (and the client's Stripe emails) ever see for a balance invoice. */
export const BALANCE_LINE_DESCRIPTION = 'Balance after insurance';

/** The saga's step boundaries; tests inject a crash after each (a real crash cannot be scheduled). */
export const INVOICE_STEPS = ['plan', 'create', 'line', 'finalize', 'email'] as const;

/**
 * The boundaries inside those steps, where a write or an answer is not yet followed by its record:
 * `adjudication-recorded` (an adjudication from another claims system recorded, not yet planned),
 * `invoice-answered` (Stripe made the invoice, or it was found by metadata), `line-answered`,
 * `finalize-answered`, `issued` (PatientBalanceInvoiced committed, the email lease not yet taken)
 * and `email-sent` (SES accepted the email: the one boundary where a retry after the send lease has
 * lapsed sends it again, as SES takes no idempotency key).
 */
export const INVOICE_INNER_STEPS = ['adjudication-recorded', 'invoice-answered', 'line-answered', 'finalize-answered', 'issued', 'email-sent'] as const;
export type InvoiceStep = (typeof INVOICE_STEPS)[number] | (typeof INVOICE_INNER_STEPS)[number];

/**
 * The overpayment refund's step boundaries, after the plan recorded it `pending`: `refund` — Stripe
 * made (or already had) the refund, not recorded yet; `record` — the record says `sent` with its id.
 */
export const REFUND_STEPS = ['refund', 'record'] as const;
export type RefundStep = (typeof REFUND_STEPS)[number];

export interface InvoicingDeps {
  store: Store;
  stripe: () => Promise<Stripe>;
  publicUrl: string;
  logger?: Logger;
  /**
   * Crash injection for reliability tests: called after each step has been recorded
   * (`INVOICE_STEPS`), and inside them, after a write or an answer and before its record (`INVOICE_INNER_STEPS`).
   */
  after?: (step: InvoiceStep, invoiceId: string | null) => void | Promise<void>;
  /** The same for the overpayment refunds driven after the plan (REFUND_STEPS). */
  afterRefund?: (step: RefundStep, refundId: string) => void | Promise<void>;
}

const planningView = (invoice: BalanceInvoice): InvoiceAmounts => ({
  invoiceId: invoice.invoiceId,
  // An invoice already decided to be voided no longer counts as billed.
  status: invoice.voidRequested ? 'void' : invoice.status,
  amountDueCents: invoice.amountDueCents,
  amountPaidCents: invoice.amountPaidCents,
});

const newInvoice = (claim: Claim, seq: number, amountCents: number, now: Date): BalanceInvoice => ({
  invoiceId: deriveId('inv', claim.practiceId, claim.claimId, String(seq)),
  practiceId: claim.practiceId,
  claimId: claim.claimId,
  clientId: claim.clientId,
  seq,
  amountDueCents: amountCents,
  amountPaidCents: 0,
  currency: claim.currency,
  status: 'pending',
  voidRequested: false,
  stripeInvoiceId: null,
  stripeInvoiceItemId: null,
  hostedInvoiceUrl: null,
  dueAt: null,
  emailedAt: null,
  remindersSent: [],
  paymentFailures: [],
  paymentIntentId: null,
  paidAt: null,
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  version: 0,
});

/**
 * Decides, once per state of the claim, what to bill; commits the decision (new invoice records,
 * void requests, the claim's billed total and PatientBalanceAdjusted) in one transaction guarded
 * by the claim's balance version, so concurrent consumers serialise and a stale plan is re-made.
 */
const planClaimBalance = async (deps: InvoicingDeps, practice: Practice, claimId: string, now: Date): Promise<BalanceAction[]> => {
  for (let attempt = 1; ; attempt += 1) {
    const claim = await getClaim(deps.store, practice.practiceId, claimId);
    if (!claim) return [];
    const adjudications = await listAdjudications(deps.store, practice.practiceId, claimId);
    const invoices = await listClaimInvoices(deps.store, practice.practiceId, claimId);
    // Forwarded to the next payer: its adjudication decides the patient's share; wait for it.
    if ((practice.billing.forwardedClaims ?? 'hold') === 'hold' && awaitingNextPayer(adjudications)) return [];
    const share = patientShareCents(adjudications, claim.collectedCents);
    const settled = (claim as Claim & { overpaymentSettledCents?: number }).overpaymentSettledCents ?? 0;
    const actions = planBalance(share, invoices.map(planningView), practice.billing.overpayment, settled);
    if (actions.length === 0) return [];
    const version = (claim as Claim & { balanceVersion?: number }).balanceVersion ?? 0;
    const writes: TransactItem[] = [];
    let seq = invoices.length;
    const created: BalanceInvoice[] = [];
    for (const action of actions) {
      if (action.kind === 'void') {
        writes.push({ Update: { Key: invoiceKey(practice.practiceId, action.invoiceId), UpdateExpression: 'SET voidRequested = :yes', ExpressionAttributeValues: { ':yes': true } } });
      } else if (action.kind === 'invoice') {
        seq += 1;
        const invoice = newInvoice(claim, seq, action.amountCents, now);
        created.push(invoice);
        writes.push({
          Put: {
            Item: { ...invoiceKey(practice.practiceId, invoice.invoiceId), type: 'invoice', ...invoice, ...invoiceStatusIndex(practice.practiceId, 'pending', invoice.createdAt, invoice.invoiceId) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        });
      }
    }
    const planKey = `${claimId}#v${version}#${adjudications.length}#${share}`;
    const refund = actions.find((action) => action.kind === 'refund' || action.kind === 'credit');
    if (refund?.kind === 'refund') {
      // Recorded with the plan, driven after it: a crash between the two cannot lose the refund.
      const refundId = deriveId('rfd', practice.practiceId, planKey);
      writes.push({ Put: { Item: { ...refundKey(practice.practiceId, claimId, refundId), type: 'overpayment-refund', refundId, claimId, amountCents: refund.amountCents, status: 'pending', stripeRefundId: null, createdAt: now.toISOString() } } });
    }
    if (refund) {
      // The ledger already shows the excess as a credit (the share fell); a refund pays it out.
      writes.push(
        ...(refund.kind === 'refund'
          ? ledgerWrites(practice.practiceId, claim.clientId, [{ kind: 'overpayment_refund', amountCents: refund.amountCents, currency: claim.currency, at: now.toISOString(), ref: claim.claimId }])
          : []),
      );
    }
    const stillBilled = invoices.filter((invoice) => !invoice.voidRequested && invoice.status !== 'void' && !actions.some((a) => a.kind === 'void' && a.invoiceId === invoice.invoiceId));
    const invoicedCents = [...stillBilled, ...created].reduce((sum, invoice) => sum + invoice.amountDueCents, 0);
    writes.push({
      Update: {
        Key: claimKey(practice.practiceId, claimId),
        // An overpayment refunded or kept as credit is settled once: later plans do not count it as paid.
        UpdateExpression: 'SET balanceVersion = :next, invoicedCents = :invoiced ADD overpaymentSettledCents :settled',
        ConditionExpression: 'attribute_not_exists(balanceVersion) AND :seen = :zero OR balanceVersion = :seen',
        ExpressionAttributeValues: { ':next': version + 1, ':seen': version, ':zero': 0, ':invoiced': invoicedCents, ':settled': refund?.amountCents ?? 0 },
      },
    });
    const events: OutboxEvent[] = invoices.length === 0
      ? []
      : [{
          detailType: 'PatientBalanceAdjusted',
          detail: {
            practiceId: practice.practiceId, claimId, clientId: claim.clientId, currency: claim.currency,
            patientShareCents: Math.max(0, share), previousInvoicedCents: claim.invoicedCents, invoicedCents,
            actions: actions.map((action) => ({ kind: action.kind, ...('amountCents' in action ? { amountCents: action.amountCents } : { invoiceId: action.invoiceId }) })),
          },
        }];
    try {
      await commitOnce(deps.store, { marker: { ...keys.marker(practice.practiceId, 'balance-plan', planKey), result: actions }, writes, events }, now);
      return actions;
    } catch (error) {
      if (!(error instanceof CommitConflictError) || attempt >= 8) throw error;
    }
  }
};

const balanceEmail = (practice: Practice, client: Client, to: string, invoice: BalanceInvoice) => {
  const amount = formatMoney(invoice.amountDueCents, invoice.currency);
  const due = invoice.dueAt ? invoice.dueAt.slice(0, 10) : 'on receipt';
  return {
    to,
    subject: `Your balance with ${practice.name}`,
    text: `Hello ${client.name},\n\nYour insurer has processed your recent visit. The remaining balance with ${practice.name} is ${amount}, due ${due}.\n\nView and pay it securely: ${invoice.hostedInvoiceUrl}\n\nQuestions? Reply to ${practice.email}${practice.phone ? ` or call ${practice.phone}` : ''}.\n`,
    html: `<p>Hello ${escapeHtml(client.name)},</p><p>Your insurer has processed your recent visit. The remaining balance with ${escapeHtml(practice.name)} is <strong>${escapeHtml(amount)}</strong>, due ${escapeHtml(due)}.</p><p><a href="${escapeHtml(invoice.hostedInvoiceUrl)}">View and pay your balance</a></p><p>Questions? Reply to ${escapeHtml(practice.email)}${practice.phone ? ` or call ${escapeHtml(practice.phone)}` : ''}.</p>`,
  };
};

/**
 * Carries one invoice through its Stripe saga: create → add the line → finalize → email. Each
 * Stripe POST has a key built from the invoice id; each Stripe id is stored as soon as it is known
 * (and looked up by metadata if a crash lost it), so a retry days later never creates a second one.
 */
export const driveInvoice = async (deps: InvoicingDeps, practice: Practice, start: BalanceInvoice, now: Date): Promise<BalanceInvoice> => {
  let invoice = start;

  if (invoice.voidRequested) {
    if (invoice.status === 'void' || invoice.status === 'paid') return invoice;
    if (invoice.stripeInvoiceId) {
      const scope: StripeScope = { stripe: await deps.stripe(), account: practice.stripeAccountId };
      const current = await retrieveInvoice(scope, invoice.stripeInvoiceId);
      if (current.status === 'draft') await deleteDraftInvoice(scope, invoice.stripeInvoiceId);
      else if (current.status === 'open' || current.status === 'uncollectible') await voidInvoice(scope, invoice.stripeInvoiceId, `inv:${invoice.invoiceId}:void`);
      else if (current.status === 'paid') return recordInvoiceProgress(deps.store, invoice, { status: 'paid', amountPaidCents: current.amount_paid });
    }
    return recordInvoiceProgress(deps.store, invoice, { status: 'void' });
  }

  if (invoice.status === 'pending') {
    const client = await getClient(deps.store, practice.practiceId, invoice.clientId);
    // Stripe sends a `send_invoice` invoice to the Customer's email and refuses one without: with
    // no email the balance waits (no Stripe call, no failure, no dead letter) until staff add one.
    if (!client.email) return awaitEmail(deps, practice, invoice, now);
    const stripe = await deps.stripe();
    const scope: StripeScope = { stripe, account: practice.stripeAccountId };
    const customer = await ensureCustomerEmail(stripe, deps.store, practice, client);
    if (!invoice.stripeInvoiceId) {
      const found = await findInvoiceByMetadata(scope, customer, invoice.invoiceId);
      const created = found ?? (await createInvoice(
        scope,
        {
          customer,
          collection_method: 'send_invoice',
          days_until_due: practice.billing.invoiceDueDays,
          auto_advance: false,
          currency: invoice.currency,
          description: BALANCE_LINE_DESCRIPTION,
          metadata: { practiceId: practice.practiceId, clientId: invoice.clientId, invoiceId: invoice.invoiceId, ...feeMetadata(invoice.amountDueCents, scope.account ?? undefined) },
          ...(platformFeeFor(invoice.amountDueCents, scope.account ?? undefined) ? { application_fee_amount: platformFeeFor(invoice.amountDueCents, scope.account ?? undefined) } : {}),
        },
        `inv:${invoice.invoiceId}:create`,
      ));
      await deps.after?.('invoice-answered', invoice.invoiceId);
      invoice = await recordInvoiceProgress(deps.store, invoice, { stripeInvoiceId: created.id, needsEmail: false }, { attribute: 'stripeInvoiceId', expected: created.id });
    }
    await deps.after?.('create', invoice.invoiceId);
    if (!invoice.stripeInvoiceItemId) {
      const found = await findInvoiceItemByMetadata(scope, invoice.stripeInvoiceId!, invoice.invoiceId);
      const item = found ?? (await createInvoiceItem(
        scope,
        {
          customer,
          invoice: invoice.stripeInvoiceId!,
          amount: invoice.amountDueCents,
          currency: invoice.currency,
          description: BALANCE_LINE_DESCRIPTION,
          metadata: { practiceId: practice.practiceId, invoiceId: invoice.invoiceId },
        },
        `inv:${invoice.invoiceId}:line`,
      ));
      await deps.after?.('line-answered', invoice.invoiceId);
      invoice = await recordInvoiceProgress(deps.store, invoice, { stripeInvoiceItemId: item.id, status: 'draft' }, { attribute: 'stripeInvoiceItemId', expected: item.id });
    }
    await deps.after?.('line', invoice.invoiceId);
  }

  if (invoice.status === 'draft' || (invoice.status === 'open' && !invoice.hostedInvoiceUrl)) {
    const scope: StripeScope = { stripe: await deps.stripe(), account: practice.stripeAccountId };
    const current = await retrieveInvoice(scope, invoice.stripeInvoiceId!);
    const finalized = current.status === 'draft'
      ? await finalizeInvoice(scope, invoice.stripeInvoiceId!, { auto_advance: false }, `inv:${invoice.invoiceId}:finalize`)
      : current;
    await deps.after?.('finalize-answered', invoice.invoiceId);
    invoice = await recordInvoiceProgress(deps.store, invoice, {
      ...(invoice.status === 'draft' ? { status: finalized.status === 'paid' ? 'paid' : 'open' } : {}),
      hostedInvoiceUrl: finalized.hosted_invoice_url ?? null,
      dueAt: finalized.due_date ? new Date(finalized.due_date * 1000).toISOString() : null,
    } as Partial<BalanceInvoice>);
    await deps.after?.('finalize', invoice.invoiceId);
  }

  if (invoice.hostedInvoiceUrl && !invoice.emailedAt && isCollecting(invoice.status)) {
    // Marked issued once: the PatientBalanceInvoiced event and the claim's view of the invoice.
    const issued = await commitOnce(deps.store, {
      marker: keys.marker(practice.practiceId, 'invoice-issued', invoice.invoiceId),
      writes: [{
        Update: {
          Key: claimKey(practice.practiceId, invoice.claimId),
          UpdateExpression: 'SET invoice = :summary',
          ExpressionAttributeValues: { ':summary': { invoiceId: invoice.invoiceId, status: 'open', amountDueCents: invoice.amountDueCents, hostedInvoiceUrl: invoice.hostedInvoiceUrl } },
        },
      }],
      events: [{
        detailType: 'PatientBalanceInvoiced',
        detail: { practiceId: practice.practiceId, claimId: invoice.claimId, clientId: invoice.clientId, invoiceId: invoice.invoiceId, amountDueCents: invoice.amountDueCents, currency: invoice.currency, dueAt: invoice.dueAt },
      }],
    }, now);
    if (issued.status === 'committed') countMetric(METRIC.balanceInvoiceIssued, 1, 'balance-invoicer');
    await deps.after?.('issued', invoice.invoiceId);
    // One sender at a time: a lease taken conditionally. A crash after sending and before recording
    // can resend once the lease lapses; a crash anywhere else never sends twice.
    if (!(await takeEmailLease(deps.store, invoice, now))) {
      // Sent, or another run holds the lease. That run may have died before sending: answering
      // success would end the bus's retries and lose the email, so ask to come back after the lease.
      const current = await getInvoice(deps.store, practice.practiceId, invoice.invoiceId);
      if (current?.emailedAt) return current;
      throw new RetryableError(`the email of balance invoice ${invoice.invoiceId} is being sent by another delivery`);
    }
    const client = await getClient(deps.store, practice.practiceId, invoice.clientId);
    await sendEmail({ ...balanceEmail(practice, client, client.email!, invoice), practiceId: practice.practiceId });
    await deps.after?.('email-sent', invoice.invoiceId);
    invoice = await recordInvoiceProgress(deps.store, invoice, { emailedAt: now.toISOString() });
    deps.logger?.info('balance invoice emailed', { practiceId: practice.practiceId, invoiceId: invoice.invoiceId });
    await deps.after?.('email', invoice.invoiceId);
  }
  return invoice;
};

/**
 * The client has no email: the invoice waits as `needs_email` (on the invoice and on the claim's
 * view of it), once, with no Stripe call. Staff adding the email resumes it (`resumeInvoicesAwaitingEmail`).
 */
const awaitEmail = async (deps: InvoicingDeps, practice: Practice, invoice: BalanceInvoice, now: Date): Promise<BalanceInvoice> => {
  if (invoice.needsEmail) return invoice;
  await commitOnce(deps.store, {
    marker: keys.marker(practice.practiceId, 'invoice-needs-email', invoice.invoiceId),
    writes: [
      { Update: { Key: invoiceKey(practice.practiceId, invoice.invoiceId), UpdateExpression: 'SET needsEmail = :yes', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':yes': true } } },
      {
        Update: {
          Key: claimKey(practice.practiceId, invoice.claimId),
          UpdateExpression: 'SET invoice = :summary',
          ExpressionAttributeValues: { ':summary': { invoiceId: invoice.invoiceId, status: 'needs_email', amountDueCents: invoice.amountDueCents, hostedInvoiceUrl: null } },
        },
      },
    ],
    events: [],
  }, now);
  deps.logger?.warn('balance invoice waits for the client\'s email', { practiceId: practice.practiceId, invoiceId: invoice.invoiceId, clientId: invoice.clientId });
  return { ...invoice, needsEmail: true };
};

/**
 * Drives every invoice of the client that waits for an email (called once staff gave the client
 * one). Safe to call any number of times; an invoice that fails here stays `needs_email`-free and
 * pending, and the next call (or the next ClaimAdjudicated of its claim) drives it on.
 */
export const resumeInvoicesAwaitingEmail = async (deps: InvoicingDeps, practiceId: string, clientId: string, now = new Date()): Promise<BalanceInvoice[]> => {
  const practice = await getPractice(deps.store, practiceId);
  if (!practice) return [];
  const waiting: BalanceInvoice[] = [];
  let cursor: string | undefined;
  do {
    const page = await listInvoices(deps.store, practiceId, 'pending', cursor);
    waiting.push(...page.items.filter((invoice) => invoice.clientId === clientId && invoice.needsEmail));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const driven: BalanceInvoice[] = [];
  for (const invoice of waiting) {
    const current = await getInvoice(deps.store, practiceId, invoice.invoiceId);
    if (current) driven.push(await driveInvoice(deps, practice, current, now));
  }
  return driven;
};

const EMAIL_LEASE_MS = 60_000;

const takeEmailLease = async (store: Store, invoice: BalanceInvoice, now: Date): Promise<boolean> => {
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: invoiceKey(invoice.practiceId, invoice.invoiceId),
        UpdateExpression: 'SET emailLeaseUntil = :until',
        ConditionExpression: '(attribute_not_exists(emailedAt) OR emailedAt = :null) AND (attribute_not_exists(emailLeaseUntil) OR emailLeaseUntil < :now)',
        ExpressionAttributeValues: { ':until': new Date(now.getTime() + EMAIL_LEASE_MS).toISOString(), ':now': new Date().toISOString(), ':null': null },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
};

/** The payment intent that paid a Stripe invoice: stored from the webhook, else asked of Stripe. */
const paymentIntentOfPaidInvoice = async (scope: StripeScope, invoice: BalanceInvoice): Promise<string | null> => {
  if (invoice.paymentIntentId) return invoice.paymentIntentId;
  if (!invoice.stripeInvoiceId) return null;
  const payments = await listInvoicePayments(scope, invoice.stripeInvoiceId);
  const paid = payments.find((payment) => payment.status === 'paid') ?? payments[0];
  const pi = paid?.payment?.payment_intent;
  return typeof pi === 'string' ? pi : (pi?.id ?? null);
};

const refundKey = (practiceId: string, claimId: string, refundId: string) => ({ pk: `PRACTICE#${practiceId}`, sk: `REFUND#${claimId}#${refundId}` });

interface OverpaymentRefund {
  refundId: string;
  claimId: string;
  amountCents: number;
  status: 'pending' | 'sent' | 'kept_as_credit';
  stripeRefundId: string | null;
}

/**
 * Pays out recorded overpayments (refund policy) on the claim's paid invoices, oldest first: each
 * payment gives back at most what it has left after earlier refunds, so a refund larger than one
 * invoice's payment is spread over the others. Each part's key is built from the refund and the
 * invoice; if it expired and our record missed Stripe's answer, the part is found again on the
 * payment by its metadata. What no payment can take back stays the client's credit: the record
 * says how much, and the ledger gets an `overpayment_refund_not_paid` entry for it, in the same
 * transaction that records the refund (once: it is conditional on the refund still pending).
 */
const driveRefunds = async (deps: InvoicingDeps, practice: Practice, claimId: string) => {
  const pending = (await queryAll<OverpaymentRefund & { pk: string; sk: string }>(deps.store, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    ExpressionAttributeValues: { ':pk': `PRACTICE#${practice.practiceId}`, ':sk': `REFUND#${claimId}#` },
    ConsistentRead: true,
  })).filter((refund) => refund.status === 'pending');
  if (pending.length === 0) return;
  const scope: StripeScope = { stripe: await deps.stripe(), account: practice.stripeAccountId };
  for (const refund of pending) {
    const parts: { id: string; amountCents: number }[] = [];
    let remaining = refund.amountCents;
    const paidInvoices = (await listClaimInvoices(deps.store, practice.practiceId, claimId)).filter((invoice) => invoice.status === 'paid').sort((a, b) => a.seq - b.seq);
    for (const invoice of paidInvoices) {
      if (remaining <= 0) break;
      const paymentIntent = await paymentIntentOfPaidInvoice(scope, invoice);
      if (!paymentIntent) continue;
      const refunds = await listRefunds(scope, { payment_intent: paymentIntent });
      const existing = refunds.find((r) => r.metadata?.refundId === refund.refundId);
      if (existing) {
        parts.push({ id: existing.id, amountCents: existing.amount });
        remaining -= existing.amount;
        continue;
      }
      const alreadyRefunded = refunds.filter((r) => r.status !== 'failed' && r.status !== 'canceled').reduce((sum, r) => sum + r.amount, 0);
      const amount = Math.min(remaining, invoice.amountPaidCents - alreadyRefunded);
      if (amount <= 0) continue;
      const made = await createRefund(
        scope,
        { payment_intent: paymentIntent, amount, metadata: { practiceId: practice.practiceId, invoiceId: invoice.invoiceId, refundId: refund.refundId } },
        `rfd:${refund.refundId}:${invoice.invoiceId}`,
      );
      parts.push({ id: made.id, amountCents: made.amount });
      remaining -= made.amount;
    }
    if (parts.length > 0) await deps.afterRefund?.('refund', refund.refundId);
    if (remaining > 0) deps.logger?.warn('overpayment partly kept as credit: the paid invoices have no more payment to refund', { practiceId: practice.practiceId, refundId: refund.refundId, keptAsCreditCents: remaining });
    const claim = remaining > 0 ? await getClaim(deps.store, practice.practiceId, claimId) : undefined;
    const at = new Date().toISOString();
    await commitOnce(deps.store, {
      marker: keys.marker(practice.practiceId, 'refund-recorded', refund.refundId),
      writes: [
        {
          Update: {
            Key: refundKey(practice.practiceId, claimId, refund.refundId),
            UpdateExpression: 'SET #status = :status, stripeRefundId = :id, stripeRefundIds = :ids, refundedCents = :refunded, keptAsCreditCents = :kept',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': parts.length > 0 ? 'sent' : 'kept_as_credit', ':id': parts[0]?.id ?? null, ':ids': parts.map((part) => part.id),
              ':refunded': refund.amountCents - remaining, ':kept': remaining,
            },
          },
        },
        ...(claim && remaining > 0
          ? ledgerWrites(practice.practiceId, claim.clientId, [{ kind: 'overpayment_refund_not_paid', amountCents: -remaining, currency: claim.currency, at, ref: claimId }])
          : []),
      ],
      events: [],
    });
    await deps.afterRefund?.('record', refund.refundId);
  }
};

/**
 * The consumer of ClaimAdjudicated: records the adjudication if it came from another claims system,
 * re-plans the claim's patient balance over all its adjudications, then drives every invoice that
 * is not finished. Safe to run any number of times, concurrently, in any order.
 */
export const invoiceClaimBalance = async (deps: InvoicingDeps, detail: ClaimAdjudicatedDetail, now = new Date()) => {
  const practice = await getPractice(deps.store, detail.practiceId);
  if (!practice) {
    deps.logger?.warn('ClaimAdjudicated for an unknown practice: ignored', { practiceId: detail.practiceId });
    return { invoices: [] as BalanceInvoice[], actions: [] as BalanceAction[] };
  }
  const claim = await getClaim(deps.store, detail.practiceId, detail.claimId);
  if (!claim) {
    deps.logger?.warn('ClaimAdjudicated for an unknown claim: ignored', { practiceId: detail.practiceId, claimId: detail.claimId });
    return { invoices: [], actions: [] };
  }
  // From the ERA import the adjudication is already applied: a read is cheaper than a transaction
  // that fails on its marker. From another claims system it is recorded here, once.
  const identity = adjudicationIdentity(detail.claimId, detail.remittance.traceNumber, detail.statusCode, detail.payerClaimControlNumber);
  if (!(await getItem(deps.store, keys.marker(detail.practiceId, 'adjudication', identity)))) {
    // Checked like an 835 claim payment before anyone is invoiced: refused, it fails this delivery
    // (and every retry) and ends in the dead-letter queue, with the reasons in the log.
    const problems = externalAdjudicationProblems(detail);
    if (problems.length > 0) {
      deps.logger?.error('ClaimAdjudicated refused: it does not balance or is malformed; nothing recorded or invoiced', { practiceId: detail.practiceId, problems });
      throw new AdjudicationRefusedError(problems);
    }
    await applyAdjudication(deps.store, claim, detail, { remittanceId: null, emit: false }, now);
    await deps.after?.('adjudication-recorded', null);
  }
  const actions = await planClaimBalance(deps, practice, claim.claimId, now);
  await deps.after?.('plan', null);
  await driveRefunds(deps, practice, claim.claimId);
  const invoices: BalanceInvoice[] = [];
  for (const invoice of await listClaimInvoices(deps.store, practice.practiceId, claim.claimId)) {
    invoices.push(await driveInvoice(deps, practice, invoice, now));
  }
  return { invoices, actions };
};
