/**
 * Key builders for the single table. Every item of a practice lives under `PRACTICE#<id>`, so a
 * tenant's data is one partition key prefix and no query can cross it by accident.
 * The access patterns these serve are listed in docs/data-model.md.
 */
export const practicePk = (practiceId: string) => `PRACTICE#${practiceId}` as const;

export const keys = {
  practice: (practiceId: string) => ({ pk: practicePk(practiceId), sk: 'PROFILE' }),
  /** Condition-guarded marker for one business identity (`scope` e.g. `stripe-event`). */
  marker: (practiceId: string, scope: string, businessKey: string) => ({
    pk: practicePk(practiceId),
    sk: `MARKER#${scope}#${businessKey}`,
  }),
  outbox: (practiceId: string, eventId: string) => ({ pk: practicePk(practiceId), sk: `OUTBOX#${eventId}` }),
} as const;

/** Keys that are not under a practice: global lookups. */
export const globalKeys = {
  /** Stripe events whose practice is not known yet (unknown connected account, no metadata). */
  stripeEventMarker: (eventId: string) => ({ pk: `STRIPE_EVENT#${eventId}`, sk: 'MARKER' }),
} as const;
