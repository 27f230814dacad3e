/**
 * Paths measured in turns, for benches that compare paths on one shared DynamoDB Local. A round's
 * events are cut into slices; every slice runs each path on its share of the events, in another
 * order (rotated one step per slice, reversed every other slice), so every path runs early and late
 * and after different neighbours. DynamoDB Local's drift through a round (its table growing, its
 * JVM collecting, another tenant of the machine) then falls on all paths alike instead of on
 * whichever ran at a bad moment.
 */

/**
 * The command-line options of a bench that compares paths in turns: `--events 300` per path and
 * round, `--rounds 3`, `--concurrency 8` requests in flight, `--chunks 7` slices a round.
 */
export const turnOptions = (argv: readonly string[] = process.argv) => {
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const events = arg('events', 300);
  return { events, rounds: arg('rounds', 3), concurrency: arg('concurrency', 8), chunks: Math.max(1, Math.min(arg('chunks', 7), events)) };
};

export interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Runs `count` tasks, `concurrency` at a time; returns the wall time and every task's latency (ms). */
export const runTimed = async (count: number, concurrency: number, task: (i: number) => Promise<void>) => {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies };
};

/** Throughput and latency percentiles of `count` tasks that took `seconds` in all. */
export const figuresOf = (count: number, seconds: number, latencies: number[]): Figures => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

/** `count` tasks, `concurrency` at a time, as one figure. */
export const runPool = async (count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<Figures> => {
  const timed = await runTimed(count, concurrency, task);
  return figuresOf(count, timed.seconds, timed.latencies);
};

/** Slice `slice`'s order of `paths`: rotated one step per slice, reversed every other slice. */
export const sliceOrder = <P>(paths: readonly P[], slice: number): P[] => {
  const shift = slice % paths.length;
  const rotated = [...paths.slice(shift), ...paths.slice(0, shift)];
  return slice % 2 === 1 ? rotated.reverse() : rotated;
};

/**
 * One round: each path runs task `i` for i in 0…events-1, in `slices` turns. `around` wraps each
 * turn (a bench counts round trips with it). Returns each path's figures over the whole round.
 */
export const runInterleaved = async <P extends string>(
  tasks: Readonly<Record<P, (i: number) => Promise<void>>>,
  options: { events: number; slices: number; concurrency: number; around?: (path: P, turn: () => Promise<void>) => Promise<void> },
): Promise<Record<P, Figures>> => {
  const paths = Object.keys(tasks) as P[];
  const spent = new Map(paths.map((path) => [path, { seconds: 0, latencies: [] as number[] }]));
  const size = Math.ceil(options.events / Math.max(1, Math.min(options.slices, options.events)));
  const around = options.around ?? ((_path: P, turn: () => Promise<void>) => turn());
  for (let slice = 0; slice * size < options.events; slice += 1) {
    const start = slice * size;
    const count = Math.min(size, options.events - start);
    for (const path of sliceOrder(paths, slice)) {
      await around(path, async () => {
        const timed = await runTimed(count, options.concurrency, (j) => tasks[path](start + j));
        spent.get(path)!.seconds += timed.seconds;
        spent.get(path)!.latencies.push(...timed.latencies);
      });
    }
  }
  return Object.fromEntries(paths.map((path) => [path, figuresOf(options.events, spent.get(path)!.seconds, spent.get(path)!.latencies)])) as Record<P, Figures>;
};
