/**
 * A staff write-off of a patient balance (docs/decisions/014-write-offs.md): before it, kneadpay had
 * no way to forgive a balance — the client's ledger kept owing it and its Stripe invoice stayed open
 * (reminders went on) or held. `POST …/invoices/{invoiceId}/write-offs` `{reason, note?}` closes the
 * invoice where the client could pay it (voided on Stripe; a held one never sent) and records, once,
 * the write-off, the ledger entry, the audit item and PatientBalanceWrittenOff. On the real parts:
 * the local stack over HTTP, DynamoDB Local, the Stripe emulator through the `stripe` SDK.
 */
import { describe, expect, it } from 'vitest';
import { invoiceClaimBalance } from '../../functions/core/invoicing';
import { writeOffBalance } from '../../functions/core/write-offs';
import { sendReminders } from '../../functions/invoice-reminder';
import { getStripe } from '../../functions/stripe/client';
import { getInvoice, listClaimInvoices } from '../../functions/store/invoices';
import { api } from '../support/api';
import { eventually } from '../support/eventually';
import { ledgerState, outboxOf } from '../support/fixtures';
import { auditItems, balance, deps, raisedTo5000, reversalOf24, writeOff } from '../support/write-offs';
import { adjudicated, claimReady, emailsTo, emulator, payClaimInvoice, store, stripe, stripeInvoicesFor } from '../support/invoicing';

describe('writing off a balance invoice', () => {
  it('an open $34.00 invoice, hardship: voided on Stripe (its page takes no payment), the ledger zeroed, the claim closed, audited, one PatientBalanceWrittenOff, no email — once, and a retry answers the same', async () => {
    // Prepare
    const open = await balance();
    expect(open.invoice).toMatchObject({ status: 'open', amountDueCents: 3400 });
    const before = await ledgerState(store, open.practiceId, open.clientId);
    const emailsBefore = (await emailsTo(open.email)).length;
    const since = new Date().toISOString();

    // Act
    const first = await writeOff(open.practiceId, open.invoice.invoiceId, { reason: 'hardship', note: 'Lost her job in October; agreed at the desk' }, 'wo-1');
    const retry = await writeOff(open.practiceId, open.invoice.invoiceId, { reason: 'hardship', note: 'Lost her job in October; agreed at the desk' }, 'wo-1');

    // Assess: the answer
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(first.body).toMatchObject({
      invoiceId: open.invoice.invoiceId,
      claimId: 'CLM-1001',
      clientId: open.clientId,
      status: 'written_off',
      reason: 'hardship',
      note: 'Lost her job in October; agreed at the desk',
      amountCents: 3400,
      currency: 'usd',
      writtenOffBy: `local-user-${open.practiceId}`, // the local token's subject
    });
    expect(retry.body).toEqual(first.body);
    // Stripe: void, not payable any more
    const [onStripe] = await stripeInvoicesFor(open.practiceId, open.clientId);
    expect(onStripe).toMatchObject({ status: 'void', amount_paid: 0 });
    const paidOnPage = await fetch(`${open.invoice.hostedInvoiceUrl}/pay`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'succeeded' }),
    });
    expect(paidOnPage.status).toBe(409);
    // kneadpay: the list, the claim, the ledger, the audit, the event
    const listed = await api('GET', `/practices/${open.practiceId}/invoices`, { practiceId: open.practiceId });
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        invoiceId: open.invoice.invoiceId,
        status: 'written_off',
        amountDueCents: 3400,
        amountPaidCents: 0,
        writeOff: expect.objectContaining({ reason: 'hardship', amountCents: 3400 }),
      }),
    ]);
    const claim = await api('GET', `/practices/${open.practiceId}/claims/CLM-1001`, { practiceId: open.practiceId });
    expect(claim.body).toMatchObject({ state: 'closed', invoice: { status: 'written_off', amountDueCents: 3400 } });
    const after = await ledgerState(store, open.practiceId, open.clientId);
    expect(after.balanceCents - before.balanceCents).toBe(-3400);
    expect(after.balanceCents).toBe(after.sumCents);
    expect(after.entries.filter((entry) => entry.kind === 'balance_writeoff')).toEqual([expect.objectContaining({ amountCents: -3400, ref: open.invoice.invoiceId })]);
    expect(await auditItems(open.practiceId)).toEqual([
      expect.objectContaining({
        action: 'balance-written-off',
        invoiceId: open.invoice.invoiceId,
        reason: 'hardship',
        actor: `local-user-${open.practiceId}`,
        amountCents: 3400,
        at: first.body.writtenOffAt,
      }),
    ]);
    const events = (await outboxOf(store, open.practiceId)).filter((item) => item.detailType === 'PatientBalanceWrittenOff');
    expect(events.map((item) => item.detail)).toEqual([
      {
        version: 1,
        practiceId: open.practiceId,
        claimId: 'CLM-1001',
        clientId: open.clientId,
        invoiceId: open.invoice.invoiceId,
        writeOffId: first.body.writeOffId,
        reason: 'hardship',
        amountCents: 3400,
        currency: 'usd',
        writtenOffAt: first.body.writtenOffAt,
      },
    ]);
    // Reminders stop: 30 days past due, the practice's cadence (7, 14) would remind an open invoice.
    const due = new Date(open.invoice.dueAt!).getTime();
    expect(await sendReminders(store, new Date(due + 30 * 86_400_000), [open.practiceId])).toMatchObject({ sent: 0 });
    expect((await emailsTo(open.email)).length).toBe(emailsBefore);
    // Nothing of the reason or the note went to Stripe: the only calls were a read and the void.
    const requests = (await emulator(`/_requests?since=${encodeURIComponent(since)}`)).body.requests as unknown[];
    const text = JSON.stringify(requests);
    expect(text).not.toContain('hardship');
    expect(text).not.toContain('Lost her job');
  });

  it('later adjudications count the write-off: a correction to $24 bills and refunds nothing; a correction to $50 bills only the new $16', async () => {
    // Prepare
    const open = await balance();
    expect((await writeOff(open.practiceId, open.invoice.invoiceId, { reason: 'courtesy' })).status).toBe(201);
    const { reversal, correction } = adjudicated(open.practiceId);

    // Act: reversal + correction to $24
    const lower = await invoiceClaimBalance(deps, reversal);
    const lowerStill = await invoiceClaimBalance(deps, correction);

    // Assess
    expect([...lower.actions, ...lowerStill.actions]).toEqual([]);
    expect(await listClaimInvoices(store, open.practiceId, 'CLM-1001')).toHaveLength(1);
    expect((await outboxOf(store, open.practiceId)).filter((item) => item.detailType === 'PaymentRefunded')).toEqual([]);

    // Act: a reversal of the $24 and a correction to $50
    const back = await invoiceClaimBalance(deps, reversalOf24(open.practiceId));
    const higher = await invoiceClaimBalance(deps, { ...raisedTo5000(open.practiceId), remittance: { ...correction.remittance, traceNumber: 'EFT125' } });

    // Assess: only the part above the $34 written off is billed
    expect([...back.actions, ...higher.actions]).toEqual([{ kind: 'invoice', amountCents: 1600 }]);
    const invoices = await listClaimInvoices(store, open.practiceId, 'CLM-1001');
    expect(invoices.map((invoice) => [invoice.status, invoice.amountDueCents])).toEqual([
      ['void', 3400],
      ['open', 1600],
    ]);
  });

  it('a held balance (30 cents below_minimum, small_balance) is written off with no Stripe call; a needs_email one never goes to Stripe, even once the client has an email', async () => {
    // Prepare
    const small = await balance({ collectedCents: 3370 });
    const noEmail = await balance({ withoutEmail: true });
    expect([small.invoice.belowMinimum, noEmail.invoice.needsEmail]).toEqual([true, true]);
    const since = new Date().toISOString();

    // Act
    const smallOff = await writeOff(small.practiceId, small.invoice.invoiceId, { reason: 'small_balance' });
    const noEmailOff = await writeOff(noEmail.practiceId, noEmail.invoice.invoiceId, { reason: 'bad_debt', note: 'moved away' });
    const patched = await api('PATCH', `/practices/${noEmail.practiceId}/clients/${noEmail.clientId}`, { practiceId: noEmail.practiceId, body: { email: noEmail.email } });
    const replanned = await invoiceClaimBalance(deps, adjudicated(noEmail.practiceId).original);

    // Assess
    expect([smallOff.status, smallOff.body.amountCents, noEmailOff.status, noEmailOff.body.amountCents]).toEqual([201, 30, 201, 3400]);
    expect(patched.status).toBe(200);
    expect(patched.body.resumedInvoices ?? []).toEqual([]);
    expect(replanned.actions).toEqual([]);
    expect(await stripeInvoicesFor(noEmail.practiceId, noEmail.clientId)).toEqual([]);
    expect(await emailsTo(noEmail.email)).toEqual([]);
    const ours = ((await emulator(`/_requests?since=${encodeURIComponent(since)}`)).body.requests as unknown[]).filter((request) => {
      const text = JSON.stringify(request);
      return text.includes(small.practiceId) || text.includes(small.invoice.invoiceId) || text.includes(noEmail.invoice.invoiceId);
    });
    expect(ours).toEqual([]);
    expect(await getInvoice(store, noEmail.practiceId, noEmail.invoice.invoiceId)).toMatchObject({ status: 'void', stripeInvoiceId: null });
    const ledger = await ledgerState(store, small.practiceId, small.clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'balance_writeoff').map((entry) => entry.amountCents)).toEqual([-30]);
  });

  it('a write-off recorded while the balance invoicer is sending the invoice (Stripe has answered the create, kneadpay has not recorded it): the send yields — its draft deleted, no email', async () => {
    // Prepare
    const ready = await claimReady();
    let answer: Awaited<ReturnType<typeof writeOff>> | undefined;
    const racing = {
      ...deps,
      after: async (step: string, invoiceId: string | null) => {
        if (step === 'invoice-answered' && invoiceId && !answer) answer = await writeOff(ready.practiceId, invoiceId, { reason: 'courtesy' });
      },
    };

    // Act
    const sent = await invoiceClaimBalance(racing, adjudicated(ready.practiceId).original);

    // Assess
    expect(answer).toMatchObject({ status: 201, body: { status: 'written_off', amountCents: 3400 } });
    expect(sent.invoices).toEqual([expect.objectContaining({ status: 'void', stripeInvoiceId: null, writeOff: expect.objectContaining({ reason: 'courtesy' }) })]);
    expect(await stripeInvoicesFor(ready.practiceId, ready.clientId)).toEqual([]);
    expect(await emailsTo(ready.email)).toEqual([]);
  });

  it("a request that dies after Stripe's void and before its commit: Stripe's invoice.voided finishes the write-off (once), and the request's retry answers it", async () => {
    // Prepare: the open $34.00 invoice; the request dies between the void and the commit (the core's
    // test hook throws there), asked two minutes ago so the webhook no longer waits for it.
    const open = await balance();
    const asked = new Date(Date.now() - 120_000);
    const crashing = { store, stripe: getStripe, after: () => Promise.reject(new Error('the process died')) };

    // Act
    const died = await writeOffBalance(crashing, open.practiceId, open.invoice.invoiceId, { reason: 'bad_debt' }, { idempotencyKey: 'wo-crash', actor: 'staff-1' }, asked).catch(
      (error: Error) => error,
    );
    const finished = await eventually('the write-off finished by invoice.voided', async () => (await getInvoice(store, open.practiceId, open.invoice.invoiceId))?.writeOff, 20_000, 100);
    const retry = await writeOff(open.practiceId, open.invoice.invoiceId, { reason: 'bad_debt' }, 'wo-crash');

    // Assess
    expect((died as Error).message).toBe('the process died');
    expect(finished).toMatchObject({ reason: 'bad_debt', amountCents: 3400, writtenOffBy: 'staff-1' });
    expect([retry.status, retry.body.writeOffId, retry.body.status]).toEqual([200, finished.writeOffId, 'written_off']);
    expect((await stripeInvoicesFor(open.practiceId, open.clientId)).map((invoice) => invoice.status)).toEqual(['void']);
    const ledger = await ledgerState(store, open.practiceId, open.clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'balance_writeoff').map((entry) => entry.amountCents)).toEqual([-3400]);
    expect((await outboxOf(store, open.practiceId)).filter((item) => item.detailType === 'PatientBalanceWrittenOff')).toHaveLength(1);
    expect(await auditItems(open.practiceId)).toHaveLength(1);
  });

  it('an invoice the practice marked uncollectible on Stripe is voided; a draft a crash left on Stripe (before finalize) is deleted — neither can be paid afterwards', async () => {
    // Prepare: one invoice marked uncollectible in Stripe (its event recorded), one left a draft by a crash after its line.
    const marked = await balance();
    await stripe.invoices.markUncollectible(marked.invoice.stripeInvoiceId!);
    await eventually('uncollectible recorded', async () => ((await getInvoice(store, marked.practiceId, marked.invoice.invoiceId))?.status === 'uncollectible' ? true : undefined), 20_000, 100);
    const drafted = await claimReady();
    const crash = { ...deps, after: async (step: string) => (step === 'line' ? Promise.reject(new Error('the process died')) : undefined) };
    await invoiceClaimBalance(crash, adjudicated(drafted.practiceId).original).catch(() => undefined);
    const [draft] = await listClaimInvoices(store, drafted.practiceId, 'CLM-1001');
    expect(draft).toMatchObject({ status: 'draft', stripeInvoiceId: expect.any(String) });

    // Act
    const uncollectibleOff = await writeOff(marked.practiceId, marked.invoice.invoiceId, { reason: 'bad_debt' });
    const draftOff = await writeOff(drafted.practiceId, draft!.invoiceId, { reason: 'courtesy' });
    const resumed = await invoiceClaimBalance(deps, adjudicated(drafted.practiceId).original);

    // Assess
    expect([uncollectibleOff.status, uncollectibleOff.body.amountCents, draftOff.status, draftOff.body.amountCents]).toEqual([201, 3400, 201, 3400]);
    expect((await stripeInvoicesFor(marked.practiceId, marked.clientId)).map((invoice) => invoice.status)).toEqual(['void']);
    expect(await stripeInvoicesFor(drafted.practiceId, drafted.clientId)).toEqual([]);
    expect(resumed.invoices).toEqual([expect.objectContaining({ status: 'void', writeOff: expect.objectContaining({ reason: 'courtesy' }) })]);
    expect(await emailsTo(drafted.email)).toEqual([]);
  });

  it.each([
    [{}, 400, 'reason'],
    [{ reason: 'forgiven' }, 400, 'reason'],
    [{ reason: 'other', note: 'x'.repeat(501) }, 400, 'note'],
    [{ reason: 'other', note: 42 }, 400, 'note'],
  ])('%j → %i naming %s, nothing written', async (body, status, field) => {
    const open = await balance();
    const refused = await writeOff(open.practiceId, open.invoice.invoiceId, body, 'k1');
    expect([refused.status, refused.body.error.code, refused.body.error.details.field]).toEqual([status, 'validation_error', field]);
    expect(await getInvoice(store, open.practiceId, open.invoice.invoiceId)).toMatchObject({ status: 'open', version: open.invoice.version });
    // The same key with a valid body writes it off: the refusal left nothing behind.
    expect((await writeOff(open.practiceId, open.invoice.invoiceId, { reason: 'other' }, 'k1')).status).toBe(201);
  });

  it('refused: a paid invoice (409 invoice_already_paid), one written off already (another key: 409 invoice_already_written_off; the same key, another body: 409 idempotency_key_reused), one voided by a later adjudication (409 invoice_void), an unknown one (404)', async () => {
    // Prepare
    const paid = await balance();
    await payClaimInvoice(paid.practiceId);
    const done = await balance();
    expect((await writeOff(done.practiceId, done.invoice.invoiceId, { reason: 'courtesy' }, 'first')).status).toBe(201);
    const replaced = await balance();
    const { reversal } = adjudicated(replaced.practiceId);
    await invoiceClaimBalance(deps, reversal);
    expect(await getInvoice(store, replaced.practiceId, replaced.invoice.invoiceId)).toMatchObject({ status: 'void' });

    // Act
    const answers = await Promise.all([
      writeOff(paid.practiceId, paid.invoice.invoiceId, { reason: 'courtesy' }),
      writeOff(done.practiceId, done.invoice.invoiceId, { reason: 'courtesy' }, 'second'),
      writeOff(done.practiceId, done.invoice.invoiceId, { reason: 'hardship' }, 'first'),
      writeOff(replaced.practiceId, replaced.invoice.invoiceId, { reason: 'courtesy' }),
      writeOff(paid.practiceId, 'inv_unknown', { reason: 'courtesy' }),
    ]);

    // Assess
    expect(answers.map((answer) => [answer.status, answer.body.error.code])).toEqual([
      [409, 'invoice_already_paid'],
      [409, 'invoice_already_written_off'],
      [409, 'idempotency_key_reused'],
      [409, 'invoice_void'],
      [404, 'not_found'],
    ]);
    expect(answers[0]!.body.error.details).toMatchObject({ field: 'invoiceId', status: 'paid' });
    expect((await stripeInvoicesFor(paid.practiceId, paid.clientId))[0]).toMatchObject({ status: 'paid' });
    const paidLedger = await ledgerState(store, paid.practiceId, paid.clientId);
    expect(paidLedger.entries.filter((entry) => entry.kind === 'balance_writeoff')).toEqual([]);
  });

  it('8 racing write-offs of one open invoice (4 retries of one request, 4 others) → one write-off, one void, one ledger entry, one event', async () => {
    const open = await balance();

    const racing = await Promise.all([
      ...Array.from({ length: 4 }, () => writeOff(open.practiceId, open.invoice.invoiceId, { reason: 'bad_debt' }, 'race')),
      ...Array.from({ length: 4 }, (_, i) => writeOff(open.practiceId, open.invoice.invoiceId, { reason: 'courtesy' }, `other-${i}`)),
    ]);

    expect(racing.filter((answer) => answer.status === 201)).toHaveLength(1);
    expect(racing.every((answer) => [200, 201, 409].includes(answer.status))).toBe(true);
    expect(racing.filter((answer) => answer.status === 409).every((answer) => answer.body.error.code === 'invoice_already_written_off')).toBe(true);
    expect((await outboxOf(store, open.practiceId)).filter((item) => item.detailType === 'PatientBalanceWrittenOff')).toHaveLength(1);
    const ledger = await ledgerState(store, open.practiceId, open.clientId);
    expect(ledger.entries.filter((entry) => entry.kind === 'balance_writeoff')).toHaveLength(1);
    expect(ledger.balanceCents).toBe(ledger.sumCents);
    expect((await stripeInvoicesFor(open.practiceId, open.clientId)).map((invoice) => invoice.status)).toEqual(['void']);
  });
});
