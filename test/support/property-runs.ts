/**
 * How many generated cases a heavy property runs: a quarter of `full` in `npm test` (the suite has a
 * fixed time budget on 2 shared cores), `full` with `KNEADPAY_PROPERTY_RUNS=full` (`npm run
 * test:fuzz`, the longer runs).
 */
export const propertyRuns = (full: number): number => (process.env.KNEADPAY_PROPERTY_RUNS === 'full' ? full : Math.ceil(full / 4));
