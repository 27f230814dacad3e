/**
 * What the read benches share (`bench/claim-invoices.ts`, `bench/open-claims.ts`,
 * `bench/redemptions-since.ts`): two ways of one read — the Query of a practice's history with a
 * filter, and the read that replaced it — each measured on a practice without a history and on one
 * with, on a store that counts what DynamoDB read (`readCountedStore`), and printed as a table whose
 * times are ratios to the Query without a history, measured in the same run.
 */
import type { Store } from '../functions/store/table';
import { ensureTable, startDynamoDbLocal } from '../local/dynamodb';
import { readCountedStore, type ReadCounters } from '../test/support/paged-store';

/** Runs `bench` on a read-counted store over a fresh in-memory DynamoDB Local (loopback), stopped after. */
export const onCountedTable = async (bench: (store: Store & { reads: ReadCounters }) => Promise<void>): Promise<void> => {
  const dynamo = await startDynamoDbLocal();
  try {
    const tableName = 'kneadpay-bench';
    await ensureTable(dynamo.endpoint, tableName);
    await bench(readCountedStore({ endpoint: dynamo.endpoint, tableName }));
  } finally {
    await dynamo.stop();
  }
};

/** `--<name> <n>` from the command line (a whole number ≥ 0), else `fallback`. */
export const numberOption = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number.parseInt(process.argv[index + 1] ?? '', 10) : Number.NaN;
  return Number.isFinite(value) && value >= 0 ? value : fallback;
};

export interface ReadWayRow {
  way: string;
  /** The history the practice read had (0, or the bench's size). */
  size: number;
  msPerRead: number;
  /** What DynamoDB read, a read. */
  reads: ReadCounters;
}

/**
 * Each way (a read of one practice answering how many things it found) on the practice of each
 * size, `reads` times after `warmup` reads; `wrong` counts the answers that were not `expected`.
 */
export const measureReadWays = async (opts: {
  counters: ReadCounters;
  practices: Record<number, string>;
  sizes: readonly number[];
  ways: Record<string, (practiceId: string) => Promise<number>>;
  /** What every read answers, or what each way's reads answer. */
  expected: number | ((way: string) => number);
  reads: number;
  warmup: number;
}): Promise<{ rows: ReadWayRow[]; wrong: number }> => {
  const rows: ReadWayRow[] = [];
  let wrong = 0;
  for (const size of opts.sizes) {
    for (const [way, read] of Object.entries(opts.ways)) {
      const practiceId = opts.practices[size]!;
      for (let i = 0; i < opts.warmup; i += 1) await read(practiceId);
      Object.assign(opts.counters, { requests: 0, items: 0, units: 0 });
      const started = performance.now();
      const expected = typeof opts.expected === 'number' ? opts.expected : opts.expected(way);
      for (let i = 0; i < opts.reads; i += 1) if ((await read(practiceId)) !== expected) wrong += 1;
      const msPerRead = (performance.now() - started) / opts.reads;
      const { requests, items, units } = opts.counters;
      rows.push({ way, size, msPerRead, reads: { requests: requests / opts.reads, items: items / opts.reads, units: units / opts.reads } });
    }
  }
  return { rows, wrong };
};

/**
 * The table (`sizeColumn` names the history's column) and a line comparing `newWay` with `query`
 * at `size` (`sizeWords` says what the history is: "other invoices").
 */
export const printReadWays = (title: string, rows: readonly ReadWayRow[], opts: { sizeColumn: string; size: number; sizeWords: string; newWay: string }) => {
  const at = (way: string, size: number) => rows.find((row) => row.way === way && row.size === size)!;
  const baseline = at('query', 0).msPerRead;
  const wayWidth = Math.max(...rows.map((row) => row.way.length)) + 1;
  const sizeWidth = opts.sizeColumn.length + 1;
  console.log(title);
  console.log(`${'way'.padEnd(wayWidth)} ${opts.sizeColumn.padStart(sizeWidth)} ${'time ×'.padStart(8)} ${'requests'.padStart(9)} ${'items read'.padStart(11)} ${'read units'.padStart(11)}`);
  for (const row of rows) {
    console.log(
      `${row.way.padEnd(wayWidth)} ${String(row.size).padStart(sizeWidth)} ${(row.msPerRead / baseline).toFixed(2).padStart(8)} ${row.reads.requests.toFixed(1).padStart(9)} ${row.reads.items.toFixed(0).padStart(11)} ${row.reads.units.toFixed(1).padStart(11)}`,
    );
  }
  console.log(comparison(rows, 'query', opts.newWay, opts.size, opts.sizeWords));
};

/** A line comparing `newWay` with `oldWay` at `size` (`sizeWords` says what the history is). */
export const comparison = (rows: readonly ReadWayRow[], oldWay: string, newWay: string, size: number, sizeWords: string): string => {
  const at = (way: string, at: number) => rows.find((row) => row.way === way && row.size === at)!;
  const [old, fresh] = [at(oldWay, size), at(newWay, size)];
  return `with ${size} ${sizeWords}: ${oldWay} ${(old.msPerRead / at(oldWay, 0).msPerRead).toFixed(1)}× its time at 0 (${old.reads.requests.toFixed(0)} requests); ${newWay} ${(fresh.msPerRead / at(newWay, 0).msPerRead).toFixed(2)}× its own; ${newWay} vs ${oldWay} ${(old.msPerRead / fresh.msPerRead).toFixed(1)}× faster, ${(old.reads.units / fresh.reads.units).toFixed(0)}× fewer read units`;
};

/** Reads every page of a list, as the web app's Today page does: the number of items. */
export const countEveryPage = async (page: (cursor?: string) => Promise<{ items: unknown[]; nextCursor: string | null }>): Promise<number> => {
  let count = 0;
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    count += answer.items.length;
    cursor = answer.nextCursor ?? undefined;
  } while (cursor);
  return count;
};
