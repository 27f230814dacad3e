import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEstimate, getEstimate } from '../../functions/core/estimates';
import type { EstimatesPort, RemittancesPort } from '../../functions/core/ports';
import { receiveRemittance, REMITTANCES_STORE } from '../../functions/core/remittances';
import type { Claim, QuarantinedClaim, RemittanceSummary } from '../../functions/domain/claim';
import type { Estimate } from '../../functions/domain/estimate';
import type { Practice } from '../../functions/domain/practice';
import type { CommitRequest } from '../../functions/store/commit';
import { getRemittance } from '../../functions/store/claims';
import * as remittancesStore from '../../functions/store/remittances';
import { api, practiceProfile, practiceWithClient } from '../support/api';
import { newPracticeId, testStore } from '../support/store';

/**
 * Core modules reach the table through ports (functions/core/ports.ts), so a test can hand them
 * another implementation: one that is not DynamoDB at all, or the real one with a crash injected
 * at a point a real crash cannot be scheduled.
 */
const store = testStore();

const estimateBody = (over: Record<string, unknown> = {}) => ({
  primaryService: 'Massage therapy, 60 minutes',
  scheduledOn: '2026-11-23',
  serviceDate: '2026-12-07',
  dateOfBirth: '1980-04-02',
  lines: [{ serviceCode: '97124', description: 'Massage, 60 minutes', quantity: 1, unitChargeCents: 9000 }],
  ...over,
});

describe('core modules run against another implementation of their store port', () => {
  it('estimates: an in-memory port keeps the Idempotency-Key rules (replay, 409 on other content) and the table is never written', async () => {
    const { practiceId, clientId } = await practiceWithClient();
    const kept = new Map<string, Estimate>();
    const memory: EstimatesPort = {
      insertEstimate: async (_store, estimate) => {
        if (kept.has(estimate.estimateId)) return false;
        kept.set(estimate.estimateId, estimate);
        return true;
      },
      findEstimate: async (_store, _practiceId, estimateId) => kept.get(estimateId),
    };
    const now = new Date('2026-11-23T15:00:00Z');

    const first = await createEstimate(store, practiceId, clientId, estimateBody(), 'key-1', now, memory);
    const again = await createEstimate(store, practiceId, clientId, estimateBody(), 'key-1', now, memory);
    const other = createEstimate(store, practiceId, clientId, estimateBody({ primaryService: 'Something else' }), 'key-1', now, memory);

    expect([first.created, again.created, again.estimate]).toEqual([true, false, first.estimate]);
    await expect(other).rejects.toMatchObject({ status: 409, code: 'idempotency_key_reused' });
    expect(kept.size).toBe(1);
    expect(await getEstimate(store, practiceId, first.estimate.estimateId, memory)).toEqual(first.estimate);
    // The default port (the table) never saw it.
    await expect(getEstimate(store, practiceId, first.estimate.estimateId)).rejects.toMatchObject({ status: 404 });
  });

  it('remittances: a crash after the quarantined claims are written and before the summary commits → the file sent again answers once, nothing doubled', async () => {
    const practiceId = newPracticeId();
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: practiceProfile() })).status).toBe(200);
    // The practice has no claim CLM-1001: the file's one claim payment is quarantined.
    const era = readFileSync(new URL('../fixtures/era/worked-example.835', import.meta.url), 'utf8');
    const crashing: RemittancesPort = {
      ...REMITTANCES_STORE,
      remittanceWrite: () => {
        throw new Error('crash injected before the remittance summary commits');
      },
    };

    await expect(receiveRemittance(store, practiceId, era, new Date(), crashing)).rejects.toThrow(/crash injected/);
    const written = await remittancesStore.listQuarantine(store, practiceId, (await receiveRemittance(store, practiceId, era)).summary.remittanceId);
    const replay = await receiveRemittance(store, practiceId, era);

    expect(written).toEqual([{ patientControlNumber: 'CLM-1001', problems: ['no claim CLM-1001 in this practice'] }]);
    expect([replay.created, replay.summary.quarantined]).toEqual([false, written]);
  });

  it('remittances: an ERA applied on an in-memory port (practice, claim, quarantine, commit all in memory) — each claim payment and the file commit once under their markers, the same file again answers from memory, and the table is never read or written', async () => {
    const practiceId = newPracticeId(); // never PUT: the practice exists only in the port
    const era = readFileSync(new URL('../fixtures/era/worked-example.835', import.meta.url), 'utf8');
    const claim = { practiceId, claimId: 'CLM-1001', clientId: 'cli_memory', currency: 'usd' } as Claim;
    const markers = new Map<string, unknown>();
    const commits: CommitRequest<unknown>[] = [];
    const summaries = new Map<string, Omit<RemittanceSummary, 'quarantined'>>();
    const quarantines = new Map<string, QuarantinedClaim[]>();
    const markerKey = (marker: { pk: string; sk: string }) => `${marker.pk}|${marker.sk}`;
    const memory: RemittancesPort = {
      // The item builders are pure (they only lay items out); everything read or committed stays here.
      adjudicationMarker: REMITTANCES_STORE.adjudicationMarker,
      adjudicationWrites: REMITTANCES_STORE.adjudicationWrites,
      remittanceMarker: REMITTANCES_STORE.remittanceMarker,
      remittanceWrite: (id, summary, count) => {
        summaries.set(summary.remittanceId, summary);
        return REMITTANCES_STORE.remittanceWrite(id, summary, count);
      },
      getPractice: async (_store, id) => (id === practiceId ? ({ practiceId, name: 'Harbor Bodywork' } as Practice) : undefined),
      getClaim: async (_store, id, claimId) => (id === practiceId && claimId === claim.claimId ? claim : undefined),
      listAdjudications: async () => [],
      getRemittance: async (_store, id, remittanceId) => {
        const summary = summaries.get(remittanceId);
        return summary && markers.has(markerKey(REMITTANCES_STORE.remittanceMarker(id, remittanceId))) ? { ...summary, quarantined: [] } : undefined;
      },
      putQuarantine: async (_store, _id, remittanceId, quarantined) => void quarantines.set(remittanceId, quarantined),
      listQuarantine: async (_store, _id, remittanceId) => quarantines.get(remittanceId) ?? [],
      commitOnce: async <R>(_store: unknown, request: CommitRequest<R>) => {
        const key = markerKey(request.marker);
        if (markers.has(key)) return { status: 'duplicate' as const, result: markers.get(key) as R | undefined };
        markers.set(key, request.marker.result);
        commits.push(request as CommitRequest<unknown>);
        return { status: 'committed' as const, result: request.marker.result };
      },
    };
    const now = new Date('2026-10-21T15:00:00Z');

    const first = await receiveRemittance(store, practiceId, era, now, memory);
    const again = await receiveRemittance(store, practiceId, era, now, memory);

    expect(first.created).toBe(true);
    expect(first.summary).toMatchObject({ traceNumber: 'EFT123', claims: 1, matched: 1, quarantined: [] });
    expect([again.created, again.summary]).toEqual([false, first.summary]);
    // Two commits, each under its marker: the claim payment's adjudication (with its ClaimAdjudicated) and the file's summary.
    expect(commits.map((commit) => commit.marker.sk.split('#')[1])).toEqual(['adjudication', 'remittance']);
    expect(commits[0]!.events).toEqual([
      expect.objectContaining({ detailType: 'ClaimAdjudicated', detail: expect.objectContaining({ claimId: 'CLM-1001', paidCents: 5600, patientResponsibilityCents: 3400 }) }),
    ]);
    expect(commits[0]!.writes.length).toBeGreaterThan(0);
    expect(commits[1]!.events).toEqual([]);
    // The table knows neither the practice nor the file.
    expect(await getRemittance(store, practiceId, first.summary.remittanceId)).toBeUndefined();
    await expect(receiveRemittance(store, practiceId, era, now)).rejects.toMatchObject({ status: 404 });
  });
});
