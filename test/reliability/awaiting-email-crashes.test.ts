/**
 * A crash while a balance invoice that waited for the client's email is sent (staff gave the email:
 * `PATCH …/clients/{c}` resumes it), then the retry (staff save again, or the route is retried): one
 * Stripe invoice, one email, the invoice open. Over DynamoDB Local, the Stripe emulator (real `stripe`
 * SDK) and the local SES; the crash is injected through `deps.after` (a real crash cannot be
 * scheduled), after each step a resume makes, as test/reliability/awaiting-stripe-crashes.test.ts
 * does for the `awaiting_stripe` hold.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance, resumeInvoicesAwaitingEmail } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { correctClient } from '../../functions/store/client-identity';
import { listClaimInvoices } from '../../functions/store/invoices';
import { adjudicated, claimReady, emailsTo, RESUME_STEPS, store, stripeInvoicesFor } from '../support/invoicing';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };

describe('a crash while a balance that waited for an email is sent, then the retry', () => {
  it.each(RESUME_STEPS)('crash after %s → the retry makes one Stripe invoice and one email', async (step) => {
    // Prepare: the balance waits for an email; staff give one.
    const { practiceId, clientId, email } = await claimReady({ withoutEmail: true });
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]).toMatchObject({ status: 'pending', needsEmail: true, stripeInvoiceId: null });
    await correctClient(store, practiceId, clientId, { email }, new Date());

    // Act: the resume dies at the step; it runs again.
    const first = await resumeInvoicesAwaitingEmail(
      {
        ...deps,
        after: (at) => {
          if (at === step) throw new Error(`crash after ${step}`);
        },
      },
      practiceId,
      clientId,
    ).then(
      () => 'returned',
      (error: Error) => error.message,
    );
    await resumeInvoicesAwaitingEmail(deps, practiceId, clientId);

    // Assess
    expect(first).toBe(`crash after ${step}`);
    expect(await stripeInvoicesFor(practiceId, clientId)).toEqual([expect.objectContaining({ status: 'open', amount_due: 3400 })]);
    expect(await emailsTo(email)).toHaveLength(1);
    expect((await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]).toMatchObject({ status: 'open', emailedAt: expect.any(String) });
  });
});
