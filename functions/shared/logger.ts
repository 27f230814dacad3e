/**
 * A structured JSON logger that carries ids, never PHI, built on Powertools for AWS Lambda's Logger.
 *
 * Keys that could hold a person's data are dropped AT EVERY DEPTH (nested objects, arrays of
 * objects) before anything is written, so a careless call cannot leak a name or an email. When a
 * handler runs in Lambda behind `lambdaContext()` (middy; `shared/http.ts` `httpHandler` and the
 * event/schedule handlers use it), every line also carries the invocation's request id, cold start
 * and function name; the X-Ray trace id comes from `_X_AMZN_TRACE_ID` whenever it is set.
 *
 * Lines keep the shape they always had — `{level, service, message, timestamp, …fields}` with a
 * lower-case level — plus those context keys, under Powertools' standard names
 * (`function_request_id`, `cold_start`, `function_name`, `xray_trace_id`). Every line goes to the
 * sink (stdout unless a test set another) and to every observer (the test run's PHI scan).
 */
import { config } from './config';
import type middy from '@middy/core';
import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/** Keys whose value is never logged, wherever they appear in a line. */
export const PHI_KEYS: ReadonlySet<string> = new Set([
  'name',
  'email',
  'phone',
  'address',
  'dob',
  'dateOfBirth',
  'payerName',
  'diagnosisCodes',
  'procedureCode',
  'patientName',
  'body',
  'rawBody',
  'authorization',
  // Claim numbers are PHI: the practice's claim id is the 835's patient control number (CLP01).
  'claimId',
  'patientControlNumber',
  'payerClaimControlNumber',
]);

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Deeper than this, a value is replaced rather than walked (log fields are shallow; this guards a mistake). */
const MAX_DEPTH = 12;

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * A copy of `value` without the PHI keys at any depth: plain objects and arrays are walked, an
 * Error is reduced to its own enumerable fields, as JSON.stringify always wrote it; anything else
 * (Dates, class instances with their own toJSON) is kept as it is. Cycles become "[Circular]".
 */
export const scrubPhi = (value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown => {
  if (value === null || typeof value !== 'object') return value;
  if (!Array.isArray(value) && !isPlainObject(value) && !(value instanceof Error)) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((entry) => scrubPhi(entry, depth + 1, seen));
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !PHI_KEYS.has(key))
        .map(([key, entry]) => [key, scrubPhi(entry, depth + 1, seen)]),
    );
  } finally {
    seen.delete(value);
  }
};

const scrub = (fields: Record<string, unknown>): Record<string, unknown> => scrubPhi(fields) as Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;
let sink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Tests capture every log line through this (the PHI scan reads them). */
export const setLogSink = (next: LogSink): void => {
  sink = next;
};

const observers = new Set<LogSink>();

/**
 * Also hands every line written from now on to `observer`, whatever the sink is (the test run's
 * PHI scan reads every line of every process this way). Returns the function that stops it.
 */
export const observeLogs = (observer: LogSink): (() => void) => {
  observers.add(observer);
  return () => observers.delete(observer);
};

/** The one attribute through which our wrapper hands a line's service and fields to the formatter. */
const FIELDS = 'kneadpayFields';

/**
 * The Powertools formatter: kneadpay's line shape, the Lambda context and trace id, and the PHI
 * keys dropped at every depth (the fields were scrubbed already; scrubbing here again covers any
 * attribute Powertools itself adds, e.g. an `error`).
 */
export class PhiScrubbingLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const { [FIELDS]: carried, ...rest } = additional;
    const { service, fields } = (carried ?? { service: attributes.serviceName, fields: {} }) as { service: string; fields: Record<string, unknown> };
    const context = attributes.lambdaContext;
    const level = attributes.logLevel.toLowerCase();
    return new LogItem({
      attributes: {
        level: level === 'critical' ? 'error' : level,
        service,
        message: attributes.message,
        timestamp: attributes.timestamp.toISOString(),
        ...(context
          ? {
              function_request_id: context.awsRequestId,
              cold_start: context.coldStart,
              function_name: context.functionName,
            }
          : {}),
        ...(attributes.xRayTraceId ? { xray_trace_id: attributes.xRayTraceId } : {}),
        ...scrub(rest),
        ...scrub(fields),
      },
    });
  }
}

/** Powertools' Logger writing through kneadpay's sink and observers instead of its own console. */
class SinkLogger extends PowertoolsLogger {
  protected override printLog(_logLevel: number, log: LogItem): void {
    const line = JSON.stringify(log.getAttributes());
    sink(line);
    for (const observer of observers) observer(line);
  }
}

/**
 * The process's one Powertools logger: `lambdaContext()` gives it the invocation's context and
 * every kneadpay logger writes through it. Its own threshold lets everything through; each
 * kneadpay logger applies `LOG_LEVEL` itself, as it always did. Made on first use, not at import
 * (a few milliseconds off every cold start: bench/coldstart.ts).
 */
let root: SinkLogger | undefined;
const rootLogger = (): SinkLogger => (root ??= new SinkLogger({ serviceName: 'kneadpay', logLevel: 'DEBUG', logFormatter: new PhiScrubbingLogFormatter() }));

export const createLogger = (service: string, base: Record<string, unknown> = {}): Logger => {
  const threshold = RANK[(config().logLevel as LogLevel) ?? 'info'] ?? RANK.info;
  const write = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
    if (RANK[level] < threshold) return;
    rootLogger()[level]({ message, [FIELDS]: { service, fields: { ...scrub(base), ...scrub(fields) } } });
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => createLogger(service, { ...base, ...fields }),
  };
};

/**
 * The middy middleware that puts the Lambda context (request id, cold start, function name) on
 * every line of the invocation: Powertools' `injectLambdaContext` on the process's logger. An
 * invocation without a context (a test calling a handler directly) is left as it is.
 *
 * One Lambda execution environment runs one invocation at a time, so the context is the one of the
 * line's invocation. On a laptop (`npm start`) handlers of several requests run concurrently in one
 * process; the local HTTP API and event bus run each in its own invocation scope
 * (local/invocation-scope.ts), so a line carries its own request id there too. A test calling
 * handlers directly and concurrently, outside a scope, shares one context among them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any result, as middy's own default
export const lambdaContext = <TEvent = unknown, TResult = any>(): middy.MiddlewareObj<TEvent, TResult> => {
  let made: ReturnType<typeof injectLambdaContext> | undefined;
  // Never the whole event (POWERTOOLS_LOGGER_LOG_EVENT): request bodies hold names and clinical data.
  const inner = () => (made ??= injectLambdaContext(rootLogger(), { logEvent: false }));
  return {
    before: async (request) => {
      if ((request.context as { awsRequestId?: unknown } | undefined)?.awsRequestId) await inner().before?.(request as never);
    },
    after: async (request) => {
      await inner().after?.(request as never);
    },
    onError: async (request) => {
      await inner().onError?.(request as never);
    },
  };
};

/** What of an error may be logged: its name, code and message (our messages carry no PHI). */
export const errorFields = (error: unknown): Record<string, unknown> =>
  error instanceof Error ? { errorName: error.name, errorMessage: error.message, errorCode: (error as { code?: unknown }).code } : { errorName: typeof error };
