import { randomBytes } from 'node:crypto';
import type { Command, CommandIo } from './io';
import { defaultApi, localTokenFor, UsageError } from './io';
import { claimsOutJourney } from './demo-claims';

/**
 * `kneadpay demo`: the main job end to end against a running `npm start`, printed step by step with
 * the links a person would open. It drives the emulated Stripe pages the way a client clicks them.
 */
interface Ctx {
  api: string;
  token: string;
  practiceId: string;
  io: CommandIo;
  inbox: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const call = async (ctx: Ctx, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const answer = await fetch(`${ctx.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${ctx.token}`, accept: 'application/json', ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await answer.text();
  // The demo reads whatever JSON each route answers and prints parts of it: untyped on purpose.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // a page
  }
  if (answer.status >= 400) throw new Error(`${method} ${path} answered ${answer.status}: ${text.slice(0, 300)}`);
  return parsed;
};

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
};

const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;

/** Mails in the local inbox for a recipient (the aws-ses-v2-local store). */
const mailsTo = async (inbox: string, email: string): Promise<{ subject: string; text?: string; html?: string }[]> => {
  const answer = await fetch(`${inbox}/store`);
  const body = (await answer.json()) as { emails: { subject: string; destination?: { to?: string[] }; text?: string; html?: string }[] };
  return body.emails.filter((mail) => JSON.stringify(mail.destination ?? mail).includes(email));
};

/** A one-claim ERA for the DOMAIN.md worked example (also used by bench/cost.ts). */
export const eraFor = (claimId: string, trace = `EFT${claimId.replace(/\D/g, '').slice(-6)}`) =>
  [
    'ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*KNEADPAY       *261020*1200*^*00501*000000001*0*P*:',
    'GS*HP*ACMEHEALTH*KNEADPAY*20261020*1200*1*X*005010X221A1',
    'ST*835*0001*005010X221A1',
    'BPR*I*56*C*ACH*CCP*01*999999999*DA*123456789*1512345678**01*999988880*DA*98765*20261020',
    `TRN*1*${trace}*1512345678`,
    'N1*PR*ACME HEALTH',
    'N1*PE*CALM HANDS MASSAGE*XX*1234567893',
    'LX*1',
    `CLP*${claimId}*1*130*56*34*12*PAYER-77`,
    'NM1*QC*1*DOE*JANE****MI*W123456789',
    'SVC*HC:97124*60*26**2',
    'DTM*472*20261002',
    'CAS*CO*45*20',
    'CAS*PR*2*14',
    'AMT*B6*40',
    'SVC*HC:97140*70*30**2',
    'DTM*472*20261002',
    'CAS*CO*45*20',
    'CAS*PR*1*20',
    'AMT*B6*50',
    'SE*19*0001',
    'GE*1*1',
    'IEA*1*000000001',
  ].join('~\n') + '~\n';

export const run: Command = async (args, io) => {
  let given: string | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg !== '--api' && !arg.startsWith('--api=')) throw new UsageError(`unknown argument ${arg}\nusage: kneadpay demo [--api <url>]`);
    given = arg === '--api' ? args[++index] : arg.slice('--api='.length);
    if (!given) throw new UsageError('--api needs a URL');
  }
  const api = given ?? defaultApi();
  const health = await fetch(`${api}/health`).catch(() => undefined);
  if (!health || health.status !== 200) throw new Error(`no kneadpay answering at ${api}/health: start it with npm start`);
  const info = (await fetch(`${api}/_local/info`)
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}))) as { sesUrl?: string; stripeUrl?: string; mode?: string };
  if (info.mode && info.mode !== 'emulator') throw new Error('the demo clicks the emulated Stripe pages: run npm start without STRIPE_SECRET_KEY');

  const practiceId = `demo-${randomBytes(3).toString('hex')}`;
  const ctx: Ctx = { api, token: await localTokenFor(api, practiceId), practiceId, io, inbox: info.sesUrl ?? null };
  // Numbered as they run (the Stripe onboarding step came in between; the numbers below are the old ones).
  let stepNo = 0;
  const step = (_n: number, text: string) => io.stdout(`\n${(stepNo += 1)}. ${text}`);
  const detail = (text: string) => io.stdout(`   ${text}`);
  const clientEmail = `jane.${practiceId}@example.com`;

  step(1, 'A practice signs up');
  await call(ctx, 'PUT', `/practices/${practiceId}`, {
    name: 'Calm Hands Massage',
    email: 'frontdesk@calmhands.example',
    phone: '+1 503 555 0100',
    address: { line1: '12 Alder St', city: 'Portland', state: 'OR', postalCode: '97205' },
    taxId: '12-3456789',
    npi: '1234567893',
    licenseNumber: 'LMT-24680',
    timezone: 'America/Los_Angeles',
  });
  detail(`practice ${practiceId}`);

  step(1, 'It connects its own Stripe account through Stripe-hosted onboarding');
  const onboarding = await call(ctx, 'POST', `/practices/${practiceId}/stripe/onboarding`);
  detail(`connected account ${onboarding.accountId}; onboarding page: ${onboarding.url}`);
  const completed = await fetch(`${onboarding.url}/complete`, { method: 'POST', headers: { accept: 'application/json' } });
  if (!completed.ok) throw new Error(`the emulated onboarding page did not complete (${completed.status})`);
  const connected = await waitFor('charges to be enabled', async () => {
    const status = await call(ctx, 'GET', `/practices/${practiceId}/stripe`);
    return status.chargesEnabled ? status : undefined;
  });
  detail(`onboarding complete: Stripe's account.updated says charges ${connected.chargesEnabled ? 'enabled' : 'disabled'}, payouts ${connected.payoutsEnabled ? 'enabled' : 'disabled'}`);

  step(2, 'It creates a session package (its Stripe Product and Price on the practice’s account)');
  const pkg = await call(ctx, 'POST', `/practices/${practiceId}/packages`, {
    name: 'Five 60-minute massages',
    sessions: 5,
    sessionMinutes: 60,
    serviceCode: '97124',
    priceCents: 42500,
    currency: 'usd',
    expiresInDays: 365,
  });
  detail(`${pkg.packageId}: ${pkg.sessions} × ${pkg.sessionMinutes} min for ${money(pkg.priceCents)}`);
  detail(`storefront: ${api}/p/${practiceId}`);

  step(3, 'A client buys it on the hosted Checkout page');
  const checkout = await call(ctx, 'POST', `/p/${practiceId}/packages/${pkg.packageId}/checkout`, { email: clientEmail, name: 'Jane Doe' });
  detail(`checkout: ${checkout.url}`);
  const paid = await fetch(`${checkout.url}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ outcome: 'succeeded', email: clientEmail }),
  });
  if (!paid.ok) throw new Error(`the emulated checkout did not take the payment (${paid.status})`);
  detail('paid with a test Visa ending 4242; Stripe sends signed webhooks to kneadpay');

  step(4, 'Credits appear');
  const client = (await call(ctx, 'GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(clientEmail)}`)).items[0];
  const purchase = await waitFor('the credits', async () => {
    const items = (await call(ctx, 'GET', `/practices/${practiceId}/clients/${client.clientId}/purchases`)).items;
    return items.find((item: { status: string }) => item.status === 'active');
  });
  detail(`client ${client.clientId}: ${purchase.sessionsRemaining} of ${purchase.sessionsTotal} sessions, expires ${String(purchase.expiresAt).slice(0, 10)}`);

  step(5, 'A receipt email arrives');
  if (ctx.inbox) {
    const mail = await waitFor('the receipt email', async () => (await mailsTo(ctx.inbox!, clientEmail))[0], 20_000).catch(() => undefined);
    detail(mail ? `"${mail.subject}" — inbox: ${ctx.inbox}` : `no receipt email yet (receipts are issued by the receipt-issuer consumer) — inbox: ${ctx.inbox}`);
  } else detail('inbox address unknown: open the SES inbox that npm start printed');

  step(6, 'A visit redeems a credit');
  const redemption = await call(ctx, 'POST', `/practices/${practiceId}/clients/${client.clientId}/redemptions`, { appointmentId: `appt-${practiceId}-1` });
  detail(`${redemption.redemptionId}: ${redemption.sessionsRemaining} sessions left`);

  step(7, 'A claim for an insured visit is registered (units from minutes, 8-minute rule)');
  const claimId = `CLM-${Date.now().toString().slice(-6)}`;
  const claim = await call(ctx, 'POST', `/practices/${practiceId}/claims`, {
    claimId,
    clientId: client.clientId,
    payerName: 'ACME HEALTH',
    dateOfService: '2026-10-02',
    placeOfService: '11',
    diagnosisCodes: ['M54.2'],
    lines: [
      { procedureCode: '97124', modifiers: ['GP'], minutes: 30, chargeCents: 6000 },
      { procedureCode: '97140', modifiers: ['GP'], minutes: 25, chargeCents: 7000 },
    ],
  });
  detail(`${claim.claimId}: ${claim.lines.map((l: { procedureCode: string; units: number }) => `${l.procedureCode} × ${l.units}`).join(', ')}, billed ${money(claim.chargeCents)}`);

  step(8, 'The payer’s ERA (X12 835) is imported');
  const remittance = await call(ctx, 'POST', `/practices/${practiceId}/remittances`, eraFor(claimId), { 'content-type': 'application/edi-x12' });
  detail(`${remittance.remittanceId}: ${remittance.claims} claim payment(s), ${remittance.matched} matched, ${remittance.quarantined.length} quarantined`);

  step(9, 'The non-covered balance is invoiced on a hosted invoice page');
  const invoiced = await waitFor('the balance invoice', async () => {
    const view = await call(ctx, 'GET', `/practices/${practiceId}/claims/${claimId}`);
    return view.invoice?.hostedInvoiceUrl ? view : undefined;
  });
  detail(`insurer paid, patient responsibility ${money(invoiced.patientResponsibilityCents)}; invoice ${invoiced.invoice.invoiceId} for ${money(invoiced.invoice.amountDueCents)}`);
  detail(`hosted invoice: ${invoiced.invoice.hostedInvoiceUrl}`);

  step(10, 'The client pays on the hosted invoice page');
  const invoicePaid = await fetch(`${invoiced.invoice.hostedInvoiceUrl}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ outcome: 'succeeded' }),
  });
  if (!invoicePaid.ok) throw new Error(`the emulated invoice page did not take the payment (${invoicePaid.status})`);
  const settled = await waitFor('the invoice to be paid', async () => {
    const list = await call(ctx, 'GET', `/practices/${practiceId}/invoices?status=paid`);
    return list.items.find((item: { invoiceId: string }) => item.invoiceId === invoiced.invoice.invoiceId);
  });
  detail(`invoice ${settled.invoiceId} paid: ${money(settled.amountPaidCents)}`);

  step(11, 'The second receipt arrives');
  if (ctx.inbox) {
    const mails = await waitFor(
      'the second receipt',
      async () => {
        const found = (await mailsTo(ctx.inbox!, clientEmail)).filter((mail) => /receipt/i.test(mail.subject));
        return found.length >= 2 ? found : undefined;
      },
      20_000,
    ).catch(() => undefined);
    detail(mails ? `"${mails[1]!.subject}"` : 'no second receipt email yet (see the receipt-issuer consumer)');
  }
  const receipts = await call(ctx, 'GET', `/practices/${practiceId}/receipts?clientId=${client.clientId}`).catch(() => ({ items: [] }));
  for (const receipt of receipts.items ?? []) detail(`${receipt.number} ${receipt.kind} ${money(receipt.totalCents)} — ${receipt.url}`);
  // Claims out (issue 18): its own block, after the main journey.
  await claimsOutJourney({ call: (method, path, body, headers) => call(ctx, method, path, body, headers), waitFor, eraFor, step, detail, api, practiceId, clientId: client.clientId, firstStep: 12 });
  const ledger = await call(ctx, 'GET', `/practices/${practiceId}/clients/${client.clientId}/ledger`);
  io.stdout(`\nDone. ${client.clientId} owes ${money(ledger.balanceCents)}; ${ledger.entries.length} ledger entries.`);
};
