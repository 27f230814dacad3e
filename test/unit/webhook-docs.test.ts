import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EFFECTS } from '../../functions/stripe-webhook';

describe('the operations runbook', () => {
  it('subscribes the Stripe endpoint to exactly the event types the webhook handles', () => {
    const runbook = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const subscribed = [...runbook.matchAll(/--enabled-events (\S+)/g)].map((match) => match[1]).sort();
    expect(subscribed).toEqual(Object.keys(EFFECTS).sort());
  });
});
