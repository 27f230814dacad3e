/**
 * The hostile-outsider / malicious-tenant sequences of issue 17, replayed one by one against the
 * local stack (DynamoDB Local, the local SES, the Stripe emulator over HTTP). Each `describe` is
 * one finding; each test failed on the main branch before its fix (docs/reliability.md §10).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { newId } from '../../functions/shared/ids';
import { emailKey, findClientByEmail } from '../../functions/store/clients';
import { clientKey } from '../../functions/store/clients';
import { OPEN_PURCHASE_TTL_SECONDS } from '../../functions/store/purchases';
import { api, practiceProfile } from '../support/api';
import { emulator } from '../support/invoicing';
import { balancePaid, deliverToReceiptIssuer, openReceipt, practiceWithAdjudicatedClaim, receiptEmailsTo, receiptLinkIn, tokenOf } from '../support/receipts';
import { newPracticeId, testStore } from '../support/store';

const practiceWithPackage = async (profile: Record<string, unknown> = {}) => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile(profile) })).status).toBe(200);
  const pkg = await api('POST', `/practices/${practiceId}/packages`, {
    practiceId,
    body: { name: 'Five 60-minute massages', sessions: 5, sessionMinutes: 60, serviceCode: '97124', priceCents: 42500, currency: 'usd', expiresInDays: 365 },
  });
  expect(pkg.status).toBe(201);
  return { practiceId, packageId: pkg.body.packageId as string };
};

const anonymousCheckout = (practiceId: string, packageId: string, email: string, name: string, headers: Record<string, string> = {}) =>
  api('POST', `/p/${practiceId}/packages/${packageId}/checkout`, { body: { email, name }, headers });

const pay = async (url: string) => {
  const answer = await fetch(`${url}/pay`, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify({ outcome: 'succeeded', email: 'typed-on-stripe@client.example' }) });
  await emulator('/_deliveries/wait', { method: 'POST', body: { timeoutMs: 10_000 } });
  return answer.status;
};

const rawItem = async (key: { pk: string; sk: string }) => {
  const store = testStore();
  try {
    return (await store.doc.send(new GetCommand({ TableName: store.tableName, Key: key, ConsistentRead: true }))).Item;
  } finally {
    store.doc.destroy();
  }
};

describe('finding 1: anyone could set a patient\'s name at any practice', () => {
  it('an anonymous buyer creates the client first; staff registering the email get their own name back, audited', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const email = `${newId('victim')}@client.example`;

    const attack = await anonymousCheckout(practiceId, packageId, email, 'Mallory Was Here');
    const staff = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email, name: 'Jane Doe' } });
    const again = await anonymousCheckout(practiceId, packageId, email, 'Mallory Again');
    const lookup = await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(email)}`, { practiceId });
    const ledger = await api('GET', `/practices/${practiceId}/clients/${staff.body.clientId}/ledger`, { practiceId });

    expect(attack.status).toBe(201);
    expect(staff.status).toBe(200);
    expect(staff.body.name).toBe('Jane Doe');
    expect(again.status).toBe(201);
    expect(lookup.body.items[0]).toMatchObject({ clientId: staff.body.clientId, name: 'Jane Doe' });
    expect(ledger.body.entries).toEqual([
      expect.objectContaining({ kind: 'client_corrected', amountCents: 0, ref: staff.body.clientId, changes: { name: { from: 'Mallory Was Here', to: 'Jane Doe' } } }),
    ]);
  });

  it('an unpaid storefront client is provisional: it expires with its open purchase; paying confirms it', async () => {
    const { practiceId, packageId } = await practiceWithPackage();
    const unpaid = `${newId('unpaid')}@client.example`;
    const paid = `${newId('paid')}@client.example`;

    const started = await anonymousCheckout(practiceId, packageId, unpaid, 'Never Pays');
    const client = await rawItem(clientKey(practiceId, (await findClientByEmail(testStore(), practiceId, unpaid))!.clientId));
    const pointer = await rawItem(emailKey(practiceId, unpaid));
    const afterExpiry = await findClientByEmail(testStore(), practiceId, unpaid, new Date((Number(client?.ttl) + 1) * 1000));
    const buyer = await anonymousCheckout(practiceId, packageId, paid, 'Pays Promptly');
    expect(await pay(buyer.body.url)).toBe(200);
    const paidClient = await rawItem(clientKey(practiceId, (await findClientByEmail(testStore(), practiceId, paid))!.clientId));
    const paidPointer = await rawItem(emailKey(practiceId, paid));

    expect(started.status).toBe(201);
    expect(client).toMatchObject({ provisional: true, nameSource: 'storefront' });
    expect(Number(client?.ttl)).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + OPEN_PURCHASE_TTL_SECONDS - 60);
    expect(pointer?.ttl).toBe(client?.ttl);
    expect(afterExpiry).toBeUndefined();
    expect(paidClient).not.toHaveProperty('ttl');
    expect(paidClient).not.toHaveProperty('provisional');
    expect(paidPointer).not.toHaveProperty('ttl');
  });

  it('PATCH corrects name and email (audited); receipts, their page and resends use the corrected name', async () => {
    const { practiceId, clientId, email } = await practiceWithAdjudicatedClaim({ mode: 'full' });
    const issued = await deliverToReceiptIssuer(balancePaid(practiceId, clientId, `pi_${newId('x')}`));
    void issued;
    const [first] = await receiptEmailsTo(email);
    const token = tokenOf(receiptLinkIn(first!.body.text ?? first!.body.html ?? ''));
    const newEmail = `${newId('corrected')}@client.example`;
    const before = await openReceipt(token);

    const patched = await api('PATCH', `/practices/${practiceId}/clients/${clientId}`, { practiceId, body: { name: 'Janet Q. Doe', email: newEmail } });
    const page = await openReceipt(token);
    const receipts = await api('GET', `/practices/${practiceId}/receipts`, { practiceId });
    const resend = await api('POST', `/practices/${practiceId}/receipts/${receipts.body.items[0].receiptId}/send`, { practiceId });
    const resent = await receiptEmailsTo(newEmail);
    const ledger = await api('GET', `/practices/${practiceId}/clients/${clientId}/ledger`, { practiceId });
    const byOldEmail = await api('GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(email)}`, { practiceId });
    const bad = await api('PATCH', `/practices/${practiceId}/clients/${clientId}`, { practiceId, body: { email: 'not an email' } });
    const missing = await api('PATCH', `/practices/${practiceId}/clients/cli_nope`, { practiceId, body: { name: 'X' } });

    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ clientId, email: newEmail, name: 'Janet Q. Doe' });
    expect(before.body).toContain('Jane Doe');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Janet Q. Doe');
    expect(resend.status).toBe(200);
    expect(resent).toHaveLength(1);
    expect(resent[0]!.destination.to).toEqual([newEmail]);
    expect(ledger.body.entries).toContainEqual(expect.objectContaining({
      kind: 'client_corrected', amountCents: 0, changes: { name: { from: 'Jane Doe', to: 'Janet Q. Doe' }, email: { from: email, to: newEmail } },
    }));
    expect(byOldEmail.body.items).toEqual([]);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('email');
    expect(missing.status).toBe(404);
  });
});
