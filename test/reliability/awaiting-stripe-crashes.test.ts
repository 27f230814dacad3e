/**
 * A crash at every step of sending a balance invoice held as `awaiting_stripe` (bug 88), then the
 * bus's retry of the same StripeAccountUpdated: one Stripe invoice on the practice's account, one
 * email, the invoice open. Over DynamoDB Local, the Stripe emulator (real `stripe` SDK) and the local
 * SES. The crash is injected through `deps.after` (a real crash cannot be scheduled), after each
 * recorded step (`INVOICE_STEPS` but `plan`, which a resume does not make) and inside the steps
 * (`INVOICE_INNER_STEPS` but `adjudication-recorded`, not a resume's, and `email-sent`: SES takes no
 * idempotency key, so a crash between its accepting and the record resends after the send lease,
 * as for every balance invoice — test/reliability/crashes.test.ts). Idempotency keys kept (a retry
 * at once); a retry past their 24 hours finds the objects by metadata, as crashes.test.ts shows for
 * the same saga.
 */
import { describe, expect, it } from 'vitest';
import { resumeInvoicesAwaitingStripe } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { listClaimInvoices } from '../../functions/store/invoices';
import { emailsTo, heldThenChargesBack, RESUME_STEPS, store, stripeInvoicesFor } from '../support/invoicing';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

describe('a crash while a held balance invoice is sent, then the retry', () => {
  it.each(RESUME_STEPS)('crash after %s → the retry makes one Stripe invoice and one email', async (step) => {
    // Prepare
    const { practiceId, clientId, email, accountId } = await heldThenChargesBack(deps);
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]).toMatchObject({ status: 'pending', awaitingStripe: true, stripeInvoiceId: null });

    // Act: the first delivery dies at the step; the bus delivers it again.
    const first = await resumeInvoicesAwaitingStripe(
      {
        ...deps,
        after: (at) => {
          if (at === step) throw new Error(`crash after ${step}`);
        },
      },
      practiceId,
    ).then(
      () => 'returned',
      (error: Error) => error.message,
    );
    await resumeInvoicesAwaitingStripe(deps, practiceId);

    // Assess
    expect(first).toBe(`crash after ${step}`);
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([expect.objectContaining({ status: 'open', amount_due: 3400 })]);
    expect(await emailsTo(email)).toHaveLength(1);
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]).toMatchObject({ status: 'open', emailedAt: expect.any(String), stripeAccountId: accountId });
  });
});
