/**
 * Nothing left waiting (audit d3, 2026-12-07; bug 93): a held balance invoice goes out on an event —
 * `StripeAccountUpdated` once the account can charge, the client's email saved through
 * `PATCH …/clients/{c}` — and when that event is lost the balance invoicer's hourly sweep
 * (lib/wiring.ts SCHEDULES, core/invoicing/sweep.ts) sends it, exactly once, also against the event's
 * resume racing it. Over DynamoDB Local, the Stripe emulator (real `stripe` SDK) and the local SES.
 *
 * A lost event is simulated by not delivering it: the account's new state is recorded with kneadpay's
 * own write (`accountStateWrite`) without its `StripeAccountUpdated`, as if the bus had parked that
 * event in the dead-letter queue; the client's email is saved with the store's `correctClient`
 * without the resume the route runs after it, as if the request had died in between.
 */
import { describe, expect, inject, it } from 'vitest';
import { invoiceClaimBalance, resumeInvoicesAwaitingStripe, sweepHeldInvoices, sweepPracticeHeldInvoices } from '../../functions/core/invoicing';
import { getStripe } from '../../functions/stripe/client';
import { handler as balanceInvoicer } from '../../functions/balance-invoicer';
import { correctClient } from '../../functions/store/client-identity';
import { listClaimInvoices } from '../../functions/store/invoices';
import { emulatorAdmin, waitForStripeStatus } from '../support/connect';
import { eventually } from '../support/eventually';
import { adjudicated, claimReady, emailsTo, heldThenChargesBack, pendingInvoiceRecord, store, stripeInvoicesFor } from '../support/invoicing';
import { countedStore } from '../support/paged-store';
import { newAccount } from '../support/reliability';
import { seedPractice } from '../support/fixtures';
import { newPracticeId } from '../support/store';
import { createClientWithoutEmail } from '../../functions/store/clients';
import { newInvoiceWrite } from '../../functions/store/invoices';
import { newId } from '../../functions/shared/ids';
import { ensureTable } from '../../local/dynamodb';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';

const deps = { store, stripe: getStripe, publicUrl: 'http://127.0.0.1:3000' };
const invoiceOf = async (practiceId: string) => (await listClaimInvoices(store, practiceId, 'CLM-1001'))[0]!;

const settled = <T>(work: Promise<T>) =>
  work.then(
    (value) => ({ ok: true as const, value }),
    (error: Error) => ({ ok: false as const, error: error.name }),
  );

describe('the hourly sweep of held balance invoices', () => {
  it('StripeAccountUpdated lost: the invoice waits (awaiting_stripe) until the sweep sends it once; a second sweep does nothing', async () => {
    // Prepare
    const { practiceId, clientId, email, accountId } = await heldThenChargesBack(deps);

    // Act
    const before = await invoiceOf(practiceId);
    const first = await sweepPracticeHeldInvoices(deps, practiceId);
    const second = await sweepPracticeHeldInvoices(deps, practiceId);

    // Assess
    expect(before).toMatchObject({ status: 'pending', awaitingStripe: true, stripeInvoiceId: null });
    expect(first).toEqual({ held: 1, sent: 1, busy: 0, finished: 0 });
    expect(second).toEqual({ held: 0, sent: 0, busy: 0, finished: 0 });
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([expect.objectContaining({ status: 'open', amount_due: 3400 })]);
    expect(await emailsTo(email)).toHaveLength(1);
    expect(await invoiceOf(practiceId)).toMatchObject({ status: 'open', emailedAt: expect.any(String), stripeAccountId: accountId });
  });

  it('two sweeps, the event’s resume and the balance invoicer’s StripeAccountUpdated racing, then the bus’s retry: one Stripe invoice, one email', async () => {
    // Prepare: the event was not lost after all, only late — it races the sweep.
    const { practiceId, clientId, email, accountId } = await heldThenChargesBack(deps);
    const event = {
      id: 'evt-late',
      'detail-type': 'StripeAccountUpdated',
      source: 'kneadpay',
      detail: { version: 1, practiceId, accountId, chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true, requirementsDue: [] },
    };

    // Act: two sweeps of this practice, two resumes, at once; then the bus's retry of the event's
    // resume (a run that found the email's lease taken asked to be retried), and the scheduled handler.
    const outcomes = await Promise.all([
      settled(sweepPracticeHeldInvoices(deps, practiceId)),
      settled(resumeInvoicesAwaitingStripe(deps, practiceId)),
      settled(sweepPracticeHeldInvoices(deps, practiceId)),
      settled(balanceInvoicer(event as never, {} as never)),
    ]);
    await balanceInvoicer(event as never, {} as never);
    await sweepPracticeHeldInvoices(deps, practiceId);

    // Assess: the only failure allowed is the event's "being sent by another delivery" (the bus retries it).
    for (const outcome of outcomes) if (!outcome.ok) expect(outcome.error).toBe('RetryableError');
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([expect.objectContaining({ status: 'open', amount_due: 3400 })]);
    await eventually('the email recorded', async () => ((await invoiceOf(practiceId)).emailedAt ? true : undefined), 10_000, 100);
    expect(await emailsTo(email)).toHaveLength(1);
    expect(await invoiceOf(practiceId)).toMatchObject({ status: 'open', emailedAt: expect.any(String) });
  });

  it('the client’s email saved but its resume lost: needs_email until the sweep sends it once', async () => {
    // Prepare: a client registered without an email; the balance waits for one.
    const { practiceId, clientId, email } = await claimReady({ withoutEmail: true });
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);
    const waiting = await invoiceOf(practiceId);
    const stillNone = await sweepPracticeHeldInvoices(deps, practiceId);
    // The save, without the resume PATCH runs after it.
    await correctClient(store, practiceId, clientId, { email }, new Date());

    // Act
    const swept = await sweepPracticeHeldInvoices(deps, practiceId);

    // Assess
    expect(waiting).toMatchObject({ status: 'pending', needsEmail: true, stripeInvoiceId: null });
    expect(stillNone).toEqual({ held: 1, sent: 0, busy: 0, finished: 0 });
    expect(swept).toEqual({ held: 1, sent: 1, busy: 0, finished: 0 });
    expect(await stripeInvoicesFor(practiceId, clientId)).toEqual([expect.objectContaining({ status: 'open', amount_due: 3400 })]);
    expect(await emailsTo(email)).toHaveLength(1);
    expect(await invoiceOf(practiceId)).toMatchObject({ status: 'open', emailedAt: expect.any(String), needsEmail: false });
  });

  it('what may not go out stays: an account still restricted (no Stripe call, no email)', async () => {
    // Prepare
    const accountId = newAccount();
    const { practiceId, clientId, email } = await claimReady({ practice: { stripeAccountId: accountId } });
    await emulatorAdmin(`/_accounts/${accountId}`, { charges_enabled: false, currently_due: ['external_account'] });
    await waitForStripeStatus(practiceId, (s) => s.status === 'restricted');
    await invoiceClaimBalance(deps, adjudicated(practiceId).original);

    // Act
    const swept = await sweepPracticeHeldInvoices(deps, practiceId);

    // Assess
    expect(swept).toEqual({ held: 1, sent: 0, busy: 0, finished: 0 });
    expect(await invoiceOf(practiceId)).toMatchObject({ status: 'pending', awaitingStripe: true, stripeInvoiceId: null });
    expect(await stripeInvoicesFor(practiceId, clientId, accountId)).toEqual([]);
    expect(await emailsTo(email)).toHaveLength(0);
  });

  it('walks every page of the practices index (its own table, 3 items a page): each of 7 practices swept once', async () => {
    // Prepare: its own table — the sweep walks every practice of a table, and the shared one holds
    // other tests' held invoices. Each practice has a balance waiting for its client's email, still
    // missing: the sweep reads it and leaves it (no Stripe call: the stack's webhook would not know
    // these invoices, which live in this table only).
    const tableName = `kneadpay-sweep-${newId('t').slice(-10)}`;
    await ensureTable(inject('dynamoEndpoint'), tableName);
    const paged = countedStore({ endpoint: inject('dynamoEndpoint'), tableName, pageLimit: 3 });
    const practiceIds: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const practiceId = newPracticeId();
      await seedPractice(paged, practiceId);
      const { client } = await createClientWithoutEmail(paged, { practiceId, clientId: newId('cli'), name: 'Jane Client', currency: 'usd' });
      const invoice = pendingInvoiceRecord(practiceId, client.clientId, { needsEmail: true });
      await paged.doc.send(new PutCommand({ TableName: tableName, Item: newInvoiceWrite(invoice).Put!.Item }));
      practiceIds.push(practiceId);
    }

    // Act
    const run = await sweepHeldInvoices({ ...deps, store: paged });

    // Assess: every practice, once; each one's unfinished invoices read once per status (pending, draft, open).
    expect(run).toEqual({ practices: 7, held: 7, sent: 0, busy: 0, finished: 0, failed: 0 });
    for (const practiceId of practiceIds) expect(paged.counters.visits.get(`PRACTICE#${practiceId}#INVOICES`), practiceId).toBe(3);
    expect(paged.counters.queriedKeys.get('PRACTICES')).toBeGreaterThanOrEqual(3);
    paged.doc.destroy();
    const admin = new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await admin.send(new DeleteTableCommand({ TableName: tableName }));
    admin.destroy();
  });
});
