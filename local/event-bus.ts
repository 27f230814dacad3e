/**
 * The local event bus: what the EventBridge Pipe and the `kneadpay` bus do in AWS.
 *
 * A stream poller reads the table's DynamoDB Local stream (every shard, parents before children),
 * takes the INSERTs of outbox items, translates each into its events with the Pipe's enrichment code
 * (lib/pipe-enrichment/translate.ts), builds the EventBridge envelope and routes it by the wiring
 * table's RULES to the consumer handlers (the same entry files Lambda runs). A failing consumer is
 * retried with exponential backoff; after the last attempt the event is parked in a dead-letter
 * list (in memory and, when a data directory is used, appended to `dead-letters.jsonl`).
 *
 * Delivery is at least once: the stream position is checkpointed only past records whose
 * deliveries have all settled (delivered or parked), so a crash in between redelivers.
 * `publish()` injects events directly (a claims system's `ClaimAdjudicated`); SCHEDULES run on
 * intervals when asked.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type Shard, type _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { EVENT_SOURCE, FUNCTIONS, RULES, SCHEDULES } from '../lib/wiring';
import { OUTBOX_ITEM_TYPE } from '../functions/store/outbox';
import { outboxItemToBusEvents, type OutboxBusEvent } from '../lib/pipe-enrichment/translate';
import { createLambdaContext, LOCAL_ACCOUNT_ID, moduleLoader, type HandlerLoader, type LocalFunctionSpec } from './http-api';
import { region } from './settings';
import { inInvocationScope } from './invocation-scope';

/** An EventBridge event as a rule's Lambda target receives it. */
export interface EventEnvelope<D = Record<string, unknown>> {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: D;
}

/** A scheduled function: an EventBridge schedule expression (`rate(1 hour)`, `cron(…)`). */
export interface BusSchedule {
  fn: string;
  expression: string;
}

export interface BusRule {
  detailType: string;
  fn: string;
  /** Default `kneadpay`: every rule on the bus matches the kneadpay source. */
  source?: string;
}

export type EventHandler = (event: EventEnvelope, context: ReturnType<typeof createLambdaContext>) => unknown;

export interface Delivery {
  event: EventEnvelope;
  fn: string;
  attempts: number;
  at: string;
}

export interface DeadLetter {
  event: EventEnvelope;
  fn: string;
  attempts: number;
  error: { name: string; message: string };
  parkedAt: string;
}

export interface RetryPolicy {
  /** Attempts in all, the first included (default 5). */
  maxAttempts?: number;
  /** Delay before the 2nd attempt; doubles each time (default 500 ms). */
  baseDelayMs?: number;
  /** Cap on one delay (default 30 s). */
  maxDelayMs?: number;
}

export interface EventBusOptions {
  /** DynamoDB Local endpoint and the table whose stream is read. */
  endpoint: string;
  tableName: string;
  /** Rules; default the wiring table's RULES. */
  rules?: readonly BusRule[];
  /** Functions; default the wiring table's FUNCTIONS. */
  functions?: Readonly<Record<string, LocalFunctionSpec>>;
  /** Handlers by function name, used instead of importing entries (tests). */
  handlers?: Readonly<Record<string, EventHandler>>;
  loadHandler?: HandlerLoader;
  /** Read the stream at all (default true); false leaves only publish() and schedules. */
  stream?: boolean;
  /** Stream poll interval (default 150 ms). */
  pollIntervalMs?: number;
  retry?: RetryPolicy;
  /** Appends every parked event here as one JSON line (default: none, in memory only). */
  deadLetterFile?: string;
  /** Keeps the stream position here across restarts (default: none). */
  checkpointFile?: string;
  /** Where to start when there is no checkpoint: the oldest record kept (default) or only new ones. */
  startAt?: 'trim-horizon' | 'latest';
  /** Scheduled functions to run (default none); `intervalMs` overrides every schedule's rate. */
  schedules?: readonly BusSchedule[] | boolean;
  scheduleIntervalMs?: number;
  /** How long stop() waits for handlers still running (default 2 s); what has not settled is redelivered next time. */
  stopGraceMs?: number;
  /** Diagnostics (default stderr). */
  log?: (line: string) => void;
}

export interface PublishInput {
  detailType: string;
  detail: Record<string, unknown>;
  source?: string;
  id?: string;
  time?: string;
  resources?: string[];
}

export interface PublishResult {
  id: string;
  /** One per matching rule, once each has been delivered or parked. */
  deliveries: Array<{ fn: string; status: 'delivered' | 'parked'; attempts: number }>;
}

export interface LocalEventBus {
  /** Routes an event as if PutEvents had put it on the bus; resolves once every target settled. */
  publish(input: PublishInput): Promise<PublishResult>;
  /** Called after each successful delivery; returns an unsubscribe function. */
  onDelivered(listener: (delivery: Delivery) => void): () => void;
  /** Called when an event is parked in the dead-letter list; returns an unsubscribe function. */
  onDeadLetter(listener: (deadLetter: DeadLetter) => void): () => void;
  /** The first delivery (already made or coming) that matches; rejects after `timeoutMs` (default 10 s). */
  waitForDelivery(match: (delivery: Delivery) => boolean, timeoutMs?: number): Promise<Delivery>;
  waitForDeadLetter(match: (deadLetter: DeadLetter) => boolean, timeoutMs?: number): Promise<DeadLetter>;
  /** Deliveries made so far (the last 1000). */
  readonly delivered: readonly Delivery[];
  /** Events parked since this bus started. */
  readonly deadLetters: readonly DeadLetter[];
  /** Stops polling and schedules, abandons pending retries (they are redelivered next time), saves the checkpoint. */
  stop(): Promise<void>;
}

const DELIVERED_KEPT = 1000;
const DESCRIBE_EVERY_MS = 2000;

/** EventBridge renders an event's time to the second. */
const eventTime = (iso: string): string => iso.replace(/\.\d+Z$/, 'Z');

/** The envelope the EventBridge Pipe's target (the bus) gives consumers for an outbox item. */
export const toEnvelope = (item: Record<string, unknown>): EventEnvelope => ({
  version: '0',
  id: String(item.eventId),
  'detail-type': String(item.detailType),
  source: String(item.source ?? EVENT_SOURCE),
  account: LOCAL_ACCOUNT_ID,
  time: eventTime(String(item.createdAt ?? new Date().toISOString())),
  region: region(),
  resources: [],
  detail: (item.detail ?? {}) as Record<string, unknown>,
});

/** `rate(5 minutes)` → milliseconds; cron expressions run hourly locally. */
export const scheduleIntervalMs = (expression: string): number => {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!rate) return 3_600_000;
  const unit = rate[2]!.startsWith('minute') ? 60_000 : rate[2]!.startsWith('hour') ? 3_600_000 : 86_400_000;
  return Number(rate[1]) * unit;
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolveSleep, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolveSleep();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

interface Checkpoint {
  streamArn: string;
  shards: Record<string, { seq?: string; done?: boolean }>;
}

interface ShardState {
  shardId: string;
  parentId?: string;
  iterator?: string;
  /** Highest sequence number read from the stream. */
  lastRead?: string;
  /** Records read whose deliveries have not all settled yet, in stream order. */
  pending: Array<{ seq: string; settled: boolean }>;
  closed: boolean;
}

export const startEventBus = async (options: EventBusOptions): Promise<LocalEventBus> => {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const rules: readonly BusRule[] = options.rules ?? RULES;
  const functions: Readonly<Record<string, LocalFunctionSpec>> = options.functions ?? FUNCTIONS;
  const importHandler = options.loadHandler ?? moduleLoader(functions);
  const loadHandler = async (fn: string): Promise<EventHandler> => options.handlers?.[fn] ?? ((await importHandler(fn)) as EventHandler);
  const maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 5);
  const baseDelayMs = options.retry?.baseDelayMs ?? 500;
  const maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
  const pollIntervalMs = options.pollIntervalMs ?? 150;
  const abort = new AbortController();
  const delivered: Delivery[] = [];
  const deadLetters: DeadLetter[] = [];
  const deliveredListeners = new Set<(delivery: Delivery) => void>();
  const deadLetterListeners = new Set<(deadLetter: DeadLetter) => void>();
  const inFlight = new Set<Promise<unknown>>();

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    promise.then(
      () => inFlight.delete(promise),
      () => inFlight.delete(promise),
    );
    return promise;
  };

  const park = (event: EventEnvelope, fn: string, attempts: number, error: unknown): DeadLetter => {
    const deadLetter: DeadLetter = {
      event,
      fn,
      attempts,
      error: { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) },
      parkedAt: new Date().toISOString(),
    };
    deadLetters.push(deadLetter);
    if (options.deadLetterFile) {
      try {
        mkdirSync(dirname(options.deadLetterFile), { recursive: true });
        appendFileSync(options.deadLetterFile, `${JSON.stringify(deadLetter)}\n`);
      } catch (fileError) {
        log(`event bus: cannot append to ${options.deadLetterFile}: ${(fileError as Error).message}`);
      }
    }
    for (const listener of deadLetterListeners) listener(deadLetter);
    return deadLetter;
  };

  /** One target: invoke, retry with exponential backoff, park after the last attempt. */
  const deliver = async (event: EventEnvelope, fn: string): Promise<{ fn: string; status: 'delivered' | 'parked'; attempts: number }> => {
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      if (abort.signal.aborted) throw abort.signal.reason;
      try {
        const handler = await loadHandler(fn);
        const context = createLambdaContext(fn, functions[fn]);
        await inInvocationScope(context.awsRequestId, async () => handler(event, context));
        const delivery: Delivery = { event, fn, attempts: attempt, at: new Date().toISOString() };
        delivered.push(delivery);
        if (delivered.length > DELIVERED_KEPT) delivered.shift();
        for (const listener of deliveredListeners) listener(delivery);
        return { fn, status: 'delivered', attempts: attempt };
      } catch (error) {
        lastError = error;
        if (attempt < maxAttempts) {
          await sleep(Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)), abort.signal);
        }
      }
    }
    park(event, fn, maxAttempts, lastError);
    return { fn, status: 'parked', attempts: maxAttempts };
  };

  const route = (event: EventEnvelope) => rules.filter((rule) => rule.detailType === event['detail-type'] && (rule.source ?? EVENT_SOURCE) === event.source);

  const dispatch = (event: EventEnvelope) => track(Promise.all(route(event).map((rule) => deliver(event, rule.fn))));

  // ----- the stream poller -----------------------------------------------------------------

  const awsConfig = {
    endpoint: options.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const streams = new DynamoDBStreamsClient(awsConfig);
  const shards = new Map<string, ShardState>();
  const finished = new Set<string>();
  let streamArn = '';
  let checkpoint: Checkpoint | undefined;
  let checkpointDirty = false;
  let lastDescribe = 0;
  let pollTimer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;

  const readCheckpoint = (): Checkpoint | undefined => {
    if (!options.checkpointFile || !existsSync(options.checkpointFile)) return undefined;
    try {
      return JSON.parse(readFileSync(options.checkpointFile, 'utf8')) as Checkpoint;
    } catch {
      return undefined;
    }
  };

  const saveCheckpoint = () => {
    if (!options.checkpointFile || !checkpointDirty) return;
    checkpointDirty = false;
    const data: Checkpoint = { streamArn, shards: {} };
    for (const id of finished) data.shards[id] = { done: true };
    for (const shard of shards.values()) {
      const settledUpTo = checkpoint?.shards[shard.shardId]?.seq;
      if (settledUpTo) data.shards[shard.shardId] = { seq: settledUpTo };
    }
    checkpoint = data;
    mkdirSync(dirname(options.checkpointFile), { recursive: true });
    const temp = `${options.checkpointFile}.tmp`;
    writeFileSync(temp, JSON.stringify(data));
    renameSync(temp, options.checkpointFile);
  };

  /** Advances a shard's checkpoint over the settled prefix of its pending records. */
  const advance = (shard: ShardState) => {
    let last: string | undefined;
    while (shard.pending.length > 0 && shard.pending[0]!.settled) last = shard.pending.shift()!.seq;
    if (last) {
      checkpoint ??= { streamArn, shards: {} };
      checkpoint.shards[shard.shardId] = { seq: last };
      checkpointDirty = true;
    }
    if (shard.closed && shard.pending.length === 0) {
      shards.delete(shard.shardId);
      finished.add(shard.shardId);
      checkpointDirty = true;
      lastDescribe = 0; // look for its children now
    }
  };

  const iteratorFor = async (shard: ShardState, initial: 'TRIM_HORIZON' | 'LATEST') => {
    const from = shard.lastRead ?? checkpoint?.shards[shard.shardId]?.seq;
    const answer = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.shardId,
        ...(from ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: from } : { ShardIteratorType: initial }),
      }),
      { abortSignal: abort.signal },
    );
    shard.iterator = answer.ShardIterator;
  };

  const describeShards = async (): Promise<Shard[]> => {
    const all: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const answer = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }), { abortSignal: abort.signal });
      all.push(...(answer.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = answer.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return all;
  };

  /** Picks up new shards; a child waits until its parent is drained (shard lineage). */
  const discover = async (initial: 'TRIM_HORIZON' | 'LATEST') => {
    const listed = await describeShards();
    const known = new Set(listed.map((shard) => shard.ShardId!));
    for (const shard of listed) {
      const id = shard.ShardId!;
      if (shards.has(id) || finished.has(id)) continue;
      if (checkpoint?.shards[id]?.done) {
        finished.add(id);
        continue;
      }
      const parent = shard.ParentShardId;
      if (parent && known.has(parent) && !finished.has(parent)) continue;
      const closedAlready = Boolean(shard.SequenceNumberRange?.EndingSequenceNumber);
      // Starting at the latest record: shards closed before we started hold nothing new.
      if (initial === 'LATEST' && closedAlready && !checkpoint?.shards[id]) {
        finished.add(id);
        continue;
      }
      const state: ShardState = { shardId: id, parentId: parent, pending: [], closed: false };
      await iteratorFor(state, initial);
      shards.set(id, state);
    }
    lastDescribe = Date.now();
  };

  /** DynamoDB Local streams an empty map as `{}` instead of `{ M: {} }`; DynamoDB does not. */
  const repairAttribute = (attribute: unknown): unknown => {
    if (!attribute || typeof attribute !== 'object') return attribute;
    const typed = attribute as { M?: Record<string, unknown>; L?: unknown[] };
    if (Object.keys(typed).length === 0) return { M: {} };
    if (typed.M) return { M: repairEmptyMaps(typed.M) };
    if (typed.L) return { L: typed.L.map(repairAttribute) };
    return attribute;
  };
  const repairEmptyMaps = (image: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(image).map(([key, attribute]) => [key, repairAttribute(attribute)]));

  const handleRecord = (shard: ShardState, record: StreamRecord) => {
    const seq = record.dynamodb?.SequenceNumber;
    if (!seq) return;
    shard.lastRead = seq;
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || !image) {
      shard.pending.push({ seq, settled: true });
      return;
    }
    // Filter on the raw image first, as the Pipe's filter does: only outbox items are read, and an
    // item that DynamoDB Local streams in a shape unmarshall rejects (an empty map) cannot stall the bus.
    if ((image as { type?: { S?: string } }).type?.S !== OUTBOX_ITEM_TYPE) {
      shard.pending.push({ seq, settled: true });
      return;
    }
    let item: Record<string, unknown>;
    try {
      item = unmarshall(repairEmptyMaps(image as Record<string, unknown>) as never) as Record<string, unknown>;
    } catch (error) {
      log(`event bus: skipped an outbox record it cannot read (${(error as Error).message})`);
      shard.pending.push({ seq, settled: true });
      return;
    }
    // One item may carry several events (a commit's marker carries its events): each goes on the bus,
    // translated by the Pipe's own enrichment code (lib/pipe-enrichment/translate.ts).
    let events: OutboxBusEvent[];
    try {
      events = outboxItemToBusEvents(item, record.eventID);
    } catch (error) {
      // In AWS the Pipe fails the batch and dead-letters it; here the record is reported and passed.
      log(`event bus: skipped an outbox record it cannot publish (${(error as Error).message})`);
      shard.pending.push({ seq, settled: true });
      return;
    }
    const entry = { seq, settled: false };
    shard.pending.push(entry);
    Promise.all(events.map((event) => dispatch(toEnvelope({ ...event })))).then(
      () => {
        entry.settled = true;
        advance(shard);
      },
      () => undefined, // stopped mid-retry: left unsettled, redelivered after a restart
    );
  };

  const pollShard = async (shard: ShardState) => {
    if (!shard.iterator || shard.closed) return;
    let answer;
    try {
      // A stop aborts a read in flight: a DynamoDB Local that hangs (paused, overloaded) cannot hold the stop.
      answer = await streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }), { abortSignal: abort.signal });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'ExpiredIteratorException') {
        await iteratorFor(shard, 'TRIM_HORIZON');
        return;
      }
      if (name === 'TrimmedDataAccessException') {
        shard.lastRead = undefined;
        if (checkpoint?.shards[shard.shardId]) delete checkpoint.shards[shard.shardId];
        await iteratorFor(shard, 'TRIM_HORIZON');
        return;
      }
      if (name === 'ResourceNotFoundException') {
        shard.closed = true;
        advance(shard);
        return;
      }
      throw error;
    }
    for (const record of answer.Records ?? []) handleRecord(shard, record);
    shard.iterator = answer.NextShardIterator;
    if (!shard.iterator) {
      shard.closed = true;
    }
    advance(shard);
  };

  const pollOnce = async () => {
    if (Date.now() - lastDescribe > DESCRIBE_EVERY_MS) await discover('TRIM_HORIZON');
    await Promise.all([...shards.values()].map(pollShard));
    saveCheckpoint();
  };

  let lastPollError = '';
  const schedulePoll = () => {
    if (abort.signal.aborted) return;
    pollTimer = setTimeout(() => {
      polling = pollOnce()
        .then(() => {
          lastPollError = '';
        })
        .catch((error: unknown) => {
          const message = (error as Error)?.message ?? String(error);
          if (!abort.signal.aborted && message !== lastPollError) log(`event bus: reading the stream failed: ${message}`);
          lastPollError = message;
        })
        .finally(schedulePoll);
    }, pollIntervalMs);
  };

  if (options.stream ?? true) {
    const dynamo = new DynamoDBClient(awsConfig);
    try {
      const table = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
      streamArn = table.Table?.LatestStreamArn ?? '';
    } finally {
      dynamo.destroy();
    }
    if (!streamArn) throw new Error(`table ${options.tableName} has no stream: the local bus needs streams (NEW_IMAGE)`);
    const saved = readCheckpoint();
    checkpoint = saved && saved.streamArn === streamArn ? saved : undefined;
    await discover(checkpoint ? 'TRIM_HORIZON' : options.startAt === 'latest' ? 'LATEST' : 'TRIM_HORIZON');
    schedulePoll();
  }

  // ----- schedules ---------------------------------------------------------------------------

  const scheduleTimers: NodeJS.Timeout[] = [];
  const schedules: readonly BusSchedule[] = options.schedules === true ? SCHEDULES : options.schedules === false || !options.schedules ? [] : options.schedules;
  for (const schedule of schedules) {
    const every = options.scheduleIntervalMs ?? scheduleIntervalMs(schedule.expression);
    const timer = setInterval(() => {
      const event: EventEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: LOCAL_ACCOUNT_ID,
        time: eventTime(new Date().toISOString()),
        region: region(),
        resources: [`arn:aws:events:${region()}:${LOCAL_ACCOUNT_ID}:rule/kneadpay-${schedule.fn}`],
        detail: {},
      };
      track(deliver(event, schedule.fn)).catch(() => undefined);
    }, every);
    timer.unref();
    scheduleTimers.push(timer);
  }

  // ----- the API -----------------------------------------------------------------------------

  const waitFor = <T>(past: readonly T[], listeners: Set<(value: T) => void>, match: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> => {
    const already = past.find(match);
    if (already) return Promise.resolve(already);
    return new Promise<T>((resolveWait, reject) => {
      const listener = (value: T) => {
        if (!match(value)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolveWait(value);
      };
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`no matching ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      listeners.add(listener);
    });
  };

  return {
    publish: async (input) => {
      const event: EventEnvelope = {
        version: '0',
        id: input.id ?? randomUUID(),
        'detail-type': input.detailType,
        source: input.source ?? EVENT_SOURCE,
        account: LOCAL_ACCOUNT_ID,
        time: eventTime(input.time ?? new Date().toISOString()),
        region: region(),
        resources: input.resources ?? [],
        detail: input.detail,
      };
      return { id: event.id, deliveries: await dispatch(event) };
    },
    onDelivered: (listener) => {
      deliveredListeners.add(listener);
      return () => deliveredListeners.delete(listener);
    },
    onDeadLetter: (listener) => {
      deadLetterListeners.add(listener);
      return () => deadLetterListeners.delete(listener);
    },
    waitForDelivery: (match, timeoutMs = 10_000) => waitFor(delivered, deliveredListeners, match, timeoutMs, 'delivery'),
    waitForDeadLetter: (match, timeoutMs = 10_000) => waitFor(deadLetters, deadLetterListeners, match, timeoutMs, 'dead letter'),
    get delivered() {
      return delivered;
    },
    get deadLetters() {
      return deadLetters;
    },
    stop: async () => {
      if (abort.signal.aborted) return;
      abort.abort(new Error('the event bus stopped'));
      clearTimeout(pollTimer);
      for (const timer of scheduleTimers) clearInterval(timer);
      await polling?.catch(() => undefined);
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolveGrace) => {
          grace = setTimeout(resolveGrace, options.stopGraceMs ?? 2000);
        }),
      ]);
      clearTimeout(grace);
      try {
        saveCheckpoint();
      } catch (error) {
        log(`event bus: cannot save the checkpoint: ${(error as Error).message}`);
      }
      streams.destroy();
    },
  };
};

/** Reads the dead letters a previous run appended to `file` (for `npm start`'s report). */
export const readDeadLetters = (file: string): DeadLetter[] => {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as DeadLetter];
      } catch {
        return [];
      }
    });
};
