/**
 * A structured JSON logger that carries ids, never PHI. Keys that could hold a person's data are
 * dropped before anything is written, so a careless call cannot leak a name or an email.
 */
import { config } from './config';

const FORBIDDEN_KEYS = new Set([
  'name', 'email', 'phone', 'address', 'dob', 'dateOfBirth', 'payerName', 'diagnosisCodes',
  'procedureCode', 'patientName', 'body', 'rawBody', 'authorization',
  // Claim numbers are PHI: the practice's claim id is the 835's patient control number (CLP01).
  'claimId', 'patientControlNumber', 'payerClaimControlNumber',
]);

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const scrub = (fields: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).filter(([key]) => !FORBIDDEN_KEYS.has(key)));

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

export const createLogger = (service: string, base: Record<string, unknown> = {}): Logger => {
  const threshold = RANK[(config().logLevel as LogLevel) ?? 'info'] ?? RANK.info;
  const write = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
    if (RANK[level] < threshold) return;
    const line = JSON.stringify({ level, service, message, timestamp: new Date().toISOString(), ...scrub(base), ...scrub(fields) });
    sink(line);
    for (const observer of observers) observer(line);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => createLogger(service, { ...base, ...fields }),
  };
};

/** What of an error may be logged: its name, code and message (our messages carry no PHI). */
export const errorFields = (error: unknown): Record<string, unknown> =>
  error instanceof Error
    ? { errorName: error.name, errorMessage: error.message, errorCode: (error as { code?: unknown }).code }
    : { errorName: typeof error };
