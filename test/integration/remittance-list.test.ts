/**
 * The remittance list's key layout: a page of `GET …/remittances` counts files, whatever their
 * quarantined claims, and the remittances written in the earlier layout (quarantined claims sorted
 * under their file, `REMITTANCE#<id>#Q#n`) still read the same.
 */
import { createHash } from 'node:crypto';
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { deriveId } from '../../functions/shared/ids';
import { createStore } from '../../functions/store/table';
import { api, practiceProfile, type ApiAnswer } from '../support/api';
import { newPracticeId } from '../support/store';
import { manyPaymentsEra } from '../fixtures/era/many-payments';

const store = createStore();

const newPractice = async () => {
  const practiceId = newPracticeId();
  expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
  return practiceId;
};

const postEra = (practiceId: string, text: string) => api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: text, headers: { 'content-type': 'application/edi-x12' } });

/** What the list's key condition reads from the table for a practice: the items DynamoDB evaluates and the read units. */
const listRead = async (practiceId: string) => {
  const answer = await store.doc.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': `PRACTICE#${practiceId}`, ':sk': 'REMITTANCE#' },
      Select: 'COUNT',
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  return { scanned: answer.ScannedCount, readUnits: answer.ConsumedCapacity?.CapacityUnits ?? Number.NaN };
};

type ListPage = { items: Record<string, unknown>[]; nextCursor: string | null };

/** Every page of the list, in order. */
const listPages = async (practiceId: string): Promise<ListPage[]> => {
  const pages: ListPage[] = [];
  let cursor: string | null = null;
  do {
    const page: ApiAnswer<ListPage> = await api<ListPage>('GET', `/practices/${practiceId}/remittances${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, { practiceId });
    expect(page.status, page.text).toBe(200);
    pages.push(page.body);
    cursor = page.body.nextCursor;
  } while (cursor && pages.length < 20);
  return pages;
};

/** `count` one-payment files, each a different unknown claim (one quarantined claim a file). */
const oneClaimFile = (i: number) =>
  manyPaymentsEra(1)
    .replace('TRN*1*EFT90000*', `TRN*1*EFT8${String(i).padStart(4, '0')}*`)
    .replace('CLP*CLM-90000*', `CLP*CLM-8${String(i).padStart(4, '0')}*`);

/**
 * The items a remittance was stored as before quarantined claims had their own key prefix (up to
 * 2026-12-07): the summary at `REMITTANCE#<id>` with its payments inline, and each quarantined claim
 * at `REMITTANCE#<id>#Q#<n, 6 digits>` — the layout a laptop data dir kept across the upgrade, or a
 * deployed table, still holds. Written directly: the code no longer writes it.
 */
const putOldLayout = async (practiceId: string, text: string, quarantined: { patientControlNumber: string; problems: string[] }[], morePayments = 0) => {
  const remittanceId = deriveId('rem', practiceId, createHash('sha256').update(text).digest('hex'));
  const pk = `PRACTICE#${practiceId}`;
  const summary = {
    pk,
    sk: `REMITTANCE#${remittanceId}`,
    type: 'remittance',
    remittanceId,
    traceNumber: 'EFT70000',
    claims: quarantined.length,
    matched: 0,
    providerAdjustmentCents: 0,
    paymentCents: 5000 * quarantined.length,
    paidAt: '2026-11-02',
    receivedAt: '2026-11-03T10:00:00.000Z',
    payments: [
      {
        traceNumber: 'EFT70000',
        payerId: '1512345678',
        payerName: 'ACME HEALTH',
        paymentCents: 5000 * quarantined.length,
        paidAt: '2026-11-02',
        claims: quarantined.length,
        claimsPaidCents: 5000 * quarantined.length,
        providerAdjustmentCents: 0,
        providerAdjustments: [],
        problems: [],
      },
      ...Array.from({ length: morePayments }, (_, i) => ({
        traceNumber: `EFT7${String(i + 1).padStart(4, '0')}`,
        payerId: '1512345678',
        payerName: 'ACME HEALTH',
        paymentCents: 0,
        paidAt: '2026-11-02',
        claims: 0,
        claimsPaidCents: 0,
        providerAdjustmentCents: 0,
        providerAdjustments: Array.from({ length: 18 }, (_, k) => ({
          providerId: '1234567893',
          fiscalPeriodDate: '2026-12-31',
          reason: 'WO',
          reference: `ADJ-${i}-${k}`,
          amountCents: k % 2 ? -1 : 1,
        })),
        problems: [],
      })),
    ],
    quarantinedCount: quarantined.length,
  };
  const items = [summary, ...quarantined.map((entry, n) => ({ pk, sk: `REMITTANCE#${remittanceId}#Q#${String(n).padStart(6, '0')}`, type: 'quarantine', remittanceId, ...entry }))];
  for (let start = 0; start < items.length; start += 25) {
    const answer = await store.doc.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    expect(Object.keys(answer.UnprocessedItems ?? {})).toEqual([]);
  }
  return { remittanceId, summary };
};

describe('the remittance list counts files, whatever their quarantined claims', () => {
  it('three files carrying 120, 60 and 60 quarantined claims → the first page holds all three, and nothing more', async () => {
    // Prepare: every file has many quarantined claims, so whichever sorts first would spend a
    // 50-item read on its own claims if they sorted under it.
    const practiceId = await newPractice();
    const posted = [];
    for (const text of [manyPaymentsEra(120), manyPaymentsEra(60), manyPaymentsEra(60).replaceAll('EFT9', 'EFT6')]) posted.push(await postEra(practiceId, text));
    expect(posted.map((answer) => [answer.status, answer.body.quarantined?.length])).toEqual([
      [202, 120],
      [202, 60],
      [202, 60],
    ]);

    // Act
    const first = await api<ListPage>('GET', `/practices/${practiceId}/remittances`, { practiceId });

    // Assess
    expect(first.status).toBe(200);
    expect(first.body.items.map((item) => item.remittanceId).sort()).toEqual(posted.map((answer) => answer.body.remittanceId).sort());
    expect(first.body.items.map((item) => item.quarantinedCount).sort()).toEqual([120, 60, 60]);
    expect(first.body.nextCursor).toBeNull();
    // In one read of the three summaries: the key condition reaches none of the 240 quarantined claims.
    expect((await listRead(practiceId)).scanned).toBe(3);
    // A file's own page still has every quarantined claim, in file order.
    const heavy = await api('GET', `/practices/${practiceId}/remittances/${posted[0]!.body.remittanceId}`, { practiceId });
    expect(heavy.body.quarantined).toEqual(posted[0]!.body.quarantined);
    expect(heavy.body.quarantined.map((entry: { patientControlNumber: string }) => entry.patientControlNumber).slice(0, 3)).toEqual(['CLM-90000', 'CLM-90001', 'CLM-90002']);
  });

  it('51 files, each with a quarantined claim and one with 120 more → a full page of 50 files, then the last one', async () => {
    const practiceId = await newPractice();
    const ids = new Set<string>();
    for (let i = 0; i < 50; i += 1) {
      const answer = await postEra(practiceId, oneClaimFile(i));
      expect([answer.status, answer.body.quarantined?.length], answer.text).toEqual([202, 1]);
      ids.add(answer.body.remittanceId);
    }
    const heavy = await postEra(practiceId, manyPaymentsEra(120));
    expect([heavy.status, heavy.body.quarantined.length]).toEqual([202, 120]);
    ids.add(heavy.body.remittanceId);

    const pages = await listPages(practiceId);

    expect(pages.map((page) => page.items.length)).toEqual([50, 1]);
    expect(new Set(pages.flatMap((page) => page.items.map((item) => item.remittanceId as string)))).toEqual(ids);
  });
});

describe("the remittance list reads no file's payments", () => {
  it('eight files keeping ~200 KB of payments each → the first page holds all eight; each file still shows its payments', async () => {
    // Prepare: eight files of 150 payments (each keeps the first ~200 KB of them, about 160 KB as
    // DynamoDB counts). A page of a query stops after 1 MB read, before projection: summaries
    // carrying their payments filled it after seven files.
    const practiceId = await newPractice();
    const posted = [];
    for (let i = 0; i < 8; i += 1) posted.push(await postEra(practiceId, manyPaymentsEra(150).replaceAll('EFT9', `EFT${i}`)));
    expect(posted.map((answer) => answer.status)).toEqual(Array(8).fill(202));

    // Act
    const first = await api<ListPage>('GET', `/practices/${practiceId}/remittances`, { practiceId });
    const detail = await api('GET', `/practices/${practiceId}/remittances/${posted[0]!.body.remittanceId}`, { practiceId });

    // Assess: one page of eight summaries…
    expect(first.status).toBe(200);
    expect([first.body.items.length, first.body.nextCursor]).toEqual([8, null]);
    // …read in one read of a few kilobytes: the summaries hold no payments (eight that did were 1.2 MB).
    expect((await listRead(practiceId)).readUnits).toBeLessThan(2);
    // …and the file's own page still has its payments (the first ~200 KB, the rest counted).
    expect(JSON.stringify(detail.body.payments).length).toBeGreaterThan(150_000);
    expect(detail.body.payments.length + detail.body.paymentsOmitted).toBe(150);
    expect(detail.body.payments[0]).toMatchObject({ traceNumber: 'EFT00000', paymentCents: 5000, claims: 1, problems: [] });
  });
});

describe('remittances stored in the earlier layout (quarantined claims under REMITTANCE#<id>#Q#n)', () => {
  it("a file's own page shows its quarantined claims; the list shows summaries only; the same file posted again answers with them", async () => {
    // Prepare: one file in the earlier layout (60 quarantined claims, its payments inline on the
    // summary) and one received now, with quarantine of its own.
    const practiceId = await newPractice();
    const oldText = manyPaymentsEra(60).replaceAll('EFT9', 'EFT7');
    const quarantined = Array.from({ length: 60 }, (_, n) => ({
      patientControlNumber: `CLM-7${String(n).padStart(4, '0')}`,
      problems: [`no claim CLM-7${String(n).padStart(4, '0')} in this practice`],
    }));
    const old = await putOldLayout(practiceId, oldText, quarantined);
    const fresh = await postEra(practiceId, manyPaymentsEra(3));
    expect([fresh.status, fresh.body.quarantined.length]).toEqual([202, 3]);

    // Act
    const detail = await api('GET', `/practices/${practiceId}/remittances/${old.remittanceId}`, { practiceId });
    const pages = await listPages(practiceId);
    const again = await postEra(practiceId, oldText);

    // Assess: the old file's page has its 60 quarantined claims in order, and its inline payments.
    expect(detail.status).toBe(200);
    expect(detail.body.quarantined).toEqual(quarantined);
    expect(detail.body.payments).toEqual(old.summary.payments);
    expect(detail.body).toMatchObject({ remittanceId: old.remittanceId, traceNumber: 'EFT70000', claims: 60, matched: 0, paymentCents: 300_000 });
    // The list: the two summaries, nothing of the quarantine items, no payments.
    const items = pages.flatMap((page) => page.items);
    expect(items.map((item) => item.remittanceId).sort()).toEqual([old.remittanceId, fresh.body.remittanceId].sort());
    expect(items.find((item) => item.remittanceId === old.remittanceId)).toEqual({
      remittanceId: old.remittanceId,
      traceNumber: 'EFT70000',
      claims: 60,
      matched: 0,
      quarantinedCount: 60,
      paymentCents: 300_000,
      providerAdjustmentCents: 0,
      paidAt: '2026-11-02',
      receivedAt: '2026-11-03T10:00:00.000Z',
    });
    // The same file again: nothing re-applied, the first answer with its old-layout quarantine.
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ remittanceId: old.remittanceId, traceNumber: 'EFT70000', claims: 60, matched: 0, quarantined });
  });

  it('three files of the earlier layout with 60 quarantined claims each → the first page still holds all three', async () => {
    const practiceId = await newPractice();
    const ids = [];
    for (let f = 0; f < 3; f += 1) {
      const quarantined = Array.from({ length: 60 }, (_, n) => ({ patientControlNumber: `CLM-${f}${String(n).padStart(4, '0')}`, problems: ['no claim in this practice'] }));
      ids.push((await putOldLayout(practiceId, `earlier file ${f}`, quarantined)).remittanceId);
    }

    const first = await api<ListPage>('GET', `/practices/${practiceId}/remittances`, { practiceId });

    expect(first.status).toBe(200);
    expect([first.body.items.map((item) => item.remittanceId).sort(), first.body.nextCursor]).toEqual([ids.sort(), null]);
  });

  it('eight summaries of the earlier layout carrying ~160 KB of payments each → the first page still holds all eight, without their payments', async () => {
    const practiceId = await newPractice();
    const ids = [];
    for (let f = 0; f < 8; f += 1) ids.push((await putOldLayout(practiceId, `earlier heavy file ${f}`, [], 120)).remittanceId);

    const first = await api<ListPage>('GET', `/practices/${practiceId}/remittances`, { practiceId });
    const detail = await api('GET', `/practices/${practiceId}/remittances/${ids[0]}`, { practiceId });

    expect(first.status).toBe(200);
    expect([first.body.items.map((item) => item.remittanceId).sort(), first.body.nextCursor]).toEqual([ids.sort(), null]);
    expect(first.body.items.every((item) => item.payments === undefined)).toBe(true);
    // Each is ~160 KB as DynamoDB counts (at least 150,000 characters of payments): seven fill 1 MB.
    expect(JSON.stringify(detail.body.payments).length).toBeGreaterThan(150_000);
  });
});
