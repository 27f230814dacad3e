/**
 * The webhook checks `Stripe-Signature` without the Stripe SDK (functions/stripe/events.ts
 * `constructSignedEvent`), so its bundle does not carry the SDK. stripe-node's
 * `Stripe.webhooks.constructEvent` stays the reference: on every input — signed by Stripe's own test
 * header generator or not, headers taken apart and put back wrong, bodies that are not UTF-8 or not
 * JSON, blank secrets, old timestamps — the two accept the same events and refuse the same ones, and
 * what they accept parses to the same value.
 */
import fc from 'fast-check';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { constructSignedEvent } from '../../functions/stripe/events';
import { propertyRuns } from '../support/property-runs';

const TOLERANCE = 300;
const NOW = new Date('2026-12-07T09:00:00Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

type Outcome = { accepted: true; value: unknown } | { accepted: false };

const ours = (raw: Buffer, header: string, secret: string, tolerance: number): Outcome => {
  try {
    return { accepted: true, value: constructSignedEvent(raw, header, secret, tolerance, NOW) };
  } catch {
    return { accepted: false };
  }
};

const sdks = (raw: Buffer, header: string, secret: string, tolerance: number): Outcome => {
  try {
    return { accepted: true, value: Stripe.webhooks.constructEvent(raw, header, secret, tolerance, undefined, NOW.getTime()) };
  } catch {
    return { accepted: false };
  }
};

const signed = (payload: string, secret: string, timestamp: number) => Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

const secrets = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => `whsec_${s}`),
  fc.constantFrom('', ' ', '\t\n', 'whsec_with space', 'whsec_\u00e9\u00e8'),
);
const events = fc.record({ id: fc.string({ maxLength: 20 }).map((s) => `evt_${s}`), object: fc.constantFrom('event', 'v2.core.event', 'charge'), data: fc.jsonValue() });
const timestamps = fc.oneof(fc.integer({ min: NOW_SECONDS - 2 * TOLERANCE, max: NOW_SECONDS + TOLERANCE }), fc.constantFrom(NOW_SECONDS, NOW_SECONDS - TOLERANCE, NOW_SECONDS - TOLERANCE - 1));

describe('constructSignedEvent agrees with stripe-node on every input', () => {
  it('events Stripe signed: same acceptance, same value (timestamps around the tolerance, blank and odd secrets, thin events)', () => {
    fc.assert(
      fc.property(events, secrets, timestamps, fc.constantFrom(TOLERANCE, 0), (event, secret, timestamp, tolerance) => {
        const payload = JSON.stringify(event);
        const header = secret.trim() ? signed(payload, secret, timestamp) : `t=${timestamp},v1=${'0'.repeat(64)}`;
        const raw = Buffer.from(payload, 'utf8');
        expect(ours(raw, header, secret, tolerance)).toEqual(sdks(raw, header, secret, tolerance));
      }),
      { numRuns: propertyRuns(2_000) },
    );
  });

  it('headers taken apart and put back wrong: extra, missing, reordered, spaced and truncated parts', () => {
    const part = (good: string, timestamp: number) =>
      fc.oneof(
        fc.constant(`t=${timestamp}`),
        fc.constant(`v1=${good}`),
        fc.constant(`v1=${good.slice(1)}`),
        fc.constant(`v1=${good.toUpperCase()}`),
        fc.constant(` v1=${good}`),
        fc.constant(`v0=${good}`),
        fc.constant(`t= ${timestamp}`),
        fc.constant(`t=${timestamp}x`),
        fc.constant('t='),
        fc.constant('v1'),
        fc.string({ maxLength: 12 }),
      );
    const cases = fc
      .tuple(
        events,
        secrets.filter((s) => s.trim() !== ''),
        timestamps,
      )
      .chain(([event, secret, timestamp]) => {
        const payload = JSON.stringify(event);
        const good = /v1=([0-9a-f]+)/.exec(signed(payload, secret, timestamp))![1]!;
        return fc.record({ payload: fc.constant(payload), secret: fc.constant(secret), parts: fc.array(part(good, timestamp), { maxLength: 5 }) });
      });
    fc.assert(
      fc.property(cases, ({ payload, secret, parts }) => {
        const raw = Buffer.from(payload, 'utf8');
        const header = parts.join(',');
        expect(ours(raw, header, secret, TOLERANCE)).toEqual(sdks(raw, header, secret, TOLERANCE));
      }),
      { numRuns: propertyRuns(3_000) },
    );
  });

  it('bodies that are not UTF-8, not JSON, empty or carry a byte-order mark, signed over what the SDK decodes', () => {
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ maxLength: 40 }).map((text) => Buffer.from(text, 'utf8')),
      fc.jsonValue().map((value) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(value) ?? 'null', 'utf8')])),
      fc.constant(Buffer.alloc(0)),
    );
    fc.assert(
      fc.property(
        bodies,
        secrets.filter((s) => s.trim() !== ''),
        timestamps,
        fc.boolean(),
        (raw, secret, timestamp, overDecoded) => {
          // Signed over the text as the SDK decodes it, or over the bytes read as latin1 (a forwarder that re-encoded the body).
          const text = overDecoded ? new TextDecoder('utf8').decode(raw) : raw.toString('latin1');
          const header = signed(text, secret, timestamp);
          expect(ours(raw, header, secret, TOLERANCE)).toEqual(sdks(raw, header, secret, TOLERANCE));
        },
      ),
      { numRuns: propertyRuns(2_000) },
    );
  });

  it('a correctly signed event is accepted and parsed; a wrong secret, a changed byte and an old timestamp are refused (both ways)', () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'checkout.session.completed', data: { object: { id: 'cs_1' } } });
    const raw = Buffer.from(payload, 'utf8');
    const header = signed(payload, 'whsec_right', NOW_SECONDS - 10);
    expect(ours(raw, header, 'whsec_right', TOLERANCE)).toEqual({ accepted: true, value: JSON.parse(payload) });
    expect(sdks(raw, header, 'whsec_right', TOLERANCE)).toEqual({ accepted: true, value: JSON.parse(payload) });
    for (const [body, head, secret] of [
      [raw, header, 'whsec_wrong'],
      [Buffer.from(payload.replace('cs_1', 'cs_2'), 'utf8'), header, 'whsec_right'],
      [raw, signed(payload, 'whsec_right', NOW_SECONDS - TOLERANCE - 1), 'whsec_right'],
    ] as const) {
      expect(ours(body, head, secret, TOLERANCE)).toEqual({ accepted: false });
      expect(sdks(body, head, secret, TOLERANCE)).toEqual({ accepted: false });
    }
  });
});
