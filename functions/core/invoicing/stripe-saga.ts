/** Driving one balance invoice through Stripe: create → line → finalize (or void), each step recorded as soon as Stripe answers. */
import { minimumChargeCents } from '../../domain/charge-minimum';
import { isCollecting } from '../../domain/patient-share';
import { platformFeeFor } from '../../stripe/accounts';
import { StripeRefusedError, type StripeScope } from '../../stripe/gateway';
import { createInvoice, createInvoiceItem, deleteDraftInvoice, finalizeInvoice, findInvoiceByMetadata, findInvoiceItemByMetadata, retrieveInvoice, voidInvoice } from '../../stripe/invoices';
import { heldForAccount, invoiceHold, invoiceSettledAtDesk, invoiceStripeAccount, writeOffAskedInFull, type BalanceInvoice } from '../../domain/invoice';
import type { Practice } from '../../domain/practice';
import { ensureCustomerEmail } from '../checkout';
import { invoicesOf, type InvoicingDeps } from './deps';
import { awaitEmail, awaitStripe, notifyInvoiceIssued } from './notify';

/** The platform fee (KNEADPAY_PLATFORM_FEE_BPS) named in metadata, for PlatformFeeCollected. */
const feeMetadata = (amountCents: number, account: string | undefined): Record<string, string> => {
  const fee = platformFeeFor(amountCents, account);
  return fee ? { platformFeeCents: String(fee) } : {};
};

/** Below Stripe's minimum charge: marked once (on the invoice and on the claim's view of it), never sent. */
const holdBelowMinimum = async (deps: InvoicingDeps, practice: Practice, invoice: BalanceInvoice, now: Date): Promise<BalanceInvoice> => {
  if (invoiceHold(invoice) === 'below_minimum') return invoice;
  await invoicesOf(deps).markInvoiceBelowMinimum(invoice, now);
  deps.logger?.warn("balance invoice below Stripe's minimum charge: not sent to Stripe", { practiceId: practice.practiceId, invoiceId: invoice.invoiceId, clientId: invoice.clientId });
  return { ...invoice, belowMinimum: true };
};

/** The invoice as recorded when `error` is the create record refused because it was paid at the desk or written off meanwhile; else undefined. */
const settledMeanwhile = async (deps: InvoicingDeps, invoice: BalanceInvoice, error: unknown): Promise<BalanceInvoice | undefined> => {
  if ((error as Error).name !== 'ConditionalCheckFailedException') return undefined;
  const current = await invoicesOf(deps).getInvoice(invoice.practiceId, invoice.invoiceId);
  if (current?.writeOff) return current;
  return mayBePaidAtDesk(invoice) && current && current.deskPayment && current.status === 'paid' ? current : undefined;
};

/**
 * The invoice as recorded when staff took it while this send ran on its Stripe draft: the desk
 * (a held draft, bug 101) or a write-off (core/write-offs.ts) deleted the draft (Stripe then refuses
 * the line or the finalize: `resource_missing`) or recorded its outcome (the line's record refused);
 * else undefined. Stripe decides between the delete and the finalize, so the send stops here with
 * nothing sent.
 */
const takenMeanwhile = async (deps: InvoicingDeps, invoice: BalanceInvoice, error: unknown): Promise<BalanceInvoice | undefined> => {
  const refusedRecord = (error as Error).name === 'ConditionalCheckFailedException';
  const draftGone = error instanceof StripeRefusedError && error.stripeCode === 'resource_missing';
  if (!refusedRecord && !draftGone) return undefined;
  const current = await invoicesOf(deps).getInvoice(invoice.practiceId, invoice.invoiceId);
  const desk = current?.deskPayment || current?.deskPaymentRequest?.stripeInvoiceId === invoice.stripeInvoiceId;
  return current && (desk || current.writeOff || writeOffAskedInFull(current)) ? current : undefined;
};

/** A desk payment (of this draft) or a write-off asked on the invoice and not recorded yet. */
const askedByStaff = (invoice: BalanceInvoice) =>
  (!!invoice.deskPaymentRequest && invoice.deskPaymentRequest.stripeInvoiceId === invoice.stripeInvoiceId && !invoice.deskPayment) || (writeOffAskedInFull(invoice) && !invoice.writeOff);

/** Whether a desk payment may be recorded while this send runs: the invoice, as read, is one the desk may settle (domain/invoice.ts). */
const mayBePaidAtDesk = (invoice: BalanceInvoice) => invoiceSettledAtDesk(invoice);

/** Whether the practice's account keeps this invoice off Stripe now (the hold rule, read afresh before each step that reaches the client). */
const accountHolds = async (deps: InvoicingDeps, practice: Practice, invoice: BalanceInvoice) => heldForAccount(invoice, await invoicesOf(deps).chargingAccount(practice.practiceId));

/** The only words Stripe (and the client's Stripe emails) ever see for a balance invoice. */
export const BALANCE_LINE_DESCRIPTION = 'Balance after insurance';

/**
 * Carries one invoice through its Stripe saga: create → add the line → finalize → email. Each
 * Stripe POST has a key built from the invoice id; each Stripe id is stored as soon as it is known
 * (and looked up by metadata if a crash lost it), so a retry days later never creates a second one.
 */
export const driveInvoice = async (deps: InvoicingDeps, practice: Practice, start: BalanceInvoice, now: Date): Promise<BalanceInvoice> => {
  let invoice = start;

  if (invoice.voidRequested) {
    if (invoice.status === 'void') return invoice;
    // The client paid before the void reached Stripe, which does not void a paid invoice: the payment
    // stands, so the invoice is no longer one to void and later plans count it as paid (bug 91).
    if (invoice.status === 'paid') return invoicesOf(deps).recordInvoiceProgress(invoice, { voidRequested: false, paidOverVoid: true });
    if (invoice.stripeInvoiceId) {
      const scope: StripeScope = { stripe: await deps.stripe(), account: invoiceStripeAccount(invoice, practice) };
      const current = await retrieveInvoice(scope, invoice.stripeInvoiceId);
      if (current.status === 'draft') await deleteDraftInvoice(scope, invoice.stripeInvoiceId);
      else if (current.status === 'open' || current.status === 'uncollectible') await voidInvoice(scope, invoice.stripeInvoiceId, `inv:${invoice.invoiceId}:void`);
      // Its `invoice.paid` records the payment (ledger, PaymentSucceeded, the receipt): recording `paid`
      // here would make that event a no-op and lose them.
      else if (current.status === 'paid') return invoicesOf(deps).recordInvoiceProgress(invoice, { voidRequested: false, paidOverVoid: true });
    }
    return invoicesOf(deps).recordInvoiceProgress(invoice, { status: 'void' });
  }

  if (invoice.status === 'pending') {
    // Stripe does not charge less than the currency's minimum: it would mark the invoice paid with
    // nothing paid and add the amount to the client's next Stripe invoice (docs.stripe.com/api/invoices).
    // Such a balance stays off Stripe (no call, no failure) and waits as `below_minimum`.
    if (!invoice.stripeInvoiceId && invoice.amountDueCents < minimumChargeCents(invoice.currency)) return holdBelowMinimum(deps, practice, invoice, now);
    const client = await invoicesOf(deps).getClient(practice.practiceId, invoice.clientId);
    // Stripe sends a `send_invoice` invoice to the Customer's email and refuses one without: with
    // no email the balance waits (no Stripe call, no failure, no dead letter) until staff add one.
    if (!client.email) return awaitEmail(deps, practice, invoice, now);
    // A connected account that cannot take charges would get an invoice its client cannot pay
    // (Stripe: `charges_enabled` false — the account cannot process charges; `requirements.disabled_reason`
    // says why). Checkout refuses such sales (409 payments_not_enabled); a balance waits, as
    // `awaiting_stripe`, with no Stripe call and no email, until the account can charge again — or,
    // made on Stripe already (a crash after the create), with no further call until then.
    if (await accountHolds(deps, practice, invoice)) return awaitStripe(deps, practice, invoice, now);
    const stripe = await deps.stripe();
    const scope: StripeScope = { stripe, account: practice.stripeAccountId };
    const customer = await ensureCustomerEmail(stripe, deps.store, practice, client);
    if (!invoice.stripeInvoiceId) {
      const found = await findInvoiceByMetadata(scope, customer, invoice.invoiceId);
      const created =
        found ??
        (await createInvoice(
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
      try {
        invoice = await invoicesOf(deps).recordInvoiceProgress(
          invoice,
          { stripeInvoiceId: created.id, stripeAccountId: scope.account ?? null },
          // A balance the desk may settle (core/desk-payments.ts) may be paid there meanwhile; any
          // balance not yet on Stripe may be written off meanwhile (core/write-offs.ts).
          { attribute: 'stripeInvoiceId', expected: created.id, absent: mayBePaidAtDesk(invoice) ? ['deskPayment', 'writeOff'] : ['writeOff'] },
        );
      } catch (error) {
        const settled = await settledMeanwhile(deps, invoice, error);
        if (!settled) throw error;
        // The desk payment or the write-off was recorded first: the draft this run made is not the client's bill.
        if (created.status === 'draft') await deleteDraftInvoice(scope, created.id);
        deps.logger?.info(`balance invoice ${settled.writeOff ? 'written off' : 'paid at the desk'} while it was being sent: its Stripe draft deleted`, {
          practiceId: practice.practiceId,
          invoiceId: invoice.invoiceId,
        });
        return settled;
      }
    }
    await deps.after?.('create', invoice.invoiceId);
    if (!invoice.stripeInvoiceItemId) {
      try {
        const found = await findInvoiceItemByMetadata(scope, invoice.stripeInvoiceId!, invoice.invoiceId);
        const item =
          found ??
          (await createInvoiceItem(
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
        // Not over a desk payment (a held draft the desk took, bug 101) or a write-off recorded
        // meanwhile: the invoice stays paid, or void.
        invoice = await invoicesOf(deps).recordInvoiceProgress(
          invoice,
          { stripeInvoiceItemId: item.id, status: 'draft' },
          { attribute: 'stripeInvoiceItemId', expected: item.id, absent: ['deskPayment', 'writeOff'] },
        );
      } catch (error) {
        const taken = await takenMeanwhile(deps, invoice, error);
        if (!taken) throw error;
        deps.logger?.info('balance invoice paid at the desk or written off while it was being sent: its Stripe draft deleted', { practiceId: practice.practiceId, invoiceId: invoice.invoiceId });
        return taken;
      }
    }
    await deps.after?.('line', invoice.invoiceId);
  }

  if (invoice.status === 'draft' || (invoice.status === 'open' && !invoice.hostedInvoiceUrl)) {
    // Charges may have turned off since the create (bug 92): the draft is not finalized, nothing goes
    // to the client; it waits as `awaiting_stripe` and the resume finalizes and emails it. Once
    // finalized it goes out: the hosted page takes the payment again as soon as Stripe enables charges.
    if (invoice.status === 'draft' && (await accountHolds(deps, practice, invoice))) return awaitStripe(deps, practice, invoice, now);
    const scope: StripeScope = { stripe: await deps.stripe(), account: invoiceStripeAccount(invoice, practice) };
    let finalized: Awaited<ReturnType<typeof finalizeInvoice>>;
    try {
      const current = await retrieveInvoice(scope, invoice.stripeInvoiceId!);
      // A desk payment or a write-off asked on this draft and not recorded (its request died before
      // deleting it): the draft is staff's now, not the client's bill. Left to the request's retry or
      // the hourly sweep (sweep.ts); nothing goes out. Stripe decides a live request racing this.
      if (current.status === 'draft' && askedByStaff(invoice)) {
        deps.logger?.info('balance invoice draft taken by a desk payment or a write-off not yet recorded: not finalized', { practiceId: practice.practiceId, invoiceId: invoice.invoiceId });
        return invoice;
      }
      finalized = current.status === 'draft' ? await finalizeInvoice(scope, invoice.stripeInvoiceId!, { auto_advance: false }, `inv:${invoice.invoiceId}:finalize`) : current;
    } catch (error) {
      // The desk or a write-off deleted the draft first (bug 101): Stripe finalizes no deleted invoice, nothing goes out.
      const taken = await takenMeanwhile(deps, invoice, error);
      if (!taken) throw error;
      deps.logger?.info('balance invoice paid at the desk or written off while it was being sent: its Stripe draft deleted', { practiceId: practice.practiceId, invoiceId: invoice.invoiceId });
      return taken;
    }
    await deps.after?.('finalize-answered', invoice.invoiceId);
    try {
      invoice = await invoicesOf(deps).recordInvoiceProgress(
        invoice,
        {
          ...(invoice.status === 'draft' ? { status: finalized.status === 'paid' ? 'paid' : 'open' } : {}),
          hostedInvoiceUrl: finalized.hosted_invoice_url ?? null,
          dueAt: finalized.due_date ? new Date(finalized.due_date * 1000).toISOString() : null,
        } as Partial<BalanceInvoice>,
        // Not over a write-off asked or done meanwhile (it voids what Stripe finalized; its `void`
        // stays), nor a desk payment: the send stops, nothing is issued or emailed.
        { attribute: 'hostedInvoiceUrl', expected: finalized.hosted_invoice_url ?? null, notTakenByStaff: true },
      );
    } catch (error) {
      const taken = await takenMeanwhile(deps, invoice, error);
      if (!taken) throw error;
      deps.logger?.info('balance invoice written off while it was being finalized: not issued, not emailed', { practiceId: practice.practiceId, invoiceId: invoice.invoiceId });
      return taken;
    }
    await deps.after?.('finalize', invoice.invoiceId);
  }

  if (invoice.hostedInvoiceUrl && !invoice.emailedAt && isCollecting(invoice.status)) invoice = await notifyInvoiceIssued(deps, practice, invoice, now);
  return invoice;
};
