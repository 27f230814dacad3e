import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { servePutPractice } from '../../functions/practices';
import { connectTestAccount } from './connect';
import type { Store } from '../../functions/store/table';
import { findOrCreateClient, getClient, listLedger } from '../../functions/store/clients';
import { practicePk } from '../../functions/store/keys';
import type { Purchase } from '../../functions/domain/purchase';
import { insertPackage } from '../../functions/store/catalog';
import { getPurchase, insertOpenPurchase, purchaseKey } from '../../functions/store/purchases';
import { expiringIndex } from '../../functions/store/purchase-updates';
import { newId } from '../../functions/shared/ids';
import { logicalItems } from './items';

/** A practice; `stripeAccountId` in the overrides connects it to that (onboarded) account (test/support/connect.ts). */
export const seedPractice = async (store: Store, practiceId: string, overrides: Record<string, unknown> = {}) => {
  const { stripeAccountId, ...profile } = overrides;
  const practice = await servePutPractice(store, practiceId, {
    name: 'Harbor Bodywork',
    email: 'front@harbor.example',
    phone: '+1 555 0100',
    address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201' },
    taxId: '12-3456789',
    licenseNumber: 'LMT-24680',
    ...profile,
  });
  if (typeof stripeAccountId !== 'string') return practice;
  await connectTestAccount(store, practiceId, stripeAccountId);
  return { ...practice, stripeAccountId };
};

/** The package `seedOpenPurchase` sells (`pkg_test`: five 60-minute massages, $425), stored as staff would have made it, not yet on Stripe. */
export const seedPackage = async (store: Store, practiceId: string): Promise<void> => {
  const now = new Date().toISOString();
  await insertPackage(store, {
    packageId: 'pkg_test',
    practiceId,
    name: 'Five 60-minute massages',
    sessions: 5,
    sessionMinutes: 60,
    serviceCode: '97124',
    priceCents: 42500,
    currency: 'usd',
    expiresInDays: 365,
    active: true,
    stripeProductId: null,
    stripePriceId: null,
    previousStripePriceIds: [],
    createdAt: now,
    updatedAt: now,
  });
};

/**
 * The stored item of a paid purchase with an expiry, indexed as the credit expirer finds it
 * (`expiringIndex`): for seeding many at once (bench/scale.ts) or one past its expiry.
 */
export const paidExpiringPurchaseItem = (p: { practiceId: string; clientId: string; purchaseId: string; packageId: string; expiresAt: string }): Record<string, unknown> => ({
  ...purchaseKey(p.practiceId, p.clientId, p.purchaseId),
  type: 'purchase',
  purchaseId: p.purchaseId,
  practiceId: p.practiceId,
  clientId: p.clientId,
  packageId: p.packageId,
  state: 'paid',
  sessionsTotal: 5,
  sessionsRemaining: 5,
  sessionMinutes: 60,
  priceCents: 42500,
  currency: 'usd',
  expiresInDays: 30,
  expiresAt: p.expiresAt,
  refundedCents: 0,
  creditsRemoved: 0,
  createdAt: '2025-12-01T00:00:00.000Z',
  paidAt: '2025-12-02T00:00:00.000Z',
  version: 1,
  ...expiringIndex(p.practiceId, p.expiresAt, p.purchaseId),
});

export const seedOpenPurchase = async (store: Store, practiceId: string, opts: { sessions?: number; priceCents?: number; expiresInDays?: number | null; email?: string } = {}): Promise<Purchase> => {
  const client = await findOrCreateClient(store, { practiceId, email: opts.email ?? `${newId('c')}@client.example`, name: 'Jane Client', currency: 'usd' });
  const purchase: Purchase = {
    purchaseId: newId('pur'),
    practiceId,
    clientId: client.clientId,
    packageId: 'pkg_test',
    state: 'open',
    sessionsTotal: opts.sessions ?? 5,
    sessionsRemaining: 0,
    sessionMinutes: 60,
    priceCents: opts.priceCents ?? 42500,
    currency: 'usd',
    expiresInDays: opts.expiresInDays === undefined ? 365 : opts.expiresInDays,
    expiresAt: null,
    refundedCents: 0,
    creditsRemoved: 0,
    createdAt: new Date().toISOString(),
    version: 0,
  };
  await insertOpenPurchase(store, purchase);
  return purchase;
};

/** A Checkout Session object as Stripe sends it in events (the fields kneadpay reads). */
export const checkoutSession = (purchase: Purchase, over: Record<string, unknown> = {}) => ({
  id: `cs_test_${purchase.purchaseId}`,
  object: 'checkout.session',
  mode: 'payment',
  status: 'complete',
  payment_status: 'paid',
  amount_total: purchase.priceCents,
  currency: purchase.currency,
  payment_intent: `pi_${purchase.purchaseId}`,
  metadata: { practiceId: purchase.practiceId, clientId: purchase.clientId, packageId: purchase.packageId, purchaseId: purchase.purchaseId },
  ...over,
});

export const reloadPurchase = async (store: Store, purchase: Purchase) => (await getPurchase(store, purchase.practiceId, purchase.clientId, purchase.purchaseId))!;

export const outboxOf = async (store: Store, practiceId: string) => {
  const answer = await store.doc.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': practicePk(practiceId) },
      ConsistentRead: true,
    }),
  );
  // Events ride on their commit's marker (and further outbox items): read them all, in key order.
  return logicalItems(answer.Items ?? []).filter((item) => item.type === 'outbox') as { detailType: string; detail: Record<string, unknown>; eventId: string }[];
};

/** The ledger invariant: the client's stored balance equals the sum of its entries. */
export const ledgerState = async (store: Store, practiceId: string, clientId: string) => {
  const client = await getClient(store, practiceId, clientId);
  const entries = (await listLedger(store, practiceId, clientId)).items;
  return { balanceCents: client.balanceCents, sumCents: entries.reduce((sum, entry) => sum + entry.amountCents, 0), entries };
};
