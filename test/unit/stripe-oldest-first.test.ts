/**
 * `oldestFirst`: a Stripe list in the order its items happened. Stripe lists newest first
 * (docs.stripe.com/api/pagination) and `created` is in seconds; its ids carry no order.
 */
import { describe, expect, it } from 'vitest';
import { oldestFirst } from '../../functions/stripe/gateway';

describe('oldestFirst', () => {
  it('orders by created, and items of the same second in Stripe order reversed, whatever their ids (bugs 147–148)', () => {
    // As Stripe lists them: the newest first. Ids sort the other way round within the second.
    const listed = [
      { id: 'x_c', created: 1_800_000_010 },
      { id: 'x_a', created: 1_800_000_005 },
      { id: 'x_z', created: 1_800_000_005 },
      { id: 'x_b', created: 1_800_000_001 },
    ];
    expect(oldestFirst(listed).map((item) => item.id)).toEqual(['x_b', 'x_z', 'x_a', 'x_c']);
    // What it replaced ordered the same second by id: the newer first.
    expect([...listed].sort((a, b) => a.created - b.created || a.id.localeCompare(b.id)).map((item) => item.id)).toEqual(['x_b', 'x_a', 'x_z', 'x_c']);
  });

  it('leaves the list it is given as it was', () => {
    const listed = [
      { id: 'b', created: 2 },
      { id: 'a', created: 1 },
    ];
    oldestFirst(listed);
    expect(listed.map((item) => item.id)).toEqual(['b', 'a']);
  });
});
