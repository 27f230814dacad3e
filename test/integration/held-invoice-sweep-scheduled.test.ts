/**
 * The balance invoicer's scheduled branch, run (audit f3, 2026-12-07): the hourly sweep of held
 * balance invoices (bug 93) had been run only by calling `sweepHeldInvoices`, because it walks every
 * practice of the table and would touch other tests' invoices. Here it walks a table of its own
 * (the schema of functions/store/schema.ts, made by local/dynamodb.ts `ensureTable`) and a Stripe
 * emulator of its own with no webhook endpoint (its events would reach the shared stack, which
 * knows none of these invoices); SES is the shared one (unique addresses).
 *
 * The scheduled event goes through the real wiring: the local bus (local/event-bus.ts) fires the
 * balance invoicer's SCHEDULES row (lib/wiring.ts) with EventBridge's `Scheduled Event` envelope,
 * loads the handler from the wiring table's entry (functions/balance-invoicer.ts), retries a failed
 * run and parks it as a dead letter, as EventBridge does with the function's retry policy and DLQ.
 * Only the bus's own repetition is narrowed: the handler runs for the first scheduled event (and its
 * retry); later firings of the short test interval are delivered to nothing, so the assertions see
 * one scheduled run.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BalanceInvoice } from '../../functions/domain/invoice';
import { newId } from '../../functions/shared/ids';
import { correctClient } from '../../functions/store/client-identity';
import { createClientWithoutEmail } from '../../functions/store/clients';
import { linkAccount } from '../../functions/store/connect';
import { getInvoice, newInvoiceWrite } from '../../functions/store/invoices';
import { createStore, type Store } from '../../functions/store/table';
import { createStripe } from '../../functions/stripe/client';
import { FUNCTIONS, SCHEDULES } from '../../lib/wiring';
import { ensureTable } from '../../local/dynamodb';
import { startEventBus, type EventHandler } from '../../local/event-bus';
import { moduleLoader, type HandlerLoader } from '../../local/http-api';
import { startStripeEmulator, type StripeEmulator } from '../../local/stripe-emulator';
import { seedPractice } from '../support/fixtures';
import { emailsTo, pendingInvoiceRecord } from '../support/invoicing';
import { newPracticeId } from '../support/store';

const tableName = `kneadpay-sched-${newId('t').slice(-10)}`;
const ENV = ['KNEADPAY_TABLE', 'STRIPE_API_BASE'] as const;
const saved: Partial<Record<(typeof ENV)[number], string | undefined>> = {};
let emulator: StripeEmulator;
let stripe: Stripe;
let store: Store;

beforeAll(async () => {
  await ensureTable(inject('dynamoEndpoint'), tableName);
  emulator = await startStripeEmulator({ port: 0, webhookUrls: [] });
  stripe = await createStripe({ apiKey: 'sk_test_emulator', apiBase: emulator.url });
  store = createStore({ tableName });
  // What the handler reads when it makes its store and Stripe client (functions/shared/config.ts):
  // set before its first run in this test process (each test file runs in a process of its own).
  for (const name of ENV) saved[name] = process.env[name];
  process.env.KNEADPAY_TABLE = tableName;
  process.env.STRIPE_API_BASE = emulator.url;
});

afterAll(async () => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await emulator?.stop();
  store?.doc.destroy();
  const admin = new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await admin.send(new DeleteTableCommand({ TableName: tableName }));
  admin.destroy();
});

/** An onboarded connected account on this test's emulator (an emulator-only shortcut, as test/support/connect.ts does on the shared one). */
const accountOnEmulator = async (id: string) => {
  const made = await fetch(`${emulator.url}/_accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
  if (made.status !== 200) throw new Error(`the emulator refused account ${id}: ${await made.text()}`);
};

/**
 * A practice of this table with one balance invoice held since an event that never came: the
 * client's email saved without its resume (`needs_email`), or the account recorded able to charge
 * without its StripeAccountUpdated (`awaiting_stripe`) — on an account Stripe knows, or one it does
 * not (every Stripe call on it refused: that practice's sweep fails).
 */
const practiceWithHeldInvoice = async (held: 'needs_email' | 'awaiting_stripe' | 'awaiting_stripe, account unknown to Stripe', extra: Partial<BalanceInvoice> = {}) => {
  const practiceId = newPracticeId();
  await seedPractice(store, practiceId);
  const { client } = await createClientWithoutEmail(store, { practiceId, clientId: newId('cli'), name: 'Jane Client', currency: 'usd' });
  const email = `${newId('pt')}@client.example`;
  await correctClient(store, practiceId, client.clientId, { email }, new Date());
  let accountId: string | undefined;
  if (held !== 'needs_email') {
    accountId = `acct_sched${newId('a').slice(-12)}`;
    if (held === 'awaiting_stripe') await accountOnEmulator(accountId);
    const canCharge = !extra.deskPaymentRequest;
    await linkAccount(
      store,
      practiceId,
      accountId,
      { chargesEnabled: canCharge, payoutsEnabled: canCharge, detailsSubmitted: true, requirementsDue: canCharge ? [] : ['external_account'] },
      0,
      new Date(),
    );
  }
  const invoice = pendingInvoiceRecord(practiceId, client.clientId, { ...(held === 'needs_email' ? { needsEmail: true } : { awaitingStripe: true }), ...extra });
  await store.doc.send(new PutCommand({ TableName: tableName, Item: newInvoiceWrite(invoice).Put!.Item }));
  return { practiceId, clientId: client.clientId, email, accountId, invoiceId: invoice.invoiceId };
};

const stripeInvoicesOf = async (practiceId: string, account?: string) =>
  (await stripe.invoices.list({ limit: 100 }, account ? { stripeAccount: account } : undefined)).data.filter((invoice) => invoice.metadata?.practiceId === practiceId);

describe('the balance invoicer’s hourly schedule, over a table of its own', () => {
  it('the scheduled event through the wiring: lost events made up once, a desk request that died finished, one practice failing does not stop the others, and the run fails at the end (retried, then parked)', async () => {
    // Prepare
    const accountLost = await practiceWithHeldInvoice('awaiting_stripe');
    const failing = await practiceWithHeldInvoice('awaiting_stripe, account unknown to Stripe');
    const emailLost = await practiceWithHeldInvoice('needs_email');
    // A held Stripe draft a desk request deleted (Stripe no longer has it) and died before recording the payment, two minutes ago; the account still cannot charge.
    const deskDied = await practiceWithHeldInvoice('awaiting_stripe', {
      status: 'draft',
      stripeInvoiceId: 'in_deleted_by_the_desk',
      deskPaymentRequest: { paymentId: newId('desk'), stripeInvoiceId: 'in_deleted_by_the_desk', requestedAt: new Date(Date.now() - 120_000).toISOString(), method: 'check', amountCents: 3400 },
    });
    const [schedule] = SCHEDULES.filter((row) => row.fn === 'balance-invoicer');
    expect(schedule).toMatchObject({ expression: 'rate(1 hour)' });
    const wired = moduleLoader(FUNCTIONS);
    let firstRun: string | undefined;
    const runs: string[] = [];
    const bus = await startEventBus({
      endpoint: inject('dynamoEndpoint'),
      tableName,
      stream: false,
      rules: [],
      schedules: [schedule!],
      scheduleIntervalMs: 300,
      retry: { maxAttempts: 2, baseDelayMs: 50 },
      loadHandler: async (fn) => {
        const real = (await wired(fn)) as EventHandler;
        const firstOnly: EventHandler = (event, context) => {
          firstRun ??= event.id;
          if (event.id !== firstRun) return undefined;
          runs.push(event['detail-type']);
          return real(event, context);
        };
        return firstOnly as Awaited<ReturnType<HandlerLoader>>;
      },
      log: () => undefined,
    });

    // Act
    let parked;
    try {
      parked = await bus.waitForDeadLetter((dead) => dead.event.id === firstRun, 60_000);
    } finally {
      await bus.stop();
    }

    // Assess: the run, retried once, then parked with the reason.
    expect(parked).toMatchObject({ fn: 'balance-invoicer', attempts: 2, event: { 'detail-type': 'Scheduled Event', source: 'aws.events' } });
    expect(parked.error.message).toBe('the held balance invoice sweep failed for 1 practice(s)');
    expect(runs).toEqual(['Scheduled Event', 'Scheduled Event']);
    // The lost StripeAccountUpdated made up: sent once on its account, emailed once (the retry sent nothing more).
    expect((await stripeInvoicesOf(accountLost.practiceId, accountLost.accountId)).map((made) => [made.status, made.amount_due])).toEqual([['open', 3400]]);
    expect(await emailsTo(accountLost.email)).toHaveLength(1);
    expect(await getInvoice(store, accountLost.practiceId, accountLost.invoiceId)).toMatchObject({ status: 'open', emailedAt: expect.any(String) });
    // The lost resume after the email was saved made up: sent once on the platform's account.
    expect((await stripeInvoicesOf(emailLost.practiceId)).map((made) => [made.status, made.amount_due])).toEqual([['open', 3400]]);
    expect(await emailsTo(emailLost.email)).toHaveLength(1);
    // The desk payment finished, as asked, with the account still restricted; no email.
    expect(await getInvoice(store, deskDied.practiceId, deskDied.invoiceId)).toMatchObject({
      status: 'paid',
      stripeInvoiceId: null,
      deskPayment: { method: 'check', amountCents: 3400 },
    });
    expect(await emailsTo(deskDied.email)).toHaveLength(0);
    // The failing practice: still held, nothing on Stripe, no email.
    expect(await getInvoice(store, failing.practiceId, failing.invoiceId)).toMatchObject({ status: 'pending', awaitingStripe: true, stripeInvoiceId: null });
    expect(await emailsTo(failing.email)).toHaveLength(0);
  });
});
