/**
 * bench/cost: what one package sale and one adjudicated claim use, counted on the local stack,
 * priced at AWS list prices. The counts are exact for what runs locally (invocations, DynamoDB
 * operations and item sizes, outbox events, emails, log bytes); durations are local wall time and
 * only a rough proxy for Lambda's; the prices are constants below with the date they were read.
 *
 *   npx tsx bench/cost.ts [--journeys 3] [--ops] [--json]
 *
 * It starts its own copy of the laptop stack (DynamoDB Local in memory, the local SES inbox, the
 * Stripe emulator, the local HTTP API and event bus, as local/stack.ts does) so that it can wrap
 * every handler the API and the bus invoke. It then walks the journey `kneadpay demo` walks
 * (bin/commands/demo.ts), phase by phase:
 *
 *   sale        a client opens the storefront, buys a package on the hosted Checkout page, lands
 *               on the success page; webhooks, outbox events, the receipt
 *   redemption  a visit redeems one credit
 *   claim       staff register a claim; the payer's ERA is imported; the balance is invoiced
 *   claim-paid  the client pays the balance on the hosted invoice page; webhooks, the receipt
 *
 * One warm-up journey (not counted), then `--journeys` journeys timed without instrumentation,
 * then the same number counted. Counting adds a middleware to the store's DocumentClient (as
 * bench/webhook.ts does) that reads every affected item before and after each write, and re-runs
 * every read without its filter and projection, to apply DynamoDB's capacity rules to real item
 * sizes; those extra reads go through a separate client and are not counted.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, GetItemCommand, QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { FUNCTIONS, type FunctionSpec } from '../lib/wiring';
import { TABLE_SCHEMA } from '../functions/store/schema';
import { OUTBOX_ITEM_TYPE } from '../functions/store/outbox';
import { eraFor } from '../bin/commands/demo';
import { mintLocalToken } from '../local/auth';
import { ensureTable, startDynamoDbLocal } from '../local/dynamodb';
import { startEventBus } from '../local/event-bus';
import { moduleLoader, startHttpApi, type HandlerLoader, type LambdaHandler } from '../local/http-api';
import { startSes } from '../local/ses';
import { startStripeEmulator } from '../local/stripe-emulator/index';

// --- prices ----------------------------------------------------------------------------------------

/**
 * AWS list prices, us-east-1, USD, compiled 2026-11-27 from the AWS pricing pages as last quoted
 * in 2025–2026 (the DynamoDB on-demand figures are those in force since the November 2024
 * reduction); they were not re-read from aws.amazon.com on that day. Free tiers are ignored.
 * Check them (docs/cost.md lists where) before relying on the totals.
 */
export const PRICES = {
  compiled: '2026-11-27',
  lambdaRequest: 0.2 / 1e6,
  /** arm64, first tier (up to 7.5 billion GB-s a month). */
  lambdaGbSecondArm: 0.0000133334,
  /** HTTP API, first 300 million requests a month, per request of up to 512 KB. */
  httpApiRequest: 1.0 / 1e6,
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
  /** Custom events put on a bus, per 64 KB chunk. */
  eventBridgeEvent: 1.0 / 1e6,
  /** Pipes requests after filtering, per 64 KB chunk. */
  pipesRequest: 0.4 / 1e6,
  sesEmail: 0.1 / 1000,
  secretsManagerCall: 0.05 / 10_000,
  /** CloudWatch Logs standard ingestion, per GB. */
  logsIngestGb: 0.5,
  /** X-Ray traces recorded (the functions have active tracing). */
  xrayTrace: 5.0 / 1e6,
} as const;

/** Assumptions that are not measured here; docs/cost.md explains each. */
export const ASSUMED = {
  /** CloudWatch Logs meters 26 bytes per log event on top of the message. */
  logEventOverheadBytes: 26,
  /** Lambda's START, END and REPORT lines per invocation (text format, with the X-Ray line). */
  platformLogBytesPerInvocation: 330,
  /** One API Gateway access log line (the stack's ACCESS_LOG_FORMAT, filled in). */
  accessLogBytesPerRequest: 420,
  /** The outbox pipe's enrichment: 256 MB (lib/constructs/OutboxPipe.ts), a few ms per batch. */
  enrichmentMemoryMb: 256,
  enrichmentMs: 5,
  /** Billed INIT per cold start (import of a ~600 KB bundle on arm64 at 512 MB), for the cold line only. */
  coldInitMs: 400,
} as const;

// --- DynamoDB capacity rules -------------------------------------------------------------------------

type Item = Record<string, AttributeValue>;
type WireValue = Record<string, unknown>;
type WireItem = Record<string, WireValue>;

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** DynamoDB's size of a number: 1 byte per two significant digits, plus 1. */
const numberSize = (text: string): number => {
  const mantissa = text.replace(/^-/, '').split(/e/i)[0]!;
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
};

const binarySize = (value: unknown): number => (typeof value === 'string' ? Buffer.from(value, 'base64').length : (value as Uint8Array).length);

/** The size DynamoDB bills for one attribute value (docs: "Item sizes and formats"). */
const valueSize = (value: WireValue): number => {
  if ('S' in value) return utf8(value.S as string);
  if ('N' in value) return numberSize(value.N as string);
  if ('B' in value) return binarySize(value.B);
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('SS' in value) return (value.SS as string[]).reduce((sum, s) => sum + utf8(s), 0);
  if ('NS' in value) return (value.NS as string[]).reduce((sum, n) => sum + numberSize(n), 0);
  if ('BS' in value) return (value.BS as unknown[]).reduce((sum: number, b) => sum + binarySize(b), 0);
  if ('L' in value) return 3 + (value.L as WireValue[]).reduce((sum, element) => sum + 1 + valueSize(element), 0);
  if ('M' in value) return 3 + Object.entries(value.M as WireItem).reduce((sum, [name, element]) => sum + utf8(name) + 1 + valueSize(element), 0);
  return 0;
};

export const itemSize = (item: WireItem | Item | undefined): number => (item ? Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value as WireValue), 0) : 0);

const KB = 1024;
const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / KB));
const readUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / (4 * KB)));

const inIndex = (item: WireItem | Item | undefined, index: { partitionKey: string; sortKey: string }): boolean => Boolean(item && item[index.partitionKey] && item[index.sortKey]);
const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * WRU one table write adds to each GSI (both GSIs project ALL, so an index entry is the whole
 * item): a new entry or an update of one is one write of its size; a changed index key is a delete
 * plus a put; a removed key or a deleted item is one delete.
 */
export const indexWriteUnits = (before: Item | undefined, after: Item | undefined): number => {
  let units = 0;
  for (const index of TABLE_SCHEMA.indexes) {
    const was = inIndex(before, index);
    const is = inIndex(after, index);
    if (!was && !is) continue;
    if (was && !is) units += writeUnits(itemSize(before));
    else if (!was && is) units += writeUnits(itemSize(after));
    else if (!sameValue(before![index.partitionKey], after![index.partitionKey]) || !sameValue(before![index.sortKey], after![index.sortKey])) {
      units += writeUnits(itemSize(before)) + writeUnits(itemSize(after));
    } else if (!sameValue(before, after)) units += writeUnits(Math.max(itemSize(before), itemSize(after)));
  }
  return units;
};

interface OpRecord {
  op: string;
  fn: string;
  phase: string;
  /** The invocation that made it (undefined outside any). */
  invocation: Invocation | undefined;
  /** Table WRU (transactions already doubled). */
  wru: number;
  /** GSI WRU at the standard rate (one write per KB, also for writes made by a transaction). */
  gsiWru: number;
  rru: number;
  failed: boolean;
  outbox: string[];
  /** ConsumedCapacity as DynamoDB Local reported it (ReturnConsumedCapacity INDEXES), for comparison. */
  localReported?: number;
}

// --- the stack, instrumented -------------------------------------------------------------------------

interface Invocation {
  fn: string;
  source: 'api' | 'bus' | 'schedule';
  phase: string;
  journey: number;
  probe: boolean;
  ms: number;
  logBytes: number;
  logLines: number;
  webhookType?: string;
}

const als = new AsyncLocalStorage<Invocation>();
const invocations: Invocation[] = [];
const ops: OpRecord[] = [];
let phase = 'setup';
let journey = 0;
let counting = false;
let inFlight = 0;
let lastActivity = performance.now();

const PROBE_HEADER = 'x-bench-probe';

const wrapLoader =
  (base: HandlerLoader, source: Invocation['source']): HandlerLoader =>
  async (fn) => {
    const handler = await base(fn);
    const wrapped: LambdaHandler = async (event, context) => {
      const headers = ((event as { headers?: Record<string, string> }).headers ?? {}) as Record<string, string>;
      const invocation: Invocation = { fn, source, phase, journey, probe: headers[PROBE_HEADER] === '1', ms: 0, logBytes: 0, logLines: 0 };
      if (fn === 'stripe-webhook') {
        try {
          const body = (event as { body?: string; isBase64Encoded?: boolean }).body ?? '';
          invocation.webhookType = (JSON.parse((event as { isBase64Encoded?: boolean }).isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body) as { type?: string }).type;
        } catch {
          invocation.webhookType = 'unparsable';
        }
      }
      inFlight += 1;
      lastActivity = performance.now();
      const started = performance.now();
      try {
        return await als.run(invocation, () => Promise.resolve(handler(event, context)));
      } finally {
        invocation.ms = performance.now() - started;
        inFlight -= 1;
        lastActivity = performance.now();
        invocations.push(invocation);
      }
    };
    return wrapped;
  };

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

// --- the counting middleware --------------------------------------------------------------------------

interface HttpRequestLike {
  headers: Record<string, string>;
  /** JSON, as a string or (this SDK version) UTF-8 bytes. */
  body: string | Uint8Array;
}

interface WriteTarget {
  kind: 'put' | 'update' | 'delete' | 'check';
  key: Item;
  before?: Item;
  after?: Item;
}

const keyOf = (item: WireItem): Item => ({
  [TABLE_SCHEMA.partitionKey]: item[TABLE_SCHEMA.partitionKey] as unknown as AttributeValue,
  [TABLE_SCHEMA.sortKey]: item[TABLE_SCHEMA.sortKey] as unknown as AttributeValue,
});

/** The write targets of a request, with the table each belongs to. */
const writeTargets = (op: string, body: Record<string, any>): { table: string; target: WriteTarget }[] => {
  switch (op) {
    case 'PutItem':
      return [{ table: body.TableName, target: { kind: 'put', key: keyOf(body.Item) } }];
    case 'UpdateItem':
      return [{ table: body.TableName, target: { kind: 'update', key: body.Key } }];
    case 'DeleteItem':
      return [{ table: body.TableName, target: { kind: 'delete', key: body.Key } }];
    case 'TransactWriteItems':
      return (body.TransactItems as Record<string, any>[]).map((entry) => {
        if (entry.Put) return { table: entry.Put.TableName, target: { kind: 'put', key: keyOf(entry.Put.Item) } as WriteTarget };
        if (entry.Update) return { table: entry.Update.TableName, target: { kind: 'update', key: entry.Update.Key } as WriteTarget };
        if (entry.Delete) return { table: entry.Delete.TableName, target: { kind: 'delete', key: entry.Delete.Key } as WriteTarget };
        return { table: entry.ConditionCheck.TableName, target: { kind: 'check', key: entry.ConditionCheck.Key } as WriteTarget };
      });
    case 'BatchWriteItem':
      return Object.entries(body.RequestItems as Record<string, Record<string, any>[]>).flatMap(([table, requests]) =>
        requests.map((request) => ({
          table,
          target: request.PutRequest ? ({ kind: 'put', key: keyOf(request.PutRequest.Item) } as WriteTarget) : ({ kind: 'delete', key: request.DeleteRequest.Key } as WriteTarget),
        })),
      );
    default:
      return [];
  }
};

const outboxTypes = (op: string, body: Record<string, any>): string[] => {
  const puts: WireItem[] = op === 'PutItem' ? [body.Item] : op === 'TransactWriteItems' ? (body.TransactItems as Record<string, any>[]).filter((e) => e.Put).map((e) => e.Put.Item) : [];
  // An outbox item carries one event (`detailType`) or, since 2026-12-06, an `events` list (a commit's marker).
  return puts
    .filter((item) => (item.type as { S?: string } | undefined)?.S === OUTBOX_ITEM_TYPE)
    .flatMap((item) => (item.events ? (item.events as { L: { M: { detailType: { S: string } } }[] }).L.map((event) => event.M.detailType.S) : [(item.detailType as { S: string }).S]));
};

/** Names and values a remaining expression still references (DynamoDB refuses unused ones). */
const keepReferenced = (expressions: (string | undefined)[], names?: Record<string, string>, values?: Record<string, unknown>) => {
  const text = expressions.filter(Boolean).join(' ');
  const pick = <T>(map: Record<string, T> | undefined) => {
    if (!map) return undefined;
    const kept = Object.fromEntries(Object.entries(map).filter(([token]) => new RegExp(`${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`).test(text)));
    return Object.keys(kept).length ? kept : undefined;
  };
  return { ExpressionAttributeNames: pick(names), ExpressionAttributeValues: pick(values) };
};

/** Items a Query or Scan evaluated (what it is billed for): the same request without filter or projection. */
const evaluatedBytes = async (raw: DynamoDBClient, op: 'Query' | 'Scan', body: Record<string, any>): Promise<number> => {
  const input: Record<string, unknown> = {
    TableName: body.TableName,
    IndexName: body.IndexName,
    KeyConditionExpression: body.KeyConditionExpression,
    ExclusiveStartKey: body.ExclusiveStartKey,
    Limit: body.Limit,
    ScanIndexForward: body.ScanIndexForward,
    ConsistentRead: body.ConsistentRead,
    ...keepReferenced([body.KeyConditionExpression], body.ExpressionAttributeNames, body.ExpressionAttributeValues),
  };
  const answer = op === 'Query' ? await raw.send(new QueryCommand(input as never)) : await raw.send(new ScanCommand(input as never));
  return (answer.Items ?? []).reduce((sum, item) => sum + itemSize(item), 0);
};

const readRru = async (raw: DynamoDBClient, op: string, body: Record<string, any>): Promise<number> => {
  const get = async (table: string, key: Item) => (await raw.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
  switch (op) {
    case 'GetItem':
      return readUnits(itemSize(await get(body.TableName, body.Key))) * (body.ConsistentRead ? 1 : 0.5);
    case 'BatchGetItem': {
      let units = 0;
      for (const [table, request] of Object.entries(body.RequestItems as Record<string, { Keys: Item[]; ConsistentRead?: boolean }>)) {
        for (const key of request.Keys) units += readUnits(itemSize(await get(table, key))) * (request.ConsistentRead ? 1 : 0.5);
      }
      return units;
    }
    case 'TransactGetItems': {
      let units = 0;
      for (const entry of body.TransactItems as { Get: { TableName: string; Key: Item } }[]) units += 2 * readUnits(itemSize(await get(entry.Get.TableName, entry.Get.Key)));
      return units;
    }
    case 'Query':
    case 'Scan':
      // GSI reads are always eventually consistent.
      return readUnits(await evaluatedBytes(raw, op, body)) * (body.ConsistentRead && !body.IndexName ? 1 : 0.5);
    default:
      return 0;
  }
};

const countingMiddleware = (raw: DynamoDBClient) => (next: (args: any) => Promise<any>) => async (args: any) => {
  const invocation = als.getStore();
  const request = args.request as HttpRequestLike | undefined;
  const target = request?.headers?.['x-amz-target']?.split('.')[1];
  if (!counting || !request || !target || invocation?.probe) return next(args);
  // Not Buffer.from(body): the SDK's byte adapter warns when read as a string.
  const text = typeof request.body === 'string' ? request.body : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength).toString('utf8');
  const body = JSON.parse(text) as Record<string, any>;
  // DynamoDB Local's own figure, for comparison only: ask every request for it.
  body.ReturnConsumedCapacity = 'INDEXES';
  const json = JSON.stringify(body);
  request.body = typeof request.body === 'string' ? json : new Uint8Array(Buffer.from(json, 'utf8'));
  if (request.headers['content-length']) request.headers['content-length'] = String(Buffer.byteLength(json));
  const targets = writeTargets(target, body);
  const get = async (table: string, key: Item) => (await raw.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
  for (const { table, target: t } of targets) t.before = await get(table, t.key);
  let failed = false;
  let output: Record<string, any> | undefined;
  try {
    const result = await next(args);
    output = result.output as Record<string, any>;
    return result;
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    try {
      for (const { table, target: t } of targets) t.after = failed ? t.before : await get(table, t.key);
      const transactional = target === 'TransactWriteItems' ? 2 : 1;
      const wru = targets.reduce((sum, { target: t }) => sum + transactional * writeUnits(t.kind === 'check' ? itemSize(t.before) : Math.max(itemSize(t.before), itemSize(t.after))), 0);
      const gsiWru = targets.reduce((sum, { target: t }) => sum + (t.kind === 'check' ? 0 : indexWriteUnits(t.before, t.after)), 0);
      const rru = targets.length ? 0 : await readRru(raw, target, body);
      const reported = ([] as { CapacityUnits?: number }[]).concat(output?.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      ops.push({
        op: target,
        fn: invocation?.fn ?? 'unattributed',
        invocation,
        phase: invocation?.phase ?? phase,
        wru,
        gsiWru,
        rru,
        failed,
        outbox: failed ? [] : outboxTypes(target, body),
        ...(output?.ConsumedCapacity ? { localReported: reported } : {}),
      });
    } catch (error) {
      console.warn(`bench/cost: could not size ${target}: ${(error as Error).message}`);
    }
  }
};

// --- the journey ------------------------------------------------------------------------------------

interface Stack {
  api: string;
  ses: string;
  token: string;
  practiceId: string;
  emulator: Awaited<ReturnType<typeof startStripeEmulator>>;
}

const call = async (stack: Stack, method: string, path: string, body?: unknown, options: { probe?: boolean; headers?: Record<string, string>; auth?: boolean } = {}) => {
  const answer = await fetch(path.startsWith('http') ? path : `${stack.api}${path}`, {
    method,
    headers: {
      accept: 'application/json',
      ...(options.auth === false ? {} : { authorization: `Bearer ${stack.token}` }),
      ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...(options.probe ? { [PROBE_HEADER]: '1' } : {}),
      ...options.headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await answer.text();
  if (answer.status >= 400) throw new Error(`${method} ${path} answered ${answer.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as any;
  } catch {
    return text;
  }
};

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
};

/** Until nothing runs: no invocation in flight, webhooks delivered, and quiet for longer than a bus poll. */
const settle = async (stack: Stack, quietMs = 1200) => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await stack.emulator.waitForWebhooks(20_000).catch(() => undefined);
    if (inFlight === 0 && performance.now() - lastActivity >= quietMs) return;
    if (Date.now() > deadline) throw new Error('the stack did not settle in 30 s');
    await sleep(100);
  }
};

const inboxCount = async (stack: Stack): Promise<number> => {
  const answer = await fetch(`${stack.ses}/store`);
  return ((await answer.json()) as { emails: unknown[] }).emails.length;
};

const PHASES = ['sale', 'redemption', 'claim', 'claim-paid'] as const;
type Phase = (typeof PHASES)[number];
const emailsByPhase = new Map<string, number>();

const inPhase = async (stack: Stack, name: Phase, work: () => Promise<void>) => {
  await settle(stack);
  phase = name;
  const before = await inboxCount(stack);
  await work();
  await settle(stack);
  const key = `${journey}:${name}`;
  emailsByPhase.set(key, (await inboxCount(stack)) - before);
  phase = 'between';
};

const journeyOnce = async (stack: Stack, packageId: string): Promise<void> => {
  const { practiceId } = stack;
  const email = `client.${randomBytes(4).toString('hex')}@example.com`;
  let clientId = '';
  await inPhase(stack, 'sale', async () => {
    await call(stack, 'GET', `/p/${practiceId}`, undefined, { auth: false, headers: { accept: 'text/html' } });
    const checkout = await call(stack, 'POST', `/p/${practiceId}/packages/${packageId}/checkout`, { email, name: 'Jane Doe' }, { auth: false });
    const paid = await call(stack, 'POST', `${checkout.url}/pay`, { outcome: 'succeeded', email }, { auth: false });
    if (paid.redirectUrl) await call(stack, 'GET', paid.redirectUrl, undefined, { auth: false, headers: { accept: 'text/html' } });
    const client = await waitFor('the client', async () => (await call(stack, 'GET', `/practices/${practiceId}/clients?email=${encodeURIComponent(email)}`, undefined, { probe: true })).items[0]);
    clientId = client.clientId;
    await waitFor('the credits', async () => {
      const items = (await call(stack, 'GET', `/practices/${practiceId}/clients/${clientId}/purchases`, undefined, { probe: true })).items as { status: string }[];
      return items.find((item) => item.status === 'active');
    });
  });
  await inPhase(stack, 'redemption', async () => {
    await call(stack, 'POST', `/practices/${practiceId}/clients/${clientId}/redemptions`, { appointmentId: `appt-${randomBytes(4).toString('hex')}` });
  });
  const digits = String(100000 + Math.floor(Math.random() * 899999));
  const claimId = `CLM-${digits}`;
  let hostedInvoiceUrl = '';
  let invoiceId = '';
  await inPhase(stack, 'claim', async () => {
    await call(stack, 'POST', `/practices/${practiceId}/claims`, {
      claimId,
      clientId,
      payerName: 'ACME HEALTH',
      dateOfService: '2026-10-02',
      placeOfService: '11',
      diagnosisCodes: ['M54.2'],
      lines: [
        { procedureCode: '97124', modifiers: ['GP'], minutes: 30, chargeCents: 6000 },
        { procedureCode: '97140', modifiers: ['GP'], minutes: 25, chargeCents: 7000 },
      ],
    });
    await call(stack, 'POST', `/practices/${practiceId}/remittances`, eraFor(claimId, `EFT${digits}`), { headers: { 'content-type': 'application/edi-x12' } });
    const view = await waitFor('the balance invoice', async () => {
      const answer = await call(stack, 'GET', `/practices/${practiceId}/claims/${claimId}`, undefined, { probe: true });
      return answer.invoice?.hostedInvoiceUrl ? answer : undefined;
    });
    hostedInvoiceUrl = view.invoice.hostedInvoiceUrl;
    invoiceId = view.invoice.invoiceId;
  });
  await inPhase(stack, 'claim-paid', async () => {
    await call(stack, 'POST', `${hostedInvoiceUrl}/pay`, { outcome: 'succeeded' }, { auth: false });
    await waitFor('the invoice to be paid', async () => {
      const list = await call(stack, 'GET', `/practices/${practiceId}/invoices?status=paid`, undefined, { probe: true });
      return (list.items as { invoiceId: string }[]).find((item) => item.invoiceId === invoiceId);
    });
  });
};

// --- the report ---------------------------------------------------------------------------------------

const median = (values: number[]): number => {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const memoryMb = (fn: string): number => (FUNCTIONS as Record<string, FunctionSpec>)[fn]?.memoryMb ?? 512;
/** GetSecretValue calls a cold container of this function makes: the Stripe key or webhook secret, the receipt-link secret. */
const secretsRead = (fn: string): number => {
  const access = (FUNCTIONS as Record<string, FunctionSpec>)[fn]?.access;
  return access ? (access.stripe ? 1 : 0) + (access.receiptLinks ? 1 : 0) : 0;
};

interface FunctionRow {
  /** Per journey. */
  api: number;
  bus: number;
  /** Median local duration, ms (from the uninstrumented journeys). */
  ms: number;
  memoryMb: number;
  logBytes: number;
  logLines: number;
  /** DynamoDB operations its invocations made, and their WRU (table + GSI) and RRU. */
  ops: number;
  wru: number;
  rru: number;
}

interface CapacityCounts {
  ops: Record<string, number>;
  wru: number;
  gsiWru: number;
  /** GSI WRU caused by transactional writes (the part that would double if those were billed 2× too). */
  gsiWruInTransactions: number;
  rru: number;
  failedOps: number;
  localReported: number;
  outbox: Record<string, number>;
  /** Writes that carried outbox items: the most enrichment batches there can be. */
  outboxWrites: number;
}

export interface PhaseCounts extends CapacityCounts {
  phase: string;
  /** Per journey (averages over the counted journeys), deployed traffic only. */
  invocations: Record<string, FunctionRow>;
  /** Webhook deliveries by event type, all that the emulator sent. */
  webhooks: Record<string, number>;
  /** What only the emulator sends: deliveries of event types stripe-webhook does not handle. */
  emulatorOnly: { webhooks: number; wru: number; rru: number };
  emails: number;
}

export const summarise = (journeys: number[], handled: Set<string>): PhaseCounts[] => {
  /**
   * A deployed webhook endpoint subscribes to the types the function handles (EFFECTS); the
   * emulator sends every event. Deliveries of other types, and what they write, are left out.
   */
  const deployed = (invocation: Invocation | undefined) => !invocation?.webhookType || handled.has(invocation.webhookType);
  const per = (value: number) => value / journeys.length;
  const capacity = (list: OpRecord[]): CapacityCounts => {
    const counts: CapacityCounts = {
      ops: {},
      wru: per(list.reduce((s, o) => s + o.wru, 0)),
      gsiWru: per(list.reduce((s, o) => s + o.gsiWru, 0)),
      gsiWruInTransactions: per(list.filter((o) => o.op === 'TransactWriteItems').reduce((s, o) => s + o.gsiWru, 0)),
      rru: per(list.reduce((s, o) => s + o.rru, 0)),
      failedOps: per(list.filter((o) => o.failed).length),
      localReported: per(list.reduce((s, o) => s + (o.localReported ?? 0), 0)),
      outbox: {},
      outboxWrites: per(list.filter((o) => o.outbox.length > 0).length),
    };
    for (const op of list) {
      counts.ops[op.op] = (counts.ops[op.op] ?? 0) + per(1);
      for (const type of op.outbox) counts.outbox[type] = (counts.outbox[type] ?? 0) + per(1);
    }
    return counts;
  };
  return PHASES.map((name) => {
    const all = invocations.filter((i) => i.phase === name && !i.probe && journeys.includes(i.journey));
    const mine = all.filter(deployed);
    const timed = invocations.filter((i) => i.phase === name && !i.probe && i.journey < 0 && i.journey > -100 && deployed(i));
    const phaseOps = ops.filter((o) => o.phase === name && (!o.invocation || journeys.includes(o.invocation.journey)));
    const extra = phaseOps.filter((o) => !deployed(o.invocation));
    const counts: PhaseCounts = {
      phase: name,
      ...capacity(phaseOps.filter((o) => deployed(o.invocation))),
      invocations: {},
      webhooks: {},
      emulatorOnly: {
        webhooks: per(all.length - mine.length),
        wru: per(extra.reduce((s, o) => s + o.wru + o.gsiWru, 0)),
        rru: per(extra.reduce((s, o) => s + o.rru, 0)),
      },
      emails: per(journeys.reduce((s, j) => s + (emailsByPhase.get(`${j}:${name}`) ?? 0), 0)),
    };
    for (const invocation of all) {
      if (invocation.webhookType) counts.webhooks[invocation.webhookType] = (counts.webhooks[invocation.webhookType] ?? 0) + per(1);
    }
    for (const invocation of mine) {
      const row = (counts.invocations[invocation.fn] ??= { api: 0, bus: 0, ms: 0, memoryMb: memoryMb(invocation.fn), logBytes: 0, logLines: 0, ops: 0, wru: 0, rru: 0 });
      if (invocation.source === 'api') row.api += per(1);
      else row.bus += per(1);
      row.logBytes += per(invocation.logBytes);
      row.logLines += per(invocation.logLines);
    }
    for (const op of phaseOps) {
      const row = op.invocation && deployed(op.invocation) ? counts.invocations[op.fn] : undefined;
      if (!row) continue;
      row.ops += per(1);
      row.wru += per(op.wru + op.gsiWru);
      row.rru += per(op.rru);
    }
    for (const [fn, row] of Object.entries(counts.invocations)) {
      const samples = timed.filter((i) => i.fn === fn).map((i) => i.ms);
      row.ms = median(samples.length ? samples : mine.filter((i) => i.fn === fn).map((i) => i.ms));
    }
    return counts;
  });
};

export interface CostLine {
  item: string;
  quantity: string;
  price: string;
  usd: number;
}

/** The cost of 1,000 of a journey made of these phases, line by line. */
export const costPerThousand = (phases: PhaseCounts[]): { lines: CostLine[]; warm: number; cold: number; gsiDoubled: number } => {
  const n = 1000;
  const sum = (pick: (p: PhaseCounts) => number) => phases.reduce((s, p) => s + pick(p), 0);
  const rows = phases.flatMap((p) => Object.entries(p.invocations).map(([fn, row]) => ({ fn, ...row, count: row.api + row.bus })));
  const enrichments = sum((p) => p.outboxWrites);
  const invocationCount = rows.reduce((s, r) => s + r.count, 0) + enrichments;
  const apiRequests = rows.reduce((s, r) => s + r.api, 0);
  const gbSeconds = rows.reduce((s, r) => s + r.count * (Math.ceil(r.ms) / 1000) * (r.memoryMb / 1024), 0) + enrichments * (ASSUMED.enrichmentMs / 1000) * (ASSUMED.enrichmentMemoryMb / 1024);
  const tableWru = sum((p) => p.wru);
  const gsiWru = sum((p) => p.gsiWru);
  const rru = sum((p) => p.rru);
  const events = sum((p) => Object.values(p.outbox).reduce((s, c) => s + c, 0));
  const emails = sum((p) => p.emails);
  const logLines = rows.reduce((s, r) => s + r.logLines, 0);
  const logBytes =
    rows.reduce((s, r) => s + r.logBytes, 0) +
    logLines * ASSUMED.logEventOverheadBytes +
    invocationCount * ASSUMED.platformLogBytesPerInvocation +
    apiRequests * (ASSUMED.accessLogBytesPerRequest + ASSUMED.logEventOverheadBytes);
  const f = (value: number, digits = 1) => (value * n).toLocaleString('en-US', { maximumFractionDigits: digits });
  const lines: CostLine[] = [
    { item: 'Lambda requests', quantity: `${f(invocationCount)} invocations (${f(enrichments)} of them pipe enrichment)`, price: '$0.20 / million', usd: invocationCount * n * PRICES.lambdaRequest },
    { item: 'Lambda duration (arm64)', quantity: `${f(gbSeconds, 2)} GB-s`, price: '$0.0000133334 / GB-s', usd: gbSeconds * n * PRICES.lambdaGbSecondArm },
    { item: 'API Gateway HTTP API', quantity: `${f(apiRequests)} requests`, price: '$1.00 / million', usd: apiRequests * n * PRICES.httpApiRequest },
    { item: 'DynamoDB writes', quantity: `${f(tableWru + gsiWru)} WRU (table ${f(tableWru)} + GSI ${f(gsiWru)})`, price: '$0.625 / million WRU', usd: (tableWru + gsiWru) * n * PRICES.dynamoWru },
    { item: 'DynamoDB reads', quantity: `${f(rru)} RRU`, price: '$0.125 / million RRU', usd: rru * n * PRICES.dynamoRru },
    { item: 'EventBridge Pipes', quantity: `${f(events)} requests`, price: '$0.40 / million', usd: events * n * PRICES.pipesRequest },
    { item: 'EventBridge custom events', quantity: `${f(events)} events`, price: '$1.00 / million', usd: events * n * PRICES.eventBridgeEvent },
    { item: 'SES', quantity: `${f(emails)} emails`, price: '$0.10 / 1,000', usd: emails * n * PRICES.sesEmail },
    { item: 'CloudWatch Logs ingestion', quantity: `${f(logBytes / 1e6, 3)} MB`, price: '$0.50 / GB', usd: ((logBytes * n) / 1e9) * PRICES.logsIngestGb },
    { item: 'X-Ray traces (every invocation sampled)', quantity: `${f(invocationCount)} traces`, price: '$5.00 / million', usd: invocationCount * n * PRICES.xrayTrace },
  ];
  const warm = lines.reduce((s, l) => s + l.usd, 0);
  const coldGbSeconds = rows.reduce((s, r) => s + r.count * (ASSUMED.coldInitMs / 1000) * (r.memoryMb / 1024), 0);
  const secretCalls = rows.reduce((s, r) => s + r.count * secretsRead(r.fn), 0);
  const coldLines: CostLine[] = [
    { item: 'if every invocation is cold: INIT billed', quantity: `${f(coldGbSeconds, 2)} GB-s`, price: '$0.0000133334 / GB-s', usd: coldGbSeconds * n * PRICES.lambdaGbSecondArm },
    { item: 'if every invocation is cold: Secrets Manager', quantity: `${f(secretCalls)} GetSecretValue`, price: '$0.05 / 10,000', usd: secretCalls * n * PRICES.secretsManagerCall },
  ];
  return { lines: [...lines, ...coldLines], warm, cold: warm + coldLines.reduce((s, l) => s + l.usd, 0), gsiDoubled: sum((p) => p.gsiWruInTransactions) * n * PRICES.dynamoWru };
};

const printPhase = (p: PhaseCounts) => {
  const r = (value: number) => String(Number(value.toFixed(2)));
  console.log(`\n### ${p.phase} (per journey)`);
  console.log('| function | via API | via bus | local ms (median) | memory MB | DynamoDB ops | WRU | RRU | log lines | log bytes |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [fn, row] of Object.entries(p.invocations)) {
    console.log(
      `| ${fn} | ${r(row.api)} | ${r(row.bus)} | ${row.ms.toFixed(0)} | ${row.memoryMb} | ${r(row.ops)} | ${r(row.wru)} | ${r(row.rru)} | ${r(row.logLines)} | ${Math.round(row.logBytes)} |`,
    );
  }
  const webhookTypes = Object.entries(p.webhooks)
    .map(([type, count]) => `${type} ×${r(count)}`)
    .join(', ');
  if (webhookTypes) {
    console.log(`webhooks the emulator delivered: ${webhookTypes}`);
    if (p.emulatorOnly.webhooks)
      console.log(
        `  left out (types stripe-webhook does not handle, which a deployed endpoint does not subscribe to): ${r(p.emulatorOnly.webhooks)} deliveries, ${r(p.emulatorOnly.wru)} WRU, ${r(p.emulatorOnly.rru)} RRU`,
      );
  }
  console.log(
    `DynamoDB: ${
      Object.entries(p.ops)
        .map(([op, count]) => `${op} ×${r(count)}`)
        .join(', ') || 'none'
    }${p.failedOps ? ` (${r(p.failedOps)} failed on a condition)` : ''}`,
  );
  console.log(`  WRU ${r(p.wru)} table + ${r(p.gsiWru)} GSI = ${r(p.wru + p.gsiWru)}; RRU ${r(p.rru)}; DynamoDB Local itself reported ${r(p.localReported)} capacity units (reads and writes)`);
  console.log(
    `outbox events: ${
      Object.entries(p.outbox)
        .map(([type, count]) => `${type} ×${r(count)}`)
        .join(', ') || 'none'
    } (in ${r(p.outboxWrites)} writes); emails: ${r(p.emails)}`,
  );
};

const printCost = (title: string, phases: PhaseCounts[]) => {
  const { lines, warm, cold, gsiDoubled } = costPerThousand(phases);
  console.log(`\n### ${title}: per 1,000`);
  console.log('| item | quantity per 1,000 | list price | USD per 1,000 |');
  console.log('|---|---:|---|---:|');
  for (const line of lines) console.log(`| ${line.item} | ${line.quantity} | ${line.price} | ${line.usd.toFixed(4)} |`);
  console.log(`| **total, warm** | | | **${warm.toFixed(4)}** |`);
  console.log(`| **total, every invocation cold** | | | **${cold.toFixed(4)}** |`);
  console.log(`(if GSI writes made by transactions were billed at the transactional rate too: +$${gsiDoubled.toFixed(4)})`);
};

// --- the driver ---------------------------------------------------------------------------------------

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};

export const main = async (): Promise<void> => {
  const journeys = Number(option('journeys') ?? '3');
  const started = performance.now();
  const dataDir = await mkdtemp(join(tmpdir(), 'kneadpay-bench-cost-'));
  const stops: (() => Promise<void>)[] = [];
  const log = (line: string) => {
    if (!/^\[(stripe-webhook|receipt-issuer|balance-invoicer)\].*(503|retry)/.test(line)) process.stderr.write(`  ${line}\n`);
  };
  try {
    // As local/stack.ts does: the environment the handlers read, then the parts.
    const tableName = 'kneadpay-bench-cost';
    const webhookSecret = 'whsec_bench_cost';
    Object.assign(process.env, {
      KNEADPAY_DATA_DIR: dataDir,
      KNEADPAY_TABLE: tableName,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      JAVA_TOOL_OPTIONS: process.env.JAVA_TOOL_OPTIONS ?? '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC',
    });
    delete process.env.LOG_LEVEL; // Lambda runs at the logger's default level (info)
    const [dynamo, ses] = await Promise.all([startDynamoDbLocal(), startSes()]);
    stops.push(
      () => dynamo.stop(),
      () => ses.stop(),
    );
    await ensureTable(dynamo.endpoint, tableName);
    Object.assign(process.env, { KNEADPAY_DYNAMO_ENDPOINT: dynamo.endpoint, KNEADPAY_SES_ENDPOINT: ses.url });

    // The same module instances the handlers import (tsx resolves them to the same URLs).
    const { getStore } = await import('../functions/store/table');
    const { setLogSink } = await import('../functions/shared/logger');
    const { EFFECTS } = await import('../functions/stripe-webhook');
    const raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    stops.push(async () => raw.destroy());
    getStore().doc.middlewareStack.add(countingMiddleware(raw) as never, { step: 'build', name: 'benchCostCounting' });
    setLogSink((line) => {
      const invocation = als.getStore();
      if (!invocation) return;
      invocation.logLines += 1;
      invocation.logBytes += Buffer.byteLength(line) + 1;
    });

    const base = moduleLoader();
    const apiServer = await startHttpApi({ port: 0, tokenDir: dataDir, loadHandler: wrapLoader(base, 'api'), log });
    stops.push(() => apiServer.close());
    process.env.KNEADPAY_PUBLIC_URL = apiServer.url;
    const bus = await startEventBus({ endpoint: dynamo.endpoint, tableName, loadHandler: wrapLoader(base, 'bus'), startAt: 'trim-horizon', schedules: false, log });
    stops.push(() => bus.stop());
    const emulator = await startStripeEmulator({ port: 0, webhookUrls: [`${apiServer.url}/webhooks/stripe`], webhookSecret });
    stops.push(() => emulator.stop());
    Object.assign(process.env, { STRIPE_API_BASE: emulator.url, STRIPE_SECRET_KEY: 'sk_test_emulator' });

    const practiceId = `bench-${randomBytes(3).toString('hex')}`;
    const stack: Stack = { api: apiServer.url, ses: ses.url, token: await mintLocalToken(practiceId, { dir: dataDir }), practiceId, emulator };
    const startup = (performance.now() - started) / 1000;

    phase = 'setup';
    await call(stack, 'PUT', `/practices/${practiceId}`, {
      name: 'Calm Hands Massage',
      email: 'frontdesk@calmhands.example',
      phone: '+1 503 555 0100',
      address: { line1: '12 Alder St', city: 'Portland', state: 'OR', postalCode: '97205' },
      taxId: '12-3456789',
      npi: '1234567893',
      licenseNumber: 'LMT-24680',
      timezone: 'America/Los_Angeles',
    });
    const pkg = await call(stack, 'POST', `/practices/${practiceId}/packages`, {
      name: 'Five 60-minute massages',
      sessions: 5,
      sessionMinutes: 60,
      serviceCode: '97124',
      priceCents: 42500,
      currency: 'usd',
      expiresInDays: 365,
    });

    // Warm-up (module imports, JIT, DynamoDB Local's first-use costs): journey -100, not reported.
    journey = -100;
    await journeyOnce(stack, pkg.packageId);
    // Timed journeys (-1, -2, …): durations without the sizing reads.
    for (let j = 1; j <= journeys; j += 1) {
      journey = -j;
      await journeyOnce(stack, pkg.packageId);
    }
    // Counted journeys (1, 2, …).
    counting = true;
    const counted: number[] = [];
    for (let j = 1; j <= journeys; j += 1) {
      journey = j;
      counted.push(j);
      await journeyOnce(stack, pkg.packageId);
    }
    counting = false;
    await settle(stack);

    const phases = summarise(counted, new Set(Object.keys(EFFECTS)));
    // The same counts in every counted journey, or the averages hide something.
    for (const name of PHASES) {
      const perJourney = counted.map((j) => invocations.filter((i) => i.phase === name && i.journey === j && !i.probe).length);
      if (new Set(perJourney).size > 1) console.warn(`warning: ${name}: invocations per journey differ: ${perJourney.join(', ')}`);
    }
    const unattributed = ops.filter((o) => o.fn === 'unattributed').length;
    const emulatorEvents = emulator.events().length;

    console.log(
      `bench/cost: ${journeys} counted + ${journeys} timed + 1 warm-up journeys on the local stack (startup ${startup.toFixed(1)} s, ` +
        `total ${((performance.now() - started) / 1000).toFixed(0)} s); node ${process.version}; ${emulatorEvents} Stripe events emitted in all`,
    );
    if (unattributed) console.warn(`warning: ${unattributed} DynamoDB operations outside any invocation`);
    for (const p of phases) printPhase(p);
    const byName = (...names: Phase[]) => phases.filter((p) => names.includes(p.phase as Phase));
    printCost('Package sale (storefront → Checkout → webhooks → credits → receipt)', byName('sale'));
    printCost('Credit redemption (one visit)', byName('redemption'));
    printCost('Adjudicated claim (claim → ERA → invoice → paid → receipt)', byName('claim', 'claim-paid'));
    console.log(
      `\nPrices: AWS list prices, us-east-1, compiled ${PRICES.compiled} (see PRICES); check them. Free tiers ignored. ` +
        `Durations are local wall time (x86, shared, DynamoDB Local): a rough proxy for Lambda's.`,
    );
    if (process.argv.includes('--ops')) {
      console.log('\nEvery DynamoDB operation of the first counted journey (phase, function, operation, WRU table + GSI, RRU):');
      for (const op of ops.filter((o) => o.invocation?.journey === counted[0])) {
        const extra = op.invocation && !(!op.invocation.webhookType || EFFECTS[op.invocation.webhookType as keyof typeof EFFECTS]) ? ` (webhook ${op.invocation.webhookType}: emulator only)` : '';
        console.log(
          `  ${op.phase.padEnd(10)} ${op.fn.padEnd(16)} ${op.op.padEnd(18)} ${String(op.wru).padStart(3)} + ${op.gsiWru} WRU, ${op.rru} RRU${op.failed ? ', failed' : ''}${op.localReported !== undefined ? ` (DynamoDB Local: ${op.localReported})` : ''}${op.outbox.length ? `, outbox ${op.outbox.join(' ')}` : ''}${extra}`,
        );
      }
    }
    if (process.argv.includes('--json')) console.log(JSON.stringify({ prices: PRICES, assumed: ASSUMED, phases }, null, 2));
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
