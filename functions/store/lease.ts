/**
 * One lease primitive: "one worker at a time" on an item, by a pair of attributes on that item —
 * the holder's id and the time the lease lapses. A holder that dies leaves a lease that lapses by
 * itself; only the holder gives it back early.
 *
 * The four leases kneadpay takes are named here, with their durations and why each differs. The
 * caller adds its own conditions (the email is not sent yet, the reminder is not recorded yet …) and
 * its own changes to the item; this module builds the lease's part of the expression.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { absent, nullValue } from './conditions';
import type { Store } from './table';

/** The attributes a lease lives in. A lease without `holder` is never given back early (see LEASES). */
export interface LeaseAttributes {
  /** Holds the holder's id; absent for leases that only lapse or are cleared by the record that ends them. */
  readonly holder?: string;
  /** ISO time the lease lapses at. */
  readonly until: string;
}

export interface LeaseSpec {
  readonly attributes: LeaseAttributes;
  /** How long a taken lease lives. */
  readonly ms: number;
}

/**
 * Every lease kneadpay takes. Each outlives the work it guards and is shorter than the wait before
 * that work is tried again, so a dead holder never blocks the retry:
 */
export const LEASES = {
  /**
   * A practice's receipt numbering (on its counter item): a numbering batch is one transaction of a
   * few hundred milliseconds, and racing numberers wait in-process (20 s deadline), so 5 s.
   */
  receiptNumbering: { attributes: { holder: 'leaseId', until: 'leaseUntil' }, ms: 5_000 },
  /**
   * A receipt's email send: outlives one run of the receipt issuer (60 s timeout), so a sender that
   * died mid-send leaves a lease that has lapsed by the time Lambda retries the event: 90 s.
   */
  receiptEmail: { attributes: { holder: 'emailLeaseId', until: 'emailLeaseUntil' }, ms: 90_000 },
  /**
   * A balance invoice's email send: one send within a balance-invoicer run (60 s timeout); recording
   * `emailedAt` ends it, so it has no holder to give it back: 60 s.
   */
  invoiceEmail: { attributes: { until: 'emailLeaseUntil' }, ms: 60_000 },
  /**
   * One reminder of an open invoice: outlives a reminder run (300 s timeout) so two runs never send
   * the same reminder at once, and is far shorter than the daily schedule, so the next run sends a
   * reminder whose sender died; recording the reminder clears it: 15 min.
   */
  invoiceReminder: { attributes: { until: 'reminderLeaseUntil' }, ms: 15 * 60_000 },
} as const satisfies Record<string, LeaseSpec>;

/** The pieces of an update expression: joined by `updateExpression`, merged by `mergeParts`. */
export interface ExpressionParts {
  set: string[];
  remove: string[];
  add: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
}

export const emptyParts = (): ExpressionParts => ({ set: [], remove: [], add: [], names: {}, values: {} });

export const mergeParts = (...parts: Partial<ExpressionParts>[]): ExpressionParts =>
  parts.reduce<ExpressionParts>(
    (all, part) => ({
      set: [...all.set, ...(part.set ?? [])],
      remove: [...all.remove, ...(part.remove ?? [])],
      add: [...all.add, ...(part.add ?? [])],
      names: { ...all.names, ...part.names },
      values: { ...all.values, ...part.values },
    }),
    emptyParts(),
  );

export const updateExpression = (parts: Pick<ExpressionParts, 'set' | 'remove' | 'add'>): string =>
  [parts.set.length ? `SET ${parts.set.join(', ')}` : '', parts.remove.length ? `REMOVE ${parts.remove.join(', ')}` : '', parts.add.length ? `ADD ${parts.add.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');

/**
 * The lease's expression pieces, with placeholders of its own (`#leaseHolder`, `:leaseNow` …) so
 * they never collide with the caller's:
 * - `free`: no lease, or a lapsed one; `lapsed`: a lease is there and has lapsed;
 * - `heldBy`: the holder is `holderId`;
 * - `take`: sets holder and until; `clear`: removes them.
 */
export const leaseExpressions = (spec: LeaseSpec, at: { holderId?: string; now?: Date; until?: Date } = {}) => {
  const { holder } = spec.attributes;
  const free = `(${absent('#leaseUntil')} OR #leaseUntil < :leaseNow)`;
  const names: Record<string, string> = { '#leaseUntil': spec.attributes.until, ...(holder ? { '#leaseHolder': holder } : {}) };
  const values: Record<string, unknown> = {
    // `free` takes a `null` until as no lease (store/conditions.ts): its `:null` comes with `:leaseNow`.
    ...(at.now ? { ':leaseNow': at.now.toISOString(), ...nullValue(free) } : {}),
    ...(at.until ? { ':leaseUntil': at.until.toISOString() } : {}),
    ...(holder && at.holderId !== undefined ? { ':leaseHolder': at.holderId } : {}),
  };
  return {
    names,
    values,
    lapsed: '#leaseUntil < :leaseNow',
    free,
    heldBy: '#leaseHolder = :leaseHolder',
    take: [...(holder ? ['#leaseHolder = :leaseHolder'] : []), '#leaseUntil = :leaseUntil'],
    clear: [...(holder ? ['#leaseHolder'] : []), '#leaseUntil'],
  };
};

/** What the caller adds to a take: conditions of its own and further changes to the item. */
export interface TakeOptions {
  /** The holder's id (leases with a holder attribute). */
  holderId?: string;
  /** The clock the lease is judged by: it lapsed when `until` < `now`. */
  now: Date;
  /** When the new lease lapses (default: `now` + the lease's `ms`). */
  until?: Date;
  /**
   * The whole condition, built from the lease's own: default `free`. A caller whose item says the
   * lease is live in its own way (a receipt `sending`) combines `lapsed` with its status instead.
   */
  condition?: (lease: { free: string; lapsed: string }) => string;
  /** Further changes made with the take (status, attempt counters, the item's type). */
  also?: Partial<ExpressionParts>;
  /** `ALL_NEW` answers the item as leased. */
  returnItem?: boolean;
}

/**
 * Takes the lease on the item at `key`: answers the item as leased (`returnItem`) or `{}`, or
 * undefined when the lease is live elsewhere or the caller's condition does not hold.
 */
export const takeLease = async (store: Store, key: { pk: string; sk: string }, spec: LeaseSpec, options: TakeOptions): Promise<Record<string, unknown> | undefined> => {
  const until = options.until ?? new Date(options.now.getTime() + spec.ms);
  const lease = leaseExpressions(spec, { holderId: options.holderId, now: options.now, until });
  if (spec.attributes.holder && options.holderId === undefined) throw new Error(`the lease on ${spec.attributes.holder} needs a holder id`);
  const parts = mergeParts({ set: lease.take, names: lease.names, values: lease.values }, options.also ?? {});
  const condition = options.condition ? options.condition(lease) : lease.free;
  try {
    const answer = await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: key,
        UpdateExpression: updateExpression(parts),
        ConditionExpression: condition,
        ...placeholders(parts, updateExpression(parts), condition),
        ...(options.returnItem ? { ReturnValues: 'ALL_NEW' as const } : {}),
      }),
    );
    return options.returnItem ? (answer.Attributes ?? {}) : {};
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
};

/**
 * Gives the lease back, only if `holderId` still holds it (a lease that lapsed and was taken over
 * is not ours any more). Answers whether it was ours.
 */
export const releaseLease = async (store: Store, key: { pk: string; sk: string }, spec: LeaseSpec, holderId: string): Promise<boolean> => {
  if (!spec.attributes.holder) throw new Error(`the lease on ${spec.attributes.until} has no holder: it lapses, or the record that ends it clears it`);
  const lease = leaseExpressions(spec, { holderId });
  try {
    await store.doc.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: key,
        UpdateExpression: updateExpression({ set: [], remove: lease.clear, add: [] }),
        ConditionExpression: lease.heldBy,
        ExpressionAttributeNames: lease.names,
        ExpressionAttributeValues: { ':leaseHolder': holderId },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
};

/**
 * The placeholders the expressions use, as command fields: DynamoDB refuses a placeholder an
 * expression does not use, and an empty map.
 */
export const placeholders = (parts: Pick<ExpressionParts, 'names' | 'values'>, ...expressions: string[]) => {
  const used = <T>(map: Record<string, T>) => Object.fromEntries(Object.entries(map).filter(([name]) => expressions.some((expression) => new RegExp(`${name}(?![A-Za-z0-9_])`).test(expression))));
  const names = used(parts.names);
  const values = used(parts.values);
  return {
    ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
};
